package io.userstreams.cli;

import io.userstreams.localdefaults.LocalDefaults;
import io.userstreams.core.aws.AwsConnection;
import io.userstreams.kcl.ConsumerApplication;
import io.userstreams.kcl.ConsumerSetting;
import io.userstreams.kcl.ConsumerSettings;
import io.userstreams.kcl.JsonLogs;
import io.userstreams.localstack.LocalStack;
import io.userstreams.localstack.LocalStackException;
import io.userstreams.localstack.LocalStackOptions;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.IModelTransformer;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;

/**
 * {@code user-streams consume}: the KCL consumer. With no AWS target it starts the local stack on
 * its standard ports, creates the resources and consumes the local users table, printing one line
 * per record; JSON logs go to a file. AWS is used only with {@code --aws} or a stream ARN
 * ({@code --stream-arn} / STREAM_ARN): never ambient credentials by surprise.
 */
@Command(name = "consume", mixinStandardHelpOptions = true,
        description = {"Run the KCL consumer. Default: start the local stack (DynamoDB :8000, SQS :9324,",
            "SNS :9911, SES :9912, SMTP :3025, IMAP :3143, OpenSearch :9200), create the resources and react to every change of the local",
            "users table, one line per record. Write users from another terminal: bin/user-streams users ...",
            "With --aws or --stream-arn: consume the AWS stream (AWS_REGION, default credential chain)."},
        modelTransformer = ConsumeCommand.SettingFlags.class)
public final class ConsumeCommand implements Callable<Integer> {

    /** Adds a flag for every consumer setting the command does not declare itself. */
    public static final class SettingFlags implements IModelTransformer {
        @Override
        public CommandSpec transform(CommandSpec spec) {
            for (ConsumerSetting setting : ConsumerSetting.values()) {
                if (spec.findOption(setting.flag()) == null) {
                    spec.addOption(OptionSpec.builder(setting.flag()).type(String.class)
                            .paramLabel(setting.variable()).description(setting.flagDescription()).build());
                }
            }
            return spec;
        }
    }

    @Spec
    CommandSpec spec;

    @Option(names = "--aws", description = "Consume from AWS (needs AWS_REGION; USERS_TABLE or --stream-arn).")
    boolean aws;

    @Option(names = "--stream-arn", paramLabel = "ARN", description = "The users table's stream (implies --aws"
            + " unless --endpoint is given). Env: STREAM_ARN.")
    String streamArn;

    @Option(names = "--endpoint", paramLabel = "URL", description = "DynamoDB (+ Streams) endpoint of an already"
            + " running local stack; skips starting one.")
    String endpoint;

    @Option(names = "--region", paramLabel = "REGION", description = "AWS region. Env: AWS_REGION.")
    String region;

    @Option(names = "--table", paramLabel = "NAME", description = "Users table, when no stream ARN is given."
            + " Env: USERS_TABLE. Default: users.")
    String table;

    @Option(names = "--reactions", paramLabel = "LIST",
            description = "welcome-email,derived-tables,search-index or all. Env: REACTIONS. Default: all.")
    String reactions;

    @Option(names = "--no-opensearch", description = "Local stack without OpenSearch (starts in seconds; the"
            + " search-index reaction is switched off).")
    boolean noOpenSearch;

    @Option(names = "--log-file", paramLabel = "FILE", description = "Where JSON logs go (default: a file under"
            + " target/ locally, stderr with --aws).")
    Path logFile;

    @Option(names = "--quiet", description = "No per-record lines on the terminal.")
    boolean quiet;

    @Option(names = "--api-port", paramLabel = "PORT", description = "Local mode: port of the users API on"
            + " 127.0.0.1 (the Lambda's handler behind a small HTTP server; default ${DEFAULT-VALUE}; -1 = off).")
    int apiPort = LocalUsersApi.DEFAULT_PORT;

