package io.userstreams.kcl;

import io.userstreams.core.processing.SqsUnconvertibleRecords;
import io.userstreams.core.processing.UnconvertibleRecordQueue;
import io.userstreams.core.processing.RetryPolicy;
import com.amazonaws.services.dynamodbv2.streamsadapter.AmazonDynamoDBStreamsAdapterClient;
import com.amazonaws.services.dynamodbv2.streamsadapter.StreamsSchedulerFactory;
import com.amazonaws.services.dynamodbv2.streamsadapter.polling.DynamoDBStreamsPollingConfig;
import io.userstreams.core.UserStreamsCore;
import io.userstreams.core.aws.AwsConnection;
import io.userstreams.core.aws.AwsConnection.Service;
import io.userstreams.core.change.ChangeRecord;
import software.amazon.awssdk.services.dynamodb.model.Record;
import software.amazon.awssdk.services.sqs.SqsClient;
import io.userstreams.core.processing.BatchOutcome;
import io.userstreams.core.processing.BatchProcessor;
import io.userstreams.core.processing.ProcessingMetrics;
import java.io.PrintStream;
import java.lang.reflect.Field;
import java.lang.reflect.Method;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.core.client.config.ClientOverrideConfiguration;
import software.amazon.awssdk.core.retry.RetryMode;
import software.amazon.awssdk.http.SdkHttpClient;
import software.amazon.awssdk.http.apache5.Apache5HttpClient;
import software.amazon.awssdk.http.async.SdkAsyncHttpClient;
import software.amazon.awssdk.http.nio.netty.NettyNioAsyncHttpClient;
import software.amazon.awssdk.services.cloudwatch.CloudWatchAsyncClient;
import software.amazon.awssdk.services.dynamodb.DynamoDbAsyncClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeDefinition;
import software.amazon.awssdk.services.dynamodb.model.BillingMode;
import software.amazon.awssdk.services.dynamodb.model.GlobalSecondaryIndex;
import software.amazon.awssdk.services.dynamodb.model.KeySchemaElement;
import software.amazon.awssdk.services.dynamodb.model.KeyType;
import software.amazon.awssdk.services.dynamodb.model.Projection;
import software.amazon.awssdk.services.dynamodb.model.ProjectionType;
import software.amazon.awssdk.services.dynamodb.model.ResourceInUseException;
import software.amazon.awssdk.services.dynamodb.model.ResourceNotFoundException;
import software.amazon.awssdk.services.dynamodb.model.ScalarAttributeType;
import software.amazon.awssdk.services.dynamodb.model.TableStatus;
import software.amazon.awssdk.services.dynamodb.streams.DynamoDbStreamsClient;
import software.amazon.kinesis.common.ConfigsBuilder;
import software.amazon.kinesis.common.InitialPositionInStream;
import software.amazon.kinesis.common.InitialPositionInStreamExtended;
import software.amazon.kinesis.coordinator.CoordinatorConfig;
import software.amazon.kinesis.coordinator.CoordinatorStateDAO;
import software.amazon.kinesis.coordinator.Scheduler;
import software.amazon.kinesis.coordinator.WorkerStateChangeListener;
import software.amazon.kinesis.leader.DynamoDBLockBasedLeaderDecider;
import software.amazon.kinesis.leases.LeaseManagementConfig;
import software.amazon.kinesis.leases.ParentsFirstShardPrioritization;
import software.amazon.kinesis.lifecycle.LifecycleConfig;
import software.amazon.kinesis.metrics.MetricsConfig;
import software.amazon.kinesis.metrics.MetricsFactory;
import software.amazon.kinesis.metrics.MetricsLevel;
import software.amazon.kinesis.metrics.NullMetricsFactory;
import software.amazon.kinesis.processor.ProcessorConfig;
import software.amazon.kinesis.processor.ShardRecordProcessor;
import software.amazon.kinesis.processor.ShardRecordProcessorFactory;
import software.amazon.kinesis.processor.StreamTracker;
import software.amazon.kinesis.retrieval.RetrievalConfig;

