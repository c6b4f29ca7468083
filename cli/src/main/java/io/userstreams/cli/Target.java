package io.userstreams.cli;

import io.userstreams.localdefaults.LocalDefaults;
import io.userstreams.core.aws.AwsConnection;
import io.userstreams.core.aws.AwsConnection.Service;
import io.userstreams.core.config.CoreSettings;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.time.Duration;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.Map;
import picocli.CommandLine.Option;
import software.amazon.awssdk.http.SdkHttpClient;
import software.amazon.awssdk.http.apache5.Apache5HttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.streams.DynamoDbStreamsClient;
import software.amazon.awssdk.services.sns.SnsClient;
import software.amazon.awssdk.services.sqs.SqsClient;

/**
 * Where a command works: the local stack by default (127.0.0.1, standard ports, fake credentials),
 * AWS only when told explicitly with {@code --aws}, {@code --region} or an {@code --endpoint} that
 * is not on this machine. Ambient credentials are never picked up in local mode.
 */
public final class Target {

    public static final URI LOCAL_DYNAMODB = LocalDefaults.dynamoDbEndpoint();
    public static final URI LOCAL_SQS = LocalDefaults.endpoint(LocalDefaults.SQS_PORT);
    public static final URI LOCAL_SNS = LocalDefaults.endpoint(LocalDefaults.SNS_PORT);
    public static final URI LOCAL_OPENSEARCH = LocalDefaults.openSearchEndpoint();
    public static final String LOCAL_REGION = LocalDefaults.REGION;

    @Option(names = "--aws", description = "Work against AWS (default credential chain, AWS_REGION). "
            + "Without it, the local stack on 127.0.0.1 is used.")
    boolean aws;

    @Option(names = "--region", paramLabel = "REGION", description = "AWS region (implies --aws).")
    String region;

    @Option(names = "--endpoint", paramLabel = "URL",
            description = "DynamoDB (and Streams) endpoint. Default: http://127.0.0.1:8000 (local stack).")
    URI endpoint;

    @Option(names = "--sqs-endpoint", paramLabel = "URL", description = "SQS endpoint (local default :9324).")
    URI sqsEndpoint;

    @Option(names = "--sns-endpoint", paramLabel = "URL", description = "SNS endpoint (local default :9911).")
    URI snsEndpoint;

    @Option(names = "--opensearch-endpoint", paramLabel = "URL",
            description = "OpenSearch endpoint (local default http://127.0.0.1:9200; AWS: OPENSEARCH_ENDPOINT).")
    URI openSearchEndpoint;

    @Option(names = "--table", paramLabel = "NAME", description = "Users table (default: USERS_TABLE or 'users').")
    String table;

    private AwsConnection connection;
    private SdkHttpClient httpClient;

    public Target() {
    }

    /** A local target with explicit endpoints (tests, the consume command). */
    public static Target local(URI dynamoDb, URI sqs, URI sns, URI openSearch) {
        Target t = new Target();
        t.endpoint = dynamoDb;
        t.sqsEndpoint = sqs;
        t.snsEndpoint = sns;
        t.openSearchEndpoint = openSearch;
        return t;
    }

    /** From a started local stack's environment (AWS_ENDPOINT_URL_*, OPENSEARCH_ENDPOINT). */
    public static Target fromLocalEnvironment(Map<String, String> env) {
        Target t = local(uriOrNull(env.get(Service.DYNAMODB.variable())), uriOrNull(env.get(Service.SQS.variable())),
                uriOrNull(env.get(Service.SNS.variable())), uriOrNull(env.get(CoreSettings.OPENSEARCH_ENDPOINT)));
        t.table = env.get(CoreSettings.USERS_TABLE);
        return t;
    }

    private static URI uriOrNull(String s) {
        return s == null || s.isBlank() ? null : URI.create(s.trim());
    }

    /** True when working against AWS: --aws, --region, or a non-loopback endpoint. */
    public boolean isAws() {
        return aws || region != null || (endpoint != null && !AwsConnection.isLoopback(endpoint));
    }

    public URI dynamoDbEndpoint() {
        return endpoint != null ? endpoint : isAws() ? null : LOCAL_DYNAMODB;
    }

    public URI openSearchEndpointOrNull() {
        if (openSearchEndpoint != null) {
            return openSearchEndpoint;
        }
        if (isAws()) {
            String env = System.getenv(CoreSettings.OPENSEARCH_ENDPOINT);
            return env == null || env.isBlank() ? null : URI.create(env);
        }
        return LOCAL_OPENSEARCH;
    }

    public synchronized AwsConnection connection() {
        if (connection == null) {
            if (isAws()) {
                Map<String, String> env = new LinkedHashMap<>(System.getenv());
                if (region != null) {
                    env.put(AwsConnection.AWS_REGION, region);
                }
                if (endpoint != null) {
                    env.put(Service.DYNAMODB.variable(), endpoint.toString());
                    env.put(Service.DYNAMODB_STREAMS.variable(), endpoint.toString());
                }
                if (sqsEndpoint != null) env.put(Service.SQS.variable(), sqsEndpoint.toString());
                if (snsEndpoint != null) env.put(Service.SNS.variable(), snsEndpoint.toString());
                connection = AwsConnection.fromEnvironment(env);
            } else {
                Map<Service, URI> endpoints = new EnumMap<>(Service.class);
                URI ddb = dynamoDbEndpoint();
                endpoints.put(Service.DYNAMODB, ddb);
                endpoints.put(Service.DYNAMODB_STREAMS, ddb);
                endpoints.put(Service.SQS, sqsEndpoint != null ? sqsEndpoint : LOCAL_SQS);
                endpoints.put(Service.SNS, snsEndpoint != null ? snsEndpoint : LOCAL_SNS);
                connection = AwsConnection.local(Region.of(LOCAL_REGION), endpoints);
            }
        }
        return connection;
    }