    @Override
    public Integer call() throws Exception {
        Map<String, String> ambient = System.getenv();
        boolean useAws = aws || streamArn != null && endpoint == null
                || (streamArn == null && endpoint == null && blankToNull(ambient.get(ConsumerSettings.STREAM_ARN)) != null);
        PrintWriter out = spec.commandLine().getOut();
        if (useAws) {
            return runAws(ambient, out);
        }
        return runLocal(out);
    }

    private int runAws(Map<String, String> ambient, PrintWriter out) throws Exception {
        Map<String, String> env = new HashMap<>(ambient);
        applyFlags(env);
        if (blankToNull(env.get("AWS_REGION")) == null) {
            throw CliException.usage("--aws needs a region: set AWS_REGION or pass --region");
        }
        configureLogs(logFile, false);
        ConsumerSettings settings = settings(env);
        if (settings.isLocal()) {
            throw CliException.usage("--aws was given but the endpoints point at this machine; drop --aws for local");
        }
        out.println("consuming from AWS (" + env.get("AWS_REGION") + "), application " + settings.applicationName()
                + ", worker " + settings.workerId() + "; Ctrl-C stops gracefully");
        out.flush();
        return runUntilStopped(ConsumerApplication.builder(settings).console(quiet ? null : System.out).build(),
                null, null, out);
    }

    private int runLocal(PrintWriter out) throws Exception {
        Path logs = logFile != null ? logFile : defaultLogFile();
        configureLogs(logs, true);
        Map<String, String> env;
        LocalStack stack = null;
        if (endpoint != null) {
            env = runningStackEnvironment();
            out.println("using the local stack at " + endpoint);
        } else {
            out.println("starting the local stack (DynamoDB, SQS, SNS" + (noOpenSearch ? "" : ", OpenSearch")
                    + ") on 127.0.0.1 ...");
            out.flush();
            try {
                stack = LocalStack.start(LocalStackOptions.standaloneBuilder().openSearch(!noOpenSearch)
                        // Our hook stops the stack AFTER the consumer checkpointed and released its
                        // leases; the stack's own hook would race it and cut DynamoDB away mid-shutdown.
                        .shutdownHook(false).build());
            } catch (LocalStackException e) {
                throw new CliException("cannot start the local stack: " + e.getMessage()
                        + ". If `user-streams stack` is already running, pass --endpoint http://127.0.0.1:8000",
                        CliException.FAILURE, e);
            }
            out.println(stack.startupSummary());
            // Only the stack's variables: ambient AWS_* settings must not leak into a local run.
            env = new HashMap<>(stack.environment());
        }
        applyFlags(env);
        if (noOpenSearch && reactions == null) {
            env.put("REACTIONS", "welcome-email,derived-tables");
        }
        ConsumerSettings settings = settings(env);
        if (!settings.isLocal()) {
            throw CliException.usage("local mode but the endpoints are not on this machine; use --aws for AWS");
        }
        out.println("consuming table '" + settings.core().usersTable() + "' as worker " + settings.workerId()
                + "; JSON logs: " + logs);
        out.println("write users from another terminal, e.g.: bin/user-streams users load --count 10");
        out.println("Ctrl-C stops gracefully (checkpoints what is done). One line per record:");
        out.flush();
        LocalUsersApi api = null;
        if (apiPort >= 0) {
            api = LocalUsersApi.start(apiPort, stack != null ? stack.dynamoDb() : localDynamoDb(env),
                    settings.core().usersTable());
            out.println("users API: " + api.endpoint() + "/users  (POST /users, GET|PUT|PATCH|DELETE /users/{userId})");
        }
        LocalMail mail = LocalMail.start(env, stack, quiet ? null : System.out, out);
        try {
            return runUntilStopped(ConsumerApplication.builder(settings).console(quiet ? null : System.out).build(),
                    stack, api, out);
        } finally {
            if (mail != null) {
                mail.close();
            }
        }
    }

    /** A client for a stack started elsewhere (`user-streams stack`); lives as long as the process. */
    private static DynamoDbClient localDynamoDb(Map<String, String> env) {
        return AwsConnection.fromEnvironment(env)
                .configure(DynamoDbClient.builder(), AwsConnection.Service.DYNAMODB).build();
    }