/**
 * The consumer, wired in one place: SDK clients, the lease table, KCL 3.1.1 with the DynamoDB
 * Streams Kinesis Adapter 2.0.1, the shard processors, /health and /metrics, graceful shutdown.
 * Tuning that matters (see docs/consumer.md): poll interval 200 ms, shard sync interval 0, a pre-created
 * lease table with its GSI, an initial shard sync so a fresh table skips KCL's random 1–30 s wait,
 * failover 3 s, leader lock 10 s / heartbeat 3 s, parents before children, metrics off locally.
 */
public final class ConsumerApplication implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(ConsumerApplication.class);

    /** KCL's lease-owner GSI: pre-created so KCL does not poll every 10 s for it to become active. */
    static final String LEASE_OWNER_INDEX = "LeaseOwnerToLeaseKeyIndex";
    private static final java.util.concurrent.atomic.AtomicInteger LANE_THREADS = new java.util.concurrent.atomic.AtomicInteger();

    private final ConsumerSettings settings;
    private final ConsumerMetrics metrics;
    private final Optional<BatchProcessor> givenProcessor;
    private final Optional<PrintStream> console;
    private final java.util.function.UnaryOperator<BatchProcessor> decorator;
    private final List<AutoCloseable> closeables = new ArrayList<>();

    private volatile boolean stopping;
    private volatile WorkerStateChangeListener.WorkerState state = WorkerStateChangeListener.WorkerState.CREATED;
    private final CountDownLatch started = new CountDownLatch(1);
    private final CountDownLatch finished = new CountDownLatch(1);
    private Scheduler scheduler;
    private Thread schedulerThread;
    private OpsServer ops;
    private String streamArn;
    private Instant startedAt;

    private ConsumerApplication(Builder b) {
        this.settings = Objects.requireNonNull(b.settings, "settings");
        this.metrics = b.metrics == null ? new ConsumerMetrics() : b.metrics;
        this.givenProcessor = Optional.ofNullable(b.processor);
        this.console = Optional.ofNullable(b.console);
        this.decorator = b.decorator;
    }

    public static Builder builder(ConsumerSettings settings) {
        return new Builder(settings);
    }

    public static final class Builder {
        private final ConsumerSettings settings;
        private ConsumerMetrics metrics;
        private BatchProcessor processor;
        private PrintStream console;
        private java.util.function.UnaryOperator<BatchProcessor> decorator = p -> p;

        private Builder(ConsumerSettings settings) {
            this.settings = settings;
        }

        public Builder metrics(ConsumerMetrics metrics) {
            this.metrics = metrics;
            return this;
        }

        /** Replaces the core's reactions (tests, the benchmark's no-op ceiling). */
        public Builder processor(BatchProcessor processor) {
            this.processor = processor;
            return this;
        }

        /** Wraps the processor (the core's or the given one): timing probes in tests and benchmarks. */
        public Builder processorDecorator(java.util.function.UnaryOperator<BatchProcessor> decorator) {
            this.decorator = Objects.requireNonNull(decorator);
            return this;
        }

        /** Prints one human line per processed record (the local newcomer's view). */
        public Builder console(PrintStream console) {
            this.console = console;
            return this;
        }

        public ConsumerApplication build() {
            return new ConsumerApplication(this);
        }
    }

    public ConsumerMetrics metrics() {
        return metrics;
    }

    public ConsumerSettings settings() {
        return settings;
    }

    /** The stream ARN the consumer reads. */
    public String streamArn() {
        return streamArn;
    }

    public Instant startedAt() {
        return startedAt;
    }

    /** Port of /health and /metrics, or -1 when disabled. */
    public int opsPort() {
        return ops == null ? -1 : ops.port();
    }

    /** Builds clients and KCL, prepares the lease table and starts consuming in the background. */
    public synchronized ConsumerApplication start() {
        if (scheduler != null) {
            throw new IllegalStateException("already started");
        }
        startedAt = Instant.now();
        AwsConnection conn = settings.connection();

        // KCL's leases, coordinator state and worker metrics: async client (Netty), as KCL requires.
        SdkAsyncHttpClient netty = NettyNioAsyncHttpClient.builder().maxConcurrency(64)
                .connectionAcquisitionTimeout(Duration.ofSeconds(10)).build();
        closeables.add(netty);
        DynamoDbAsyncClient dynamo = conn.configure(DynamoDbAsyncClient.builder(), Service.DYNAMODB)
                .httpClient(netty).build();
        closeables.add(dynamo);
        CloudWatchAsyncClient cloudWatch = CloudWatchAsyncClient.builder().region(conn.region())
                .credentialsProvider(conn.credentials()).httpClient(netty).build();
        closeables.add(cloudWatch);

        // Stream reads and the core's sinks: sync Apache 5 (~0.5 ms per GetRecords locally vs ~2 ms).
        SdkHttpClient apache = Apache5HttpClient.builder().maxConnections(64).build();
        closeables.add(apache);
        DynamoDbStreamsClient streams = conn.configure(DynamoDbStreamsClient.builder(), Service.DYNAMODB_STREAMS)
                .httpClient(apache)
                .overrideConfiguration(ClientOverrideConfiguration.builder().retryStrategy(RetryMode.STANDARD).build())
                .build();
        closeables.add(streams);

        streamArn = settings.streamArn().orElseGet(() -> latestStreamArn(dynamo, settings.core().usersTable()));
        String kclArn = streamArn;
        AmazonDynamoDBStreamsAdapterClient adapter = new AmazonDynamoDBStreamsAdapterClient(streams, conn.region());

        UserStreamsCore core = givenProcessor.isPresent() ? null : buildCore(apache);
        BatchProcessor processor = decorator.apply(givenProcessor.orElseGet(core::processor));
        Supplier<ShardProcessor.Listener> listener = () -> console.isPresent()
                ? listeners(metrics, consoleReporterFor()) : metrics;

        ensureLeaseTable(dynamo, settings.applicationName());
        java.util.concurrent.ExecutorService lanePool = settings.parallelism() <= 1 ? null
                : java.util.concurrent.Executors.newFixedThreadPool(settings.parallelism() * 2, r -> {
                    Thread t = new Thread(r, "lane-" + LANE_THREADS.incrementAndGet());
                    t.setDaemon(true);
                    return t;
                });
        if (lanePool != null) {
            closeables.add(lanePool::shutdownNow);
        }
        UnconvertibleRecordQueue unconvertible = core != null ? core.unconvertibleRecords() : unconvertibleQueue(apache);
        // Systemic retries back off to 5 s at most: a sink that is back is noticed within 5 s (the
        // fault suite's OpenSearch outage recovered in 9-14 s with 20 s), and one retry per shard
        // every 5 s costs a down sink nothing.
        RetryPolicy backoff = new RetryPolicy(Integer.MAX_VALUE, Duration.ofMillis(200), Duration.ofSeconds(5));

        StreamTracker tracker = StreamsSchedulerFactory.createSingleStreamTracker(kclArn,
                InitialPositionInStreamExtended.newInitialPosition(InitialPositionInStream.TRIM_HORIZON));
        KclShardProcessor.Context context = new KclShardProcessor.Context() {
            @Override
            public ShardProcessor newShardProcessor(String shardId) {
                return ShardProcessor.create(shardId, processor, unconvertible,
                        () -> !stopping && holdsLease(shardId), listener.get(), backoff, settings.parallelism(), lanePool);
            }

            @Override
            public void released(String shardId) {
                metrics.shardReleased(shardId);
            }

            @Override
            public void abandon(String shardId) {
                abandonLease(shardId);
            }
        };
        ShardRecordProcessorFactory factory = new ShardRecordProcessorFactory() {
            @Override
            public ShardRecordProcessor shardRecordProcessor() {
                return new KclShardProcessor(context);
            }
        };

        ConfigsBuilder configs = new ConfigsBuilder(tracker, settings.applicationName(), adapter, dynamo, cloudWatch,
                settings.workerId(), factory);
        // Each ConfigsBuilder accessor returns a NEW object: capture each once, then tune it.
        LeaseManagementConfig leases = configs.leaseManagementConfig()
                .failoverTimeMillis(settings.failover().toMillis())
                // The leader assigns leases every interval and workers discover theirs every half
                // interval; KCL's default (2 × failover) adds seconds to start-up and failover.
                .leaseAssignmentIntervalMillis(Math.min(2 * settings.failover().toMillis(), 1000))
                .shardSyncIntervalMillis(0)
                .billingMode(BillingMode.PAY_PER_REQUEST);
        // The leader assigns leases only to workers with a WorkerMetricStats entry, written every 30 s
        // by default: a restarted consumer waited 10-56 s for its shard (fault suite, scenario 8).
        // Every 5 s it costs one small write per worker.
        leases.workerUtilizationAwareAssignmentConfig().workerMetricsReporterFreqInMillis(5000);
        CoordinatorConfig coordinator = configs.coordinatorConfig()
                // Depth 1: only shards whose parents are finished; a child waits for its parent.
                .shardPrioritization(new ParentsFirstShardPrioritization(1))
                .parentShardPollIntervalMillis(1000)
                .shardConsumerDispatchPollIntervalMillis(250)
                .skipShardSyncAtWorkerInitializationIfLeasesExist(true)
                .workerStateChangeListener(new WorkerStateChangeListener() {
                    @Override
                    public void onWorkerStateChange(WorkerState newState) {
                        state = newState;
                        log.atInfo().addKeyValue("state", newState.name()).log("scheduler state");
                        if (newState == WorkerState.STARTED) {
                            started.countDown();
                        }
                    }

                    @Override
                    public void onAllInitializationAttemptsFailed(Throwable e) {
                        log.atError().setCause(e).log("scheduler failed to initialize");
                    }
                });
        LifecycleConfig lifecycle = configs.lifecycleConfig();
        MetricsConfig kclMetrics = configs.metricsConfig();
        if (settings.isLocal()) {
            kclMetrics.metricsLevel(MetricsLevel.NONE).metricsFactory(new NullMetricsFactory());
        } else {
            kclMetrics.metricsLevel(MetricsLevel.SUMMARY);
        }
        ProcessorConfig processorConfig = configs.processorConfig()
                // Empty polls reach the processor too, so lag drops to 0 when a shard is caught up.
                .callProcessRecordsEvenForEmptyRecordList(true);
        DynamoDBStreamsPollingConfig polling = new DynamoDBStreamsPollingConfig(adapter);
        polling.idleTimeBetweenReadsInMillis(settings.pollInterval().toMillis());
        polling.maxRecords(settings.maxRecords());
        RetrievalConfig retrieval = configs.retrievalConfig().retrievalSpecificConfig(polling);

        scheduler = StreamsSchedulerFactory.createScheduler(configs.checkpointConfig(), coordinator, leases, lifecycle,
                kclMetrics, processorConfig, retrieval, adapter);
        // The adapter sets this too, but only after KCL has read it: set it before and after.
        leases.shardSyncIntervalMillis(0);
        tuneLeaderLock(scheduler, settings);
        initialShardSync(scheduler);

        metrics.bind(this::leasesHeld, this::isHealthy);
        if (settings.healthPort() >= 0) {
            try {
                ops = new OpsServer(settings.healthBind(), settings.healthPort(), this::isHealthy,
                        metrics::prometheusText);
                closeables.add(0, ops);
            } catch (java.io.IOException e) {
                throw new IllegalStateException("cannot open /health on " + settings.healthBind() + ":"
                        + settings.healthPort() + " (set HEALTH_PORT to a free port, 0 for any, -1 to disable)", e);
            }
        }
        schedulerThread = new Thread(() -> {
            try {
                scheduler.run();
            } finally {
                finished.countDown();
            }
        }, "kcl-scheduler");
        schedulerThread.start();
        log.atInfo().addKeyValue("applicationName", settings.applicationName())
                .addKeyValue("workerId", settings.workerId()).addKeyValue("streamArn", streamArn)
                .addKeyValue("local", settings.isLocal()).addKeyValue("opsPort", opsPort())
                .log("consumer started");
        return this;
    }

    private UserStreamsCore buildCore(SdkHttpClient apache) {
        ProcessingMetrics processingMetrics = console.isPresent() ? tee(metrics, consoleReporterFor()) : metrics;
        UserStreamsCore core = UserStreamsCore.builder().settings(settings.core()).connection(settings.connection())
                .httpClient(apache).metrics(processingMetrics).build();
        closeables.add(0, core);
        return core;
    }

    /** With a given processor there is no core: unconvertible records go to the configured queue. */
    private UnconvertibleRecordQueue unconvertibleQueue(SdkHttpClient apache) {
        SqsClient sqs = settings.connection().configure(SqsClient.builder(), Service.SQS).httpClient(apache).build();
        closeables.add(sqs);
        return new SqsUnconvertibleRecords(sqs, () -> settings.core().deadLetterQueueUrl(), Clock.systemUTC());
    }

    private ConsoleReporter reporter;

    private ConsoleReporter consoleReporterFor() {
        if (reporter == null) {
            reporter = new ConsoleReporter(console.orElseThrow());
        }
        return reporter;
    }

    private static ProcessingMetrics tee(ProcessingMetrics a, ProcessingMetrics b) {
        return new ProcessingMetrics() {
            @Override
            public void recordProcessed(io.userstreams.core.config.ReactionId r, ChangeRecord c) {
                a.recordProcessed(r, c);
                b.recordProcessed(r, c);
            }

            @Override
            public void recordFailed(io.userstreams.core.config.ReactionId r, ChangeRecord c, Throwable e) {
                a.recordFailed(r, c, e);
                b.recordFailed(r, c, e);
            }

            @Override
            public void recordDeadLettered(io.userstreams.core.config.ReactionId r, ChangeRecord c, Throwable e) {
                a.recordDeadLettered(r, c, e);
                b.recordDeadLettered(r, c, e);
            }

            @Override
            public void batchFinished(BatchOutcome o, Duration took) {
                a.batchFinished(o, took);
                b.batchFinished(o, took);
            }
        };
    }

    private static ShardProcessor.Listener listeners(ShardProcessor.Listener a, ShardProcessor.Listener b) {
        return new ShardProcessor.Listener() {
            @Override
            public void delivered(String shardId, List<Record> records) {
                a.delivered(shardId, records);
                b.delivered(shardId, records);
            }

            @Override
            public void completed(String shardId, List<ChangeRecord> done) {
                a.completed(shardId, done);
                b.completed(shardId, done);
            }

            @Override
            public void checkpointed(String shardId, String sequenceNumber) {
                a.checkpointed(shardId, sequenceNumber);
                b.checkpointed(shardId, sequenceNumber);
            }
        };
    }

    /** True while the scheduler runs: initialized, not shutting down, thread alive. */
    public boolean isHealthy() {
        return state == WorkerStateChangeListener.WorkerState.STARTED && !stopping
                && schedulerThread != null && schedulerThread.isAlive();
    }

    public boolean awaitStarted(Duration timeout) throws InterruptedException {
        return started.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** Blocks until the scheduler has stopped (after {@link #shutdown}, or a fatal error). */
    public void awaitTermination() throws InterruptedException {
        finished.await();
    }

    public int leasesHeld() {
        Scheduler s = scheduler;
        if (s == null || s.leaseCoordinator() == null) {
            return 0;
        }
        try {
            return s.leaseCoordinator().getAssignments().size();
        } catch (RuntimeException e) {
            return 0;
        }
    }

    private boolean holdsLease(String shardId) {
        try {
            return scheduler.leaseCoordinator().getCurrentlyHeldLease(shardId) != null;
        } catch (RuntimeException e) {
            return true;    // unknown: keep trying; a checkpoint will fail if the lease is really gone
        }
    }

    /**
     * Gives up a shard whose consumer dropped records: evicts the lease in the table (conditional on
     * this worker still owning it, so the leader can reassign it at once) and stops renewing it here,
     * so KCL ends this shard consumer as a lease loss and a new one restarts from the checkpoint.
     */
    private void abandonLease(String shardId) {
        try {
            var lease = scheduler.leaseRefresher().getLease(shardId);
            if (lease != null && settings.workerId().equals(lease.leaseOwner())) {
                scheduler.leaseRefresher().evictLease(lease);
            }
            var held = scheduler.leaseCoordinator().getCurrentlyHeldLease(shardId);
            if (held != null) {
                scheduler.leaseCoordinator().dropLease(held);
            }
            log.atInfo().addKeyValue("shardId", shardId).log("lease given up: the shard restarts from its checkpoint");
        } catch (Exception e) {
            log.atWarn().addKeyValue("shardId", shardId).addKeyValue("error", e.toString())
                    .log("could not give the lease up; it moves when it expires");
        }
    }

    /**
     * Graceful shutdown: stop taking leases, let each shard finish or abandon its batch in flight,
     * checkpoint what is done, release leases; then close the clients.
     *
     * @return true if the scheduler stopped within the timeout
     */
    public boolean shutdown(Duration timeout) {
        boolean clean = true;
        synchronized (this) {
            if (stopping) {
                return awaitQuietly(timeout);
            }
            stopping = true;
        }
        log.atInfo().addKeyValue("workerId", settings.workerId()).log("graceful shutdown started");
        if (scheduler != null) {
            try {
                clean = scheduler.startGracefulShutdown().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            } catch (Exception e) {
                clean = false;
                log.atWarn().addKeyValue("error", e.toString()).log("graceful shutdown incomplete; forcing");
            }
            if (!clean) {
                scheduler.shutdown();
            }
            clean &= awaitQuietly(Duration.ofSeconds(10));
            releaseLeases();
        }
        for (AutoCloseable c : closeables) {
            try {
                c.close();
            } catch (Exception e) {
                log.atDebug().addKeyValue("error", e.toString()).log("close failed");
            }
        }
        closeables.clear();
        log.atInfo().addKeyValue("workerId", settings.workerId()).addKeyValue("clean", clean)
                .log("consumer stopped");
        return clean;
    }

    /**
     * KCL's graceful shutdown stops renewing but leaves this worker as the owner in the lease table,
     * so another worker waits a failover period. Evicting (conditional on still being the owner)
     * hands the shards over at once; a restart with the same worker id takes them right back.
     */
    private void releaseLeases() {
        try {
            for (var lease : scheduler.leaseRefresher().listLeases()) {
                if (settings.workerId().equals(lease.leaseOwner())) {
                    scheduler.leaseRefresher().evictLease(lease);
                    log.atInfo().addKeyValue("leaseKey", lease.leaseKey()).log("lease released");
                }
            }
        } catch (Exception e) {
            log.atInfo().addKeyValue("error", e.toString()).log("leases not released; they expire after the failover time");
        }
    }

    private boolean awaitQuietly(Duration timeout) {
        try {
            return finished.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    @Override
    public void close() {
        shutdown(Duration.ofSeconds(30));
    }

    // ---------------------------------------------------------------- wiring details

    private static String latestStreamArn(DynamoDbAsyncClient dynamo, String table) {
        try {
            String arn = dynamo.describeTable(b -> b.tableName(table)).join().table().latestStreamArn();
            if (arn == null) {
                throw new IllegalStateException("table '" + table + "' has no stream: enable NEW_AND_OLD_IMAGES"
                        + " streams on it, or set STREAM_ARN");
            }
            return arn;
        } catch (java.util.concurrent.CompletionException e) {
            if (e.getCause() instanceof ResourceNotFoundException) {
                throw new IllegalStateException("table '" + table + "' not found: set USERS_TABLE or STREAM_ARN", e);
            }
            throw e;
        }
    }

    /** Creates the lease table exactly as KCL would (leaseKey HASH S + the lease-owner GSI), if missing. */
    static void ensureLeaseTable(DynamoDbAsyncClient dynamo, String table) {
        try {
            dynamo.createTable(b -> b.tableName(table)
                    .billingMode(BillingMode.PAY_PER_REQUEST)
                    .keySchema(KeySchemaElement.builder().attributeName("leaseKey").keyType(KeyType.HASH).build())
                    .attributeDefinitions(
                            AttributeDefinition.builder().attributeName("leaseKey")
                                    .attributeType(ScalarAttributeType.S).build(),
                            AttributeDefinition.builder().attributeName("leaseOwner")
                                    .attributeType(ScalarAttributeType.S).build())
                    .globalSecondaryIndexes(GlobalSecondaryIndex.builder()
                            .indexName(LEASE_OWNER_INDEX)
                            .keySchema(
                                    KeySchemaElement.builder().attributeName("leaseOwner").keyType(KeyType.HASH).build(),
                                    KeySchemaElement.builder().attributeName("leaseKey").keyType(KeyType.RANGE).build())
                            .projection(Projection.builder().projectionType(ProjectionType.KEYS_ONLY).build())
                            .build())).join();
            log.atInfo().addKeyValue("table", table).log("lease table created with " + LEASE_OWNER_INDEX);
        } catch (java.util.concurrent.CompletionException e) {
            if (!(e.getCause() instanceof ResourceInUseException)) {
                throw e;
            }
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        while (System.nanoTime() < deadline) {
            var t = dynamo.describeTable(b -> b.tableName(table)).join().table();
            boolean indexActive = t.globalSecondaryIndexes().stream()
                    .anyMatch(i -> i.indexName().equals(LEASE_OWNER_INDEX)
                            && "ACTIVE".equals(i.indexStatusAsString()));
            if (t.tableStatus() == TableStatus.ACTIVE && (indexActive || t.globalSecondaryIndexes().isEmpty())) {
                return;
            }
            try {
                Thread.sleep(500);
            } catch (InterruptedException ie) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    /**
     * KCL 3.1.1 hard-codes the leader lock at 2 min lease / 30 s heartbeat: a killed leader blocks
     * lease assignment for ~2.5 min. Its own package-private factory takes both values; we swap the
     * creator KCL uses before the scheduler starts. If KCL's internals differ, log and keep defaults.
     */
    private static void tuneLeaderLock(Scheduler scheduler, ConsumerSettings settings) {
        try {
            Field initField = Scheduler.class.getDeclaredField("migrationComponentsInitializer");
            initField.setAccessible(true);
            Object initializer = initField.get(scheduler);
            Field daoField = initializer.getClass().getDeclaredField("coordinatorStateDAO");
            daoField.setAccessible(true);
            CoordinatorStateDAO dao = (CoordinatorStateDAO) daoField.get(initializer);
            Field metricsField = initializer.getClass().getDeclaredField("metricsFactory");
            metricsField.setAccessible(true);
            MetricsFactory metricsFactory = (MetricsFactory) metricsField.get(initializer);
            Method create = DynamoDBLockBasedLeaderDecider.class.getDeclaredMethod("create",
                    CoordinatorStateDAO.class, String.class, Long.class, Long.class, MetricsFactory.class);
            create.setAccessible(true);
            Supplier<DynamoDBLockBasedLeaderDecider> creator = () -> {
                try {
                    return (DynamoDBLockBasedLeaderDecider) create.invoke(null, dao, settings.workerId(),
                            settings.leaderLease().toMillis(), settings.leaderHeartbeat().toMillis(), metricsFactory);
                } catch (ReflectiveOperationException e) {
                    throw new IllegalStateException(e);
                }
            };
            Field creatorField = initializer.getClass().getDeclaredField("ddbLockBasedLeaderDeciderCreator");
            creatorField.setAccessible(true);
            creatorField.set(initializer, creator);
        } catch (ReflectiveOperationException | RuntimeException e) {
            log.atWarn().addKeyValue("error", e.toString())
                    .log("could not tune the leader lock; failover after a leader crash takes ~2.5 min");
        }
    }

    /**
     * On an empty lease table KCL waits a random 1–30 s before its first shard sync (so a fleet
     * starting together does not stampede). One consumer starting alone pays that wait for nothing:
     * run the same shard sync now. Leases are created conditionally, so racing workers are safe.
     */
    private static void initialShardSync(Scheduler scheduler) {
        try {
            if (scheduler.leaseRefresher().isLeaseTableEmpty()) {
                // PeriodicShardSyncManager is package-private in KCL: reach its public method reflectively.
                Field f = Scheduler.class.getDeclaredField("leaderElectedPeriodicShardSyncManager");
                f.setAccessible(true);
                Object manager = f.get(scheduler);
                Method sync = manager.getClass().getDeclaredMethod("syncShardsOnce");
                sync.setAccessible(true);
                sync.invoke(manager);
            }
        } catch (java.lang.reflect.InvocationTargetException e) {
            log.atInfo().addKeyValue("error", String.valueOf(e.getCause())).log("initial shard sync failed; KCL will sync itself");
        } catch (Exception e) {
            log.atInfo().addKeyValue("error", e.toString()).log("initial shard sync skipped; KCL will sync itself");
        }
    }
}