    public synchronized SdkHttpClient httpClient() {
        if (httpClient == null) {
            // Apache 5: ~4x faster than UrlConnection against the local DynamoDB (measured here); enough
            // connections for the parallel loader and scan segments.
            httpClient = Apache5HttpClient.builder().maxConnections(64)
                    .connectionTimeout(Duration.ofSeconds(3)).build();
        }
        return httpClient;
    }

    public DynamoDbClient dynamoDb() {
        return connection().configure(DynamoDbClient.builder().httpClient(httpClient()), Service.DYNAMODB).build();
    }

    public DynamoDbStreamsClient dynamoDbStreams() {
        return connection().configure(DynamoDbStreamsClient.builder().httpClient(httpClient()),
                Service.DYNAMODB_STREAMS).build();
    }

    public SnsClient sns() {
        return connection().configure(SnsClient.builder().httpClient(httpClient()), Service.SNS).build();
    }

    public SqsClient sqs() {
        return connection().configure(SqsClient.builder().httpClient(httpClient()), Service.SQS).build();
    }

    /** The core's settings: local resource names in local mode, the environment's in AWS mode. */
    public CoreSettings settings() {
        CoreSettings base = CoreSettings.fromEnvironment(isAws() ? System.getenv() : Map.of());
        String users = table != null ? table : base.usersTable();
        URI os = openSearchEndpointOrNull();
        String topic = base.welcomeTopicArn();
        String dlq = base.deadLetterQueueUrl();
        if (!isAws()) {
            topic = topic != null ? topic : localTopicArn(LocalDefaults.WELCOME_TOPIC);
            dlq = dlq != null ? dlq : localQueueUrl(LocalDefaults.DEAD_LETTER_QUEUE);
        }
        return new CoreSettings(users, base.usersByEmailTable(), base.userStatsTable(), base.idempotencyTable(),
                topic, dlq, os == null ? null : os.toString(), base.openSearchIndex(), base.reactions(),
                base.maxAttempts());
    }

    private String localTopicArn(String name) {
        try (SnsClient sns = sns()) {
            for (var t : sns.listTopicsPaginator().topics()) {
                if (t.topicArn().endsWith(":" + name)) {
                    return t.topicArn();
                }
            }
        } catch (RuntimeException e) {
            // the SNS endpoint is not up: the welcome reaction reports it when it publishes
        }
        return LocalDefaults.topicArn(LOCAL_REGION, name);
    }

    private String localQueueUrl(String name) {
        try (SqsClient sqs = sqs()) {
            return sqs.getQueueUrl(b -> b.queueName(name)).queueUrl();
        } catch (RuntimeException e) {
            URI base = sqsEndpoint != null ? sqsEndpoint : LOCAL_SQS;
            return LocalDefaults.queueUrl(base, name);
        }
    }

    public String usersTable() {
        if (table != null) {
            return table;
        }
        String env = isAws() ? System.getenv(CoreSettings.USERS_TABLE) : null;
        return env != null && !env.isBlank() ? env : LocalDefaults.USERS_TABLE;
    }

    /** One line naming where this command works, for the start of its output. */
    public String describe() {
        if (isAws()) {
            return "AWS " + connection().region().id() + (endpoint != null ? " via " + endpoint : "")
                    + ", table " + usersTable();
        }
        return "local stack " + dynamoDbEndpoint() + ", table " + usersTable();
    }

    /**
     * Fails fast with a helpful message when the local DynamoDB endpoint does not answer, instead of
     * the SDK's retries and a stack trace.
     */
    public void checkReachable() {
        URI ddb = dynamoDbEndpoint();
        if (ddb == null) {
            return; // AWS regional endpoint: let the SDK report its own errors
        }
        checkReachable("DynamoDB", ddb);
    }

    public void checkReachable(String what, URI uri) {
        String host = uri.getHost();
        int port = uri.getPort() > 0 ? uri.getPort() : "https".equals(uri.getScheme()) ? 443 : 80;
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress(host, port), 2000);
        } catch (IOException e) {
            throw unreachable(what, uri, e);
        }
    }

    public CliException unreachable(String what, URI uri, Throwable cause) {
        String how = isAws() || !AwsConnection.isLoopback(uri)
                ? "Check the endpoint and your network."
                : "Start the local stack first, in another terminal: `bin/user-streams` (consumer + local stack) "
                  + "or `bin/user-streams stack` (local stack only); or point elsewhere with --endpoint, or use --aws.";
        return new CliException("cannot reach " + what + " at " + uri + " (" + cause.getClass().getSimpleName()
                + (cause.getMessage() == null ? "" : ": " + cause.getMessage()) + "). " + how, CliException.FAILURE, cause);
    }

    public synchronized void close() {
        if (httpClient != null) {
            httpClient.close();
            httpClient = null;
        }
    }
}
