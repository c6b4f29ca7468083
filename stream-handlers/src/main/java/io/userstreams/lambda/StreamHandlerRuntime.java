package io.userstreams.lambda;

import io.userstreams.core.UserStreamsCore;
import io.userstreams.core.aws.AwsConnection;
import io.userstreams.core.config.CoreSettings;
import io.userstreams.core.config.Reaction;
import io.userstreams.core.parking.DynamoDbParkedItems;
import io.userstreams.core.processing.BatchProcessor;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import software.amazon.awssdk.http.SdkHttpClient;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;

/**
 * Everything the stream handler needs, built once per container: settings from the environment
 * (the same variable names as template.yaml), the core with its SDK clients on the light
 * URLConnection HTTP client, the record converter, the EMF metrics.
 */
public final class StreamHandlerRuntime implements AutoCloseable {

    /** Set by Lambda; the metrics' FunctionName dimension. */
    public static final String FUNCTION_NAME = "AWS_LAMBDA_FUNCTION_NAME";

    /** Dead-letters a record that could not be converted; throws when the dead-letter queue is unreachable. */
    @FunctionalInterface
    public interface MalformedRecords {
        void deadLetter(MalformedRecord record);
    }

    private final BatchProcessor processor;
    private final LambdaRecordConverter converter;
    private final MalformedRecords malformedRecords;
    private final EmbeddedMetrics metrics;
    private final Clock clock;
    private final Parking parking;
    private final AutoCloseable resources;

    public StreamHandlerRuntime(BatchProcessor processor, LambdaRecordConverter converter,
                                MalformedRecords malformedRecords, EmbeddedMetrics metrics, Clock clock,
                                AutoCloseable resources) {
        this(processor, converter, malformedRecords, metrics, clock, Parking.DISABLED, resources);
    }

    public StreamHandlerRuntime(BatchProcessor processor, LambdaRecordConverter converter,
                                MalformedRecords malformedRecords, EmbeddedMetrics metrics, Clock clock,
                                Parking parking, AutoCloseable resources) {
        this.parking = Objects.requireNonNull(parking, "parking");
        this.processor = Objects.requireNonNull(processor, "processor");
        this.converter = Objects.requireNonNull(converter, "converter");
        this.malformedRecords = Objects.requireNonNull(malformedRecords, "malformedRecords");
        this.metrics = Objects.requireNonNull(metrics, "metrics");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.resources = resources == null ? () -> { } : resources;
    }

    /** The production wiring, also used by the integration tests with the local stack's environment. */
    public static StreamHandlerRuntime fromEnvironment(Map<String, String> env) {
        Clock clock = Clock.systemUTC();
        EmbeddedMetrics metrics = new EmbeddedMetrics(env.getOrDefault(FUNCTION_NAME, "user-streams-local"),
                System.out, clock);
        SdkHttpClient http = lightHttpClient();
        AwsConnection connection = AwsConnection.fromEnvironment(env);
        UserStreamsCore core = UserStreamsCore.builder()
                .settings(CoreSettings.fromEnvironment(env))
                .connection(connection)
                .httpClient(http)
                .metrics(metrics)
                .build();
        SqsMalformedRecords malformed = CoreBridge.malformedRecords(core, connection, http, clock);
        DynamoDbClient dynamoDb = connection.configure(DynamoDbClient.builder(), AwsConnection.Service.DYNAMODB)
                .httpClient(http).build();
        Parking parking = new Parking(Parking.afterFromEnvironment(env),
                new DynamoDbParkedItems(dynamoDb, core.settings().idempotencyTable(),
                        Reaction.toList(core.settings().reactions()), clock),
                core.sinks().deadLetters(), Reaction.toList(core.settings().reactions()), clock);
        return new StreamHandlerRuntime(core.processor(), CoreBridge.converter(), malformed, metrics, clock, parking, () -> {
            malformed.close();
            dynamoDb.close();
            core.close();
            http.close();
        });
    }

    /**
     * URLConnection: no pool threads and the fastest init, which matters more per cold start than
     * its slower per-call latency for a function doing a few calls per record.
     */
    static SdkHttpClient lightHttpClient() {
        return UrlConnectionHttpClient.builder()
                .connectionTimeout(Duration.ofSeconds(2))
                .socketTimeout(Duration.ofSeconds(10))
                .build();
    }

    public BatchProcessor processor() {
        return processor;
    }

    public LambdaRecordConverter converter() {
        return converter;
    }

    public MalformedRecords malformedRecords() {
        return malformedRecords;
    }

    public EmbeddedMetrics metrics() {
        return metrics;
    }

    public Parking parking() {
        return parking;
    }

    public Clock clock() {
        return clock;
    }

    @Override
    public void close() throws Exception {
        resources.close();
    }
}
