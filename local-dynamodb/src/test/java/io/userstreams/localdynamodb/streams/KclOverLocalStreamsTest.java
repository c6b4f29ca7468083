package io.userstreams.localdynamodb.streams;

import static org.assertj.core.api.Assertions.assertThat;

import com.amazonaws.services.dynamodbv2.streamsadapter.AmazonDynamoDBStreamsAdapterClient;
import com.amazonaws.services.dynamodbv2.streamsadapter.StreamsSchedulerFactory;
import com.amazonaws.services.dynamodbv2.streamsadapter.adapter.DynamoDBStreamsClientRecord;
import com.amazonaws.services.dynamodbv2.streamsadapter.model.DynamoDBStreamsProcessRecordsInput;
import com.amazonaws.services.dynamodbv2.streamsadapter.polling.DynamoDBStreamsPollingConfig;
import com.amazonaws.services.dynamodbv2.streamsadapter.processor.DynamoDBStreamsShardRecordProcessor;
import io.userstreams.localdynamodb.LocalDynamoDb;
import java.lang.reflect.Field;
import java.lang.reflect.Method;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.http.SdkHttpClient;
import software.amazon.awssdk.http.apache5.Apache5HttpClient;
import software.amazon.awssdk.http.async.SdkAsyncHttpClient;
import software.amazon.awssdk.http.nio.netty.NettyNioAsyncHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.cloudwatch.CloudWatchAsyncClient;
import software.amazon.awssdk.services.dynamodb.DynamoDbAsyncClient;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeDefinition;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.BillingMode;
import software.amazon.awssdk.services.dynamodb.model.GlobalSecondaryIndex;
import software.amazon.awssdk.services.dynamodb.model.KeySchemaElement;
import software.amazon.awssdk.services.dynamodb.model.KeyType;
import software.amazon.awssdk.services.dynamodb.model.Projection;
import software.amazon.awssdk.services.dynamodb.model.ProjectionType;
import software.amazon.awssdk.services.dynamodb.model.Record;
import software.amazon.awssdk.services.dynamodb.model.ScalarAttributeType;
import software.amazon.awssdk.services.dynamodb.model.Shard;
import software.amazon.awssdk.services.dynamodb.model.StreamViewType;
import software.amazon.awssdk.services.dynamodb.model.WriteRequest;
import software.amazon.awssdk.services.dynamodb.streams.DynamoDbStreamsClient;
import software.amazon.kinesis.common.ConfigsBuilder;
import software.amazon.kinesis.common.InitialPositionInStream;
import software.amazon.kinesis.common.InitialPositionInStreamExtended;
import software.amazon.kinesis.coordinator.CoordinatorConfig;
import software.amazon.kinesis.coordinator.Scheduler;
import software.amazon.kinesis.leases.LeaseManagementConfig;
import software.amazon.kinesis.leases.ParentsFirstShardPrioritization;
import software.amazon.kinesis.lifecycle.events.InitializationInput;
import software.amazon.kinesis.lifecycle.events.LeaseLostInput;
import software.amazon.kinesis.lifecycle.events.ShardEndedInput;
import software.amazon.kinesis.lifecycle.events.ShutdownRequestedInput;
import software.amazon.kinesis.metrics.MetricsConfig;
import software.amazon.kinesis.metrics.MetricsLevel;
import software.amazon.kinesis.metrics.NullMetricsFactory;
import software.amazon.kinesis.processor.ShardRecordProcessor;
import software.amazon.kinesis.processor.ShardRecordProcessorFactory;
import software.amazon.kinesis.processor.StreamTracker;
import software.amazon.kinesis.retrieval.RetrievalConfig;

/**
 * The real consumer libraries over this server: KCL 3.1.1 with the DynamoDB Streams Kinesis Adapter
 * 2.0.1, two workers sharing one lease table, read a 4-shard stream while the shards roll over and one
 * splits. Every item's records must arrive in order, parents finished before children start, nothing
 * lost or repeated, and both workers must have processed shards.
 */
class KclOverLocalStreamsTest {

    private static final String TABLE = "users";
    private static final String LEASE_TABLE = "kcl-local-streams-test";
    private static final int USERS = 25;      // one BatchWriteItem holds them all
    private static final int VERSIONS = 30;
    private static final int WORKERS = 2;

    /** What the processors saw, in one global order. */
    private final AtomicLong clock = new AtomicLong();
    private final Map<String, List<Integer>> versionsByUser = new ConcurrentHashMap<>();
    private final Map<String, Long> firstRecordAt = new ConcurrentHashMap<>();
    private final Map<String, Long> shardEndedAt = new ConcurrentHashMap<>();
    private final Map<String, java.util.Set<String>> shardsByWorker = new ConcurrentHashMap<>();