    private int runUntilStopped(ConsumerApplication app, LocalStack stack, LocalUsersApi api, PrintWriter out)
            throws Exception {
        Thread hook = new Thread(() -> {
            app.shutdown(Duration.ofSeconds(25));
            if (api != null) {
                api.close();
            }
            if (stack != null) {
                stack.close();
            }
        }, "consume-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
        try {
            app.start();
            if (app.opsPort() > 0) {
                out.println("health: http://" + app.settings().healthBind() + ":" + app.opsPort() + "/health  metrics: /metrics");
                out.flush();
            }
            app.awaitTermination();
            return 0;
        } catch (IllegalStateException | IllegalArgumentException e) {
            app.shutdown(Duration.ofSeconds(10));
            if (api != null) {
                api.close();
            }
            if (stack != null) {
                stack.close();
            }
            throw new CliException(e.getMessage(), CliException.FAILURE, e);
        }
    }

    private ConsumerSettings settings(Map<String, String> env) {
        try {
            return ConsumerSettings.fromEnvironment(env);
        } catch (IllegalArgumentException e) {
            throw CliException.usage(e.getMessage());
        }
    }

    private void applyFlags(Map<String, String> env) {
        put(env, "AWS_REGION", region);
        put(env, "USERS_TABLE", table);
        put(env, "REACTIONS", reactions);
        // Every consumer setting's flag (declared once in ConsumerSetting; --stream-arn is a field above).
        for (ConsumerSetting setting : ConsumerSetting.values()) {
            OptionSpec option = spec.findOption(setting.flag());
            Object value = option == null ? null : option.getValue();
            put(env, setting.variable(), value == null ? null : value.toString());
        }
    }

    /** The standard local ports and resource names, for a stack started by `user-streams stack`. */
    private Map<String, String> runningStackEnvironment() {
        Map<String, String> env = new HashMap<>();
        String region = this.region != null ? this.region : LocalDefaults.REGION;
        String account = LocalDefaults.ACCOUNT_ID;
        env.put("AWS_REGION", region);
        env.put("AWS_ENDPOINT_URL_DYNAMODB", endpoint);
        env.put("AWS_ENDPOINT_URL_DYNAMODB_STREAMS", endpoint);
        env.put("AWS_ENDPOINT_URL_SQS", Target.LOCAL_SQS.toString());
        env.put("AWS_ENDPOINT_URL_SNS", Target.LOCAL_SNS.toString());
        env.put("WELCOME_TOPIC_ARN", LocalDefaults.topicArn(region, LocalDefaults.WELCOME_TOPIC));
        env.put("DEAD_LETTER_QUEUE_URL", LocalDefaults.queueUrl(Target.LOCAL_SQS, LocalDefaults.DEAD_LETTER_QUEUE));
        env.putAll(LocalMail.runningStackEnvironment(Target.LOCAL_SQS.toString(), account));
        if (!noOpenSearch) {
            env.put("OPENSEARCH_ENDPOINT", Target.LOCAL_OPENSEARCH.toString());
        }
        return env;
    }

    private static Path defaultLogFile() throws java.io.IOException {
        String root = System.getProperty("user-streams.root");
        Path dir = root != null ? Path.of(root, "target") : Path.of(System.getProperty("java.io.tmpdir"));
        Files.createDirectories(dir);
        return dir.resolve("consume.log");
    }

    private static void configureLogs(Path file, boolean local) {
        String level = System.getenv().getOrDefault("LOG_LEVEL", "INFO");
        if (file != null) {
            JsonLogs.toFile(file, level);
        } else if (!local) {
            JsonLogs.toStderr(level);
        }
    }

    private static void put(Map<String, String> env, String name, String value) {
        if (value != null) {
            env.put(name, value);
        }
    }

    private static String blankToNull(String s) {
        return s == null || s.isBlank() ? null : s;
    }
}
