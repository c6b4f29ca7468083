package io.userstreams.localstack;

import io.userstreams.localstack.LocalStackOptions.Server;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.CountDownLatch;

/**
 * Runs the local stack on the conventional ports until Ctrl-C:
 * {@code LocalStackMain [--dynamodb-port N] [--sqs-port N] [--sns-port N] [--opensearch-port N]
 * [--no-opensearch] [--state-dir DIR]}; each port can also come from DYNAMODB_PORT, SQS_PORT,
 * SNS_PORT, OPENSEARCH_PORT (flags win). Prints the endpoints and the variables to export.
 * Exit codes: 0 stopped normally, 1 failed to start, 2 usage error.
 */
public final class LocalStackMain {

    private LocalStackMain() {
    }

    public static void main(String[] args) {
        int code = run(args, System.getenv(), System.out, System.err, true);
        if (code != 0) {
            System.exit(code);
        }
    }

    /** Parses, starts, prints; when {@code block} waits for JVM shutdown (the stack's hook stops it). */
    static int run(String[] args, Map<String, String> env, PrintStream out, PrintStream err, boolean block) {
        LocalStackOptions options;
        try {
            options = parse(args, env);
        } catch (UsageException e) {
            err.println("error: " + e.getMessage());
            err.println(usage());
            return 2;
        }
        if (options == null) {
            out.println(usage());
            return 0;
        }
        LocalStack stack;
        try {
            stack = LocalStack.start(options);
        } catch (RuntimeException e) {
            err.println("error: the local stack did not start: " + e.getMessage());
            return 1;
        }
        out.println(stack.startupSummary());
        out.println();
        out.println("DynamoDB (+ Streams): " + stack.dynamoDbEndpoint());
        out.println("SQS:                  " + stack.sqsEndpoint());
        out.println("SNS:                  " + stack.snsEndpoint());
        out.println("SES v2:               " + stack.sesEndpoint());
        out.println("SMTP / IMAP:          127.0.0.1:" + stack.mailServer().smtpPort() + " / 127.0.0.1:"
                + stack.mailServer().imapPort() + " (IMAP user = the address, any password)");
        out.println("OpenSearch:           " + (stack.openSearchEnabled() ? stack.openSearchEndpoint() : "off"));
        out.println();
        StringBuilder exports = new StringBuilder();
        stack.environment().forEach((k, v) -> exports.append("export ").append(k).append('=').append(shellQuote(v)).append('\n'));
        out.println("# export these to use the stack from another shell:");
        out.print(exports);
        options.stateDir().ifPresent(dir -> {
            Path file = dir.resolve("env.sh");
            try {
                Files.writeString(file, exports.toString());
                out.println("# or: source " + file);
            } catch (IOException e) {
                err.println("warning: could not write " + file + ": " + e.getMessage());
            }
        });
        out.println();
        out.println("Running. Press Ctrl-C to stop.");
        out.flush();
        if (block) {
            CountDownLatch forever = new CountDownLatch(1);
            try {
                forever.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                stack.close();
            }
        }
        return 0;
    }

    static final class UsageException extends Exception {
        UsageException(String message) {
            super(message);
        }
    }

    /** The options from flags and environment; {@code null} for --help. */
    static LocalStackOptions parse(String[] args, Map<String, String> env) throws UsageException {
        LocalStackOptions.Builder b = LocalStackOptions.standaloneBuilder();
        for (Server s : Server.values()) {
            String value = env.get(s.variable());
            if (value != null && !value.isBlank()) {
                b.port(s, port(value, s.variable()));
            }
        }
        for (int i = 0; i < args.length; i++) {
            String arg = args[i];
            String value = null;
            int eq = arg.indexOf('=');
            if (arg.startsWith("--") && eq > 0) {
                value = arg.substring(eq + 1);
                arg = arg.substring(0, eq);
            }
            switch (arg) {
                case "-h", "--help" -> {
                    return null;
                }
                case "--no-opensearch" -> b.openSearch(false);
                case "--state-dir" -> b.stateDir(Path.of(value != null ? value : next(args, ++i, arg)));
                case "--db-path" -> b.dynamoDbDataDir(Path.of(value != null ? value : next(args, ++i, arg)));
                case "--dynamodb-shards" -> b.dynamoDbShards(count(value != null ? value : next(args, ++i, arg), arg));
                default -> {
                    Server server = null;
                    for (Server s : Server.values()) {
                        if (s.flag().equals(arg)) {
                            server = s;
                        }
                    }
                    if (server == null) {
                        throw new UsageException("unknown option " + arg);
                    }
                    b.port(server, port(value != null ? value : next(args, ++i, arg), arg));
                }
            }
        }
        try {
            return b.build();
        } catch (IllegalArgumentException e) {
            throw new UsageException(e.getMessage());
        }
    }

    private static String next(String[] args, int i, String flag) throws UsageException {
        if (i >= args.length) {
            throw new UsageException(flag + " needs a value");
        }
        return args[i];
    }

    private static int port(String value, String source) throws UsageException {
        try {
            int port = Integer.parseInt(value.trim());
            if (port < 1 || port > 65535) {
                throw new UsageException(source + " must be a port between 1 and 65535, was " + value);
            }
            return port;
        } catch (NumberFormatException e) {
            throw new UsageException(source + " must be a port number, was '" + value + "'");
        }
    }

    private static int count(String value, String flag) throws UsageException {
        try {
            int n = Integer.parseInt(value.trim());
            if (n < 1 || n > 64) {
                throw new UsageException(flag + " must be 1..64, was " + value);
            }
            return n;
        } catch (NumberFormatException e) {
            throw new UsageException(flag + " must be a number, was '" + value + "'");
        }
    }

    static String usage() {
        StringBuilder s = new StringBuilder("usage: local-stack [options]\n");
        for (Server server : Server.values()) {
            s.append(String.format("  %-20s %s port (default %d, env %s)%n", server.flag() + " N",
                    server.displayName(), server.standardPort(), server.variable()));
        }
        s.append(String.format("  %-20s run without the OpenSearch node%n", "--no-opensearch"));
        s.append(String.format("  %-20s state folder (default ./.user-streams)%n", "--state-dir DIR"));
        s.append(String.format("  %-20s keep DynamoDB's tables here (snapshot on stop, loaded on start)%n", "--db-path DIR"));
        s.append(String.format("  %-20s open shards of each table's stream (default 1)%n", "--dynamodb-shards N"));
        return s.toString();
    }

    private static String shellQuote(String value) {
        if (value.matches("[A-Za-z0-9_./:@%+=,-]*")) {
            return value;
        }
        return "'" + value.replace("'", "'\\''") + "'";
    }
}