    @Test
    @Timeout(value = 4, unit = TimeUnit.MINUTES)
    void everyItemsRecordsArriveInOrderAcrossRollOverAndSplit() throws Exception {
        List<AutoCloseable> closeables = new ArrayList<>();
        List<Scheduler> schedulers = new ArrayList<>();
        List<Thread> threads = new ArrayList<>();
        LocalDynamoDb db = LocalDynamoDb.builder().shardsPerStream(4).start();
        closeables.add(db);         // closed last: KCL stops while the server still answers
        try {
            StaticCredentialsProvider credentials = StaticCredentialsProvider.create(
                    AwsBasicCredentials.create("local", "local"));
            URI endpoint = db.endpoint();
            SdkHttpClient apache = Apache5HttpClient.builder().maxConnections(32).build();
            closeables.add(apache);
            SdkAsyncHttpClient netty = NettyNioAsyncHttpClient.builder().maxConcurrency(32).build();
            closeables.add(netty);
            DynamoDbClient dynamo = DynamoDbClient.builder().endpointOverride(endpoint).region(Region.US_EAST_1)
                    .credentialsProvider(credentials).httpClient(apache).build();
            closeables.add(dynamo);
            DynamoDbAsyncClient dynamoAsync = DynamoDbAsyncClient.builder().endpointOverride(endpoint)
                    .region(Region.US_EAST_1).credentialsProvider(credentials).httpClient(netty).build();
            closeables.add(dynamoAsync);
            DynamoDbStreamsClient streams = DynamoDbStreamsClient.builder().endpointOverride(endpoint)
                    .region(Region.US_EAST_1).credentialsProvider(credentials).httpClient(apache).build();
            closeables.add(streams);
            // Metrics are off (NONE): CloudWatch is never called, the endpoint only keeps it local.
            CloudWatchAsyncClient cloudWatch = CloudWatchAsyncClient.builder().endpointOverride(endpoint)
                    .region(Region.US_EAST_1).credentialsProvider(credentials).httpClient(netty).build();
            closeables.add(cloudWatch);

            String streamArn = dynamo.createTable(b -> b.tableName(TABLE)
                    .billingMode(BillingMode.PAY_PER_REQUEST)
                    .keySchema(KeySchemaElement.builder().attributeName("userId").keyType(KeyType.HASH).build())
                    .attributeDefinitions(AttributeDefinition.builder().attributeName("userId")
                            .attributeType(ScalarAttributeType.S).build())
                    .streamSpecification(s -> s.streamEnabled(true).streamViewType(StreamViewType.NEW_AND_OLD_IMAGES)))
                    .tableDescription().latestStreamArn();
            assertThat(streamArn).startsWith("arn:aws:dynamodb:us-east-1:000000000000:table/users/stream/");
            createLeaseTable(dynamo);

            AmazonDynamoDBStreamsAdapterClient adapter = new AmazonDynamoDBStreamsAdapterClient(streams, Region.US_EAST_1);
            for (int w = 1; w <= WORKERS; w++) {
                Scheduler worker = worker("worker-" + w, streamArn, adapter, dynamoAsync, cloudWatch);
                schedulers.add(worker);
                Thread thread = new Thread(worker::run, "kcl-scheduler-" + w);
                thread.setDaemon(true);
                threads.add(thread);
            }
            initialShardSync(schedulers.get(0));
            threads.forEach(Thread::start);

            // Writes, with a roll-over of all four shards and a split of one child in between.
            for (int v = 1; v <= VERSIONS; v++) {
                // One batch per version: each user once per batch, so every user's writes stay ordered.
                List<WriteRequest> batch = new ArrayList<>();
                for (int u = 0; u < USERS; u++) {
                    Map<String, AttributeValue> item = Map.of("userId", AttributeValue.fromS("user-" + u),
                            "version", AttributeValue.fromN(Integer.toString(v)));
                    batch.add(WriteRequest.builder().putRequest(p -> p.item(item)).build());
                }
                var result = dynamo.batchWriteItem(b -> b.requestItems(Map.of(TABLE, batch)));
                assertThat(result.unprocessedItems()).isEmpty();
                if (v == 1) {
                    // KCL is reading live before the shards change under it.
                    long started = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
                    while (versionsByUser.isEmpty() && System.nanoTime() < started) {
                        Thread.sleep(100);
                    }
                    assertThat(versionsByUser).as("KCL delivered the first records").isNotEmpty();
                }
                Thread.sleep(50);
                if (v == VERSIONS / 3) {
                    db.streams().rollOver(TABLE);
                }
                if (v == 2 * VERSIONS / 3) {
                    String open = openShards(streams, streamArn).get(0);
                    db.streams().split(TABLE, open);
                }
            }

            long writesDone = System.nanoTime();
            long deadline = writesDone + TimeUnit.SECONDS.toNanos(150);
            while (System.nanoTime() < deadline && !allDelivered()) {
                Thread.sleep(200);
            }
            LoggerFactory.getLogger(KclOverLocalStreamsTest.class).atInfo()
                    .addKeyValue("drainMillis", TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - writesDone))
                    .log("all records delivered after the last write");

            for (int u = 0; u < USERS; u++) {
                List<Integer> expected = new ArrayList<>();
                for (int v = 1; v <= VERSIONS; v++) {
                    expected.add(v);
                }
                assertThat(versionsByUser.get("user-" + u)).as("user-" + u + " in order, nothing lost or repeated")
                        .isEqualTo(expected);
            }
            List<Shard> shards = streams.describeStream(b -> b.streamArn(streamArn)).streamDescription().shards();
            assertThat(shards).hasSize(4 + 4 + 2);
            Map<String, String> parentOf = new HashMap<>();
            for (Shard s : shards) {
                if (s.parentShardId() != null) {
                    parentOf.put(s.shardId(), s.parentShardId());
                }
            }
            assertThat(parentOf).hasSize(6);
            for (Map.Entry<String, String> e : parentOf.entrySet()) {
                Long childStart = firstRecordAt.get(e.getKey());
                if (childStart == null) {
                    continue;       // a child that got no record (its range held no written key)
                }
                assertThat(shardEndedAt).as("parent " + e.getValue() + " ended").containsKey(e.getValue());
                assertThat(shardEndedAt.get(e.getValue())).as("parent ended before child's first record")
                        .isLessThan(childStart);
            }
            assertThat(shardsByWorker).as("both workers processed shards: " + shardsByWorker).hasSize(WORKERS);
            assertThat(firstRecordAt.keySet()).as("records came from parents and children")
                    .containsAnyElementsOf(parentOf.keySet()).containsAnyElementsOf(parentOf.values());
        } finally {
            // Everything is checked by now: a graceful shutdown would only add ~20 s of lease hand-over.
            schedulers.forEach(Scheduler::shutdown);
            for (Thread thread : threads) {
                thread.join(10_000);
            }
            LoggerFactory.getLogger(KclOverLocalStreamsTest.class).atInfo().log("schedulers stopped");
            for (int i = closeables.size() - 1; i >= 0; i--) {
                closeables.get(i).close();
            }
        }
    }

    /** One KCL worker as the consumer sets it up: parents first, shard sync interval 0, metrics off. */
    private Scheduler worker(String workerId, String streamArn, AmazonDynamoDBStreamsAdapterClient adapter,
                             DynamoDbAsyncClient dynamoAsync, CloudWatchAsyncClient cloudWatch) {
        StreamTracker tracker = StreamsSchedulerFactory.createSingleStreamTracker(streamArn,
                InitialPositionInStreamExtended.newInitialPosition(InitialPositionInStream.TRIM_HORIZON));
        ShardRecordProcessorFactory factory = new ShardRecordProcessorFactory() {
            @Override
            public ShardRecordProcessor shardRecordProcessor() {
                return new RecordingProcessor(workerId);
            }
        };
        ConfigsBuilder configs = new ConfigsBuilder(tracker, LEASE_TABLE, adapter, dynamoAsync, cloudWatch,
                workerId, factory);
        // Each ConfigsBuilder accessor returns a new object: capture each once, then tune it.
        LeaseManagementConfig leases = configs.leaseManagementConfig()
                .failoverTimeMillis(3000)
                .leaseAssignmentIntervalMillis(1000L)
                .shardSyncIntervalMillis(0)
                .billingMode(BillingMode.PAY_PER_REQUEST);
        leases.workerUtilizationAwareAssignmentConfig().workerMetricsReporterFreqInMillis(2000L);
        CoordinatorConfig coordinator = configs.coordinatorConfig()
                .shardPrioritization(new ParentsFirstShardPrioritization(1))
                .parentShardPollIntervalMillis(500)
                .shardConsumerDispatchPollIntervalMillis(250);
        MetricsConfig metrics = configs.metricsConfig().metricsLevel(MetricsLevel.NONE)
                .metricsFactory(new NullMetricsFactory());
        DynamoDBStreamsPollingConfig polling = new DynamoDBStreamsPollingConfig(adapter);
        polling.idleTimeBetweenReadsInMillis(100);
        RetrievalConfig retrieval = configs.retrievalConfig().retrievalSpecificConfig(polling);
        Scheduler scheduler = StreamsSchedulerFactory.createScheduler(configs.checkpointConfig(), coordinator, leases,
                configs.lifecycleConfig(), metrics, configs.processorConfig(), retrieval, adapter);
        leases.shardSyncIntervalMillis(0);      // the adapter sets it too, after KCL has read it
        return scheduler;
    }

    private boolean allDelivered() {
        if (versionsByUser.size() < USERS) {
            return false;
        }
        for (List<Integer> versions : versionsByUser.values()) {
            synchronized (versions) {
                if (versions.isEmpty() || versions.get(versions.size() - 1) != VERSIONS) {
                    return false;
                }
            }
        }
        return true;
    }

    private static List<String> openShards(DynamoDbStreamsClient streams, String arn) {
        List<String> open = new ArrayList<>();
        for (Shard s : streams.describeStream(b -> b.streamArn(arn)).streamDescription().shards()) {
            if (s.sequenceNumberRange().endingSequenceNumber() == null) {
                open.add(s.shardId());
            }
        }
        return open;
    }

    /** Records every record's version per user, checkpoints each batch and at shard end. */
    private final class RecordingProcessor implements DynamoDBStreamsShardRecordProcessor {
        private final String workerId;
        private String shardId;

        RecordingProcessor(String workerId) {
            this.workerId = workerId;
        }

        @Override
        public void initialize(InitializationInput input) {
            shardId = input.shardId();
        }

        @Override
        public void processRecords(DynamoDBStreamsProcessRecordsInput input) {
            if (input.records().isEmpty()) {
                return;
            }
            shardsByWorker.computeIfAbsent(workerId, k -> ConcurrentHashMap.newKeySet()).add(shardId);
            if (firstRecordAt.putIfAbsent(shardId, clock.incrementAndGet()) == null) {
                LoggerFactory.getLogger(KclOverLocalStreamsTest.class).atInfo().addKeyValue("shardId", shardId)
                        .addKeyValue("workerId", workerId).log("first records");
            }
            for (DynamoDBStreamsClientRecord clientRecord : input.records()) {
                Record r = clientRecord.getRecord();
                String user = r.dynamodb().keys().get("userId").s();
                int version = Integer.parseInt(r.dynamodb().newImage().get("version").n());
                List<Integer> versions = versionsByUser.computeIfAbsent(user, k -> new ArrayList<>());
                synchronized (versions) {
                    versions.add(version);
                }
            }
            try {
                input.checkpointer().checkpoint();
            } catch (Exception e) {
                throw new IllegalStateException("checkpoint failed on " + shardId, e);
            }
        }

        @Override
        public void leaseLost(LeaseLostInput input) {
        }

        @Override
        public void shardEnded(ShardEndedInput input) {
            try {
                input.checkpointer().checkpoint();
            } catch (Exception e) {
                throw new IllegalStateException("checkpoint at shard end failed on " + shardId, e);
            }
            shardEndedAt.put(shardId, clock.incrementAndGet());
            LoggerFactory.getLogger(KclOverLocalStreamsTest.class).atInfo().addKeyValue("shardId", shardId)
                    .log("shard ended");
        }

        @Override
        public void shutdownRequested(ShutdownRequestedInput input) {
            try {
                input.checkpointer().checkpoint();
            } catch (Exception ignored) {
                // shutting down: the next owner re-reads what was not checkpointed
            }
        }
    }

    /** KCL's lease table with its lease-owner GSI, so KCL does not poll for the index. */
    private static void createLeaseTable(DynamoDbClient dynamo) {
        dynamo.createTable(b -> b.tableName(LEASE_TABLE)
                .billingMode(BillingMode.PAY_PER_REQUEST)
                .keySchema(KeySchemaElement.builder().attributeName("leaseKey").keyType(KeyType.HASH).build())
                .attributeDefinitions(
                        AttributeDefinition.builder().attributeName("leaseKey").attributeType(ScalarAttributeType.S).build(),
                        AttributeDefinition.builder().attributeName("leaseOwner").attributeType(ScalarAttributeType.S).build())
                .globalSecondaryIndexes(GlobalSecondaryIndex.builder()
                        .indexName("LeaseOwnerToLeaseKeyIndex")
                        .keySchema(
                                KeySchemaElement.builder().attributeName("leaseOwner").keyType(KeyType.HASH).build(),
                                KeySchemaElement.builder().attributeName("leaseKey").keyType(KeyType.RANGE).build())
                        .projection(Projection.builder().projectionType(ProjectionType.KEYS_ONLY).build())
                        .build()));
    }

    /** Skips KCL's random 1-30 s wait on an empty lease table: run its shard sync once now. */
    private static void initialShardSync(Scheduler scheduler) throws Exception {
        if (scheduler.leaseRefresher().isLeaseTableEmpty()) {
            Field f = Scheduler.class.getDeclaredField("leaderElectedPeriodicShardSyncManager");
            f.setAccessible(true);
            Object manager = f.get(scheduler);
            Method sync = manager.getClass().getDeclaredMethod("syncShardsOnce");
            sync.setAccessible(true);
            sync.invoke(manager);
        }
    }
}
