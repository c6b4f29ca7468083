package io.userstreams.kcl;

import static org.assertj.core.api.Assertions.assertThat;

import com.amazonaws.services.dynamodbv2.streamsadapter.polling.DynamoDBStreamsPollingConfig;
import io.userstreams.core.aws.AwsConnection;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import software.amazon.kinesis.leases.ParentsFirstShardPrioritization;
import software.amazon.kinesis.metrics.MetricsLevel;
import software.amazon.kinesis.processor.ShardRecordProcessorFactory;

/** The KCL configs from settings alone: nothing is started, no server is needed (no call is made). */
class KclConfigsTest {

    static final String ARN = "arn:aws:dynamodb:us-east-1:000000000000:table/users/stream/2026-12-06T00:00:00.000";

    /** Local mode (endpoints on 127.0.0.1, fake credentials); port 1: nothing listens, nothing is called. */
    static Map<String, String> local(Map<String, String> more) {
        Map<String, String> env = new HashMap<>(more);
        for (AwsConnection.Service s : AwsConnection.Service.values()) {
            env.put(s.variable(), "http://127.0.0.1:1");
        }
        return env;
    }

    KclConfigs configs(Map<String, String> env) {
        ConsumerSettings settings = ConsumerSettings.fromEnvironment(local(env));
        assertThat(settings.isLocal()).isTrue();
        ShardRecordProcessorFactory none = () -> {
            throw new AssertionError("no shard processor is created");
        };
        try (KclClients clients = new KclClients(settings.connection())) {
            return KclConfigs.from(settings, clients.stream(ARN), clients.dynamo(), clients.cloudWatch(), none,
                    new SchedulerState());
        }
    }

    @Test
    void localDefaultsAreTunedForFastStartAndFailover() {
        KclConfigs c = configs(Map.of());
        assertThat(c.leases().failoverTimeMillis()).isEqualTo(3000);
        assertThat(c.leases().leaseAssignmentIntervalMillis()).isEqualTo(1000);
        assertThat(c.leases().shardSyncIntervalMillis()).isZero();
        assertThat(c.leases().workerUtilizationAwareAssignmentConfig().workerMetricsReporterFreqInMillis())
                .isEqualTo(5000);
        assertThat(c.leases().tableName()).isEqualTo(ConsumerSettings.fromEnvironment(Map.of()).applicationName());
        assertThat(c.coordinator().shardPrioritization()).isInstanceOf(ParentsFirstShardPrioritization.class);
        assertThat(c.coordinator().skipShardSyncAtWorkerInitializationIfLeasesExist()).isTrue();
        assertThat(c.coordinator().workerStateChangeListener()).isInstanceOf(SchedulerState.class);
        assertThat(c.processor().callProcessRecordsEvenForEmptyRecordList()).isTrue();
        assertThat(c.metrics().metricsLevel()).isEqualTo(MetricsLevel.NONE);
        DynamoDBStreamsPollingConfig polling = (DynamoDBStreamsPollingConfig) c.retrieval().retrievalSpecificConfig();
        assertThat(polling.idleTimeBetweenReadsInMillis()).isEqualTo(200);
        assertThat(polling.maxRecords()).isEqualTo(1000);
        assertThat(c.stream().arn()).isEqualTo(ARN);
    }

    @Test
    void settingsReachTheConfigs() {
        KclConfigs c = configs(Map.of(ConsumerSettings.FAILOVER_MS, "10000", ConsumerSettings.POLL_INTERVAL_MS, "50",
                ConsumerSettings.MAX_RECORDS, "300", ConsumerSettings.APPLICATION_NAME, "my-app"));
        assertThat(c.leases().failoverTimeMillis()).isEqualTo(10_000);
        assertThat(c.leases().leaseAssignmentIntervalMillis()).as("capped at a second").isEqualTo(1000);
        assertThat(c.leases().tableName()).isEqualTo("my-app");
        DynamoDBStreamsPollingConfig polling = (DynamoDBStreamsPollingConfig) c.retrieval().retrievalSpecificConfig();
        assertThat(polling.idleTimeBetweenReadsInMillis()).isEqualTo(50);
        assertThat(polling.maxRecords()).isEqualTo(300);
    }
}
