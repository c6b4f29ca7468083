package io.userstreams.lambda;

import io.userstreams.core.aws.CallRecorder;
import com.amazonaws.services.lambda.runtime.events.DynamodbEvent.DynamodbStreamRecord;
import io.userstreams.core.UserStreamsCore;
import io.userstreams.core.aws.AwsConnection;
import io.userstreams.core.config.CoreSettings;
import io.userstreams.core.config.ReactionId;
import io.userstreams.core.parking.DynamoDbParkedItems;
import io.userstreams.core.pipeline.RecordBatchRunner;
import io.userstreams.core.processing.BatchProcessor;
import io.userstreams.core.processing.UnconvertibleRecordQueue;
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
 * URLConnection HTTP client, the core's batch runner with the Lambda record adapter, the EMF metrics.
 */
public final class StreamHandlerRuntime implements AutoCloseable {

    /** Set by Lambda; the metrics' FunctionName dimension. */
    public static final String FUNCTION_NAME = "AWS_LAMBDA_FUNCTION_NAME";

    private final BatchProcessor processor;
    private final RecordBatchRunner<DynamodbStreamRecord> runner;
    private final EmbeddedMetrics metrics;
    private final Clock clock;
    private final Parking parking;
    private final AutoCloseable resources;

    /**
     * @param processor     the core's batch processor
     * @param unconvertible where records go that cannot be converted (throws when unreachable)
     * @param resources     closed with the runtime (may be null)
     */
    public StreamHandlerRuntime(BatchProcessor processor, UnconvertibleRecordQueue unconvertible,
                                EmbeddedMetrics metrics, Clock clock, AutoCloseable resources) {
        this(processor, unconvertible, metrics, clock, Parking.DISABLED, resources);
    }

    /** @param parking what to do with records still failing when the stream is about to trim them */
    public StreamHandlerRuntime(BatchProcessor processor, UnconvertibleRecordQueue unconvertible,
                                EmbeddedMetrics metrics, Clock clock, Parking parking, AutoCloseable resources) {
        this.processor = Objects.requireNonNull(processor, "processor");
        this.parking = Objects.requireNonNull(parking, "parking");
        BatchProcessor run = parking.enabled() ? new ParkingBatchProcessor(processor, parking) : processor;
        this.runner = RecordBatchRunner.builder(new LambdaRecordAdapter(), run, unconvertible)
                .clock(clock).build();
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
        DynamoDbClient dynamoDb = connection.configure(CallRecorder.register(DynamoDbClient.builder()), AwsConnection.Service.DYNAMODB)
                .httpClient(http).build();
        String scope = ReactionId.toList(core.settings().reactions());
        Parking parking = new Parking(Parking.afterFromEnvironment(env),
                new DynamoDbParkedItems(dynamoDb, core.settings().idempotencyTable(), scope, clock),
                core.sinks().deadLetters(), scope, clock);
        return new StreamHandlerRuntime(core.processor(), core.unconvertibleRecords(), metrics, clock, parking, () -> {
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

    /** Runs a delivered batch: convert, de-duplicate, process, dead-letter the unconvertible, done prefix. */
    public RecordBatchRunner<DynamodbStreamRecord> runner() {
        return runner;
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
