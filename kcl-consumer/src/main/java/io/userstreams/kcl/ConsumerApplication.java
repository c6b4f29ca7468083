package io.userstreams.kcl;

import io.userstreams.core.UserStreamsCore;
import io.userstreams.core.processing.BatchProcessor;
import io.userstreams.core.processing.ProcessingMetrics;
import io.userstreams.core.processing.UnconvertibleRecordQueue;
import java.io.PrintStream;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.http.SdkHttpClient;
import software.amazon.kinesis.coordinator.Scheduler;

/**
 * The consumer's lifecycle: builds its clients ({@link KclClients}), the core, the lease table ({@link LeaseTables}),
 * KCL 3.1.1's configs ({@link KclConfigs}) with the DynamoDB Streams Kinesis Adapter 2.0.1 and the internal
 * tuning ({@link KclInternals}); runs the scheduler, /health, /metrics, the daily tombstone purge; shuts down.
 */
public final class ConsumerApplication implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(ConsumerApplication.class);

    private final ConsumerSettings settings;
    private final ConsumerMetrics metrics;
    private final Optional<BatchProcessor> givenProcessor;
    private final Optional<ConsoleReporter> console;
    private final UnaryOperator<BatchProcessor> decorator;
    private final List<AutoCloseable> closeables = new ArrayList<>();
    private final WorkerLeases leases;
    private final SchedulerState state = new SchedulerState();
    private volatile boolean stopping;
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
        this.console = Optional.ofNullable(b.console).map(ConsoleReporter::new);
        this.decorator = b.decorator;
        this.leases = new WorkerLeases(settings.workerId());
    }

    /** Leases this worker holds now. */
    public int leasesHeld() {
        return leases.held();
    }

    public static Builder builder(ConsumerSettings settings) {
        return new Builder(settings);
    }

    public static final class Builder {
        private final ConsumerSettings settings;
        private ConsumerMetrics metrics;
        private BatchProcessor processor;
        private PrintStream console;
        private UnaryOperator<BatchProcessor> decorator = p -> p;

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
        public Builder processorDecorator(UnaryOperator<BatchProcessor> decorator) {
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
        KclClients clients = new KclClients(settings.connection());
        closeables.add(clients);
        streamArn = settings.streamArn()
                .orElseGet(() -> LeaseTables.latestStreamArn(clients.dynamo(), settings.core().usersTable()));
        UserStreamsCore core = givenProcessor.isPresent() ? null : buildCore(clients.http());
        BatchProcessor processor = decorator.apply(givenProcessor.orElseGet(() -> core.processor())); // lazy: no core with a given processor
        // With a given processor there is no core: unconvertible records go to the configured queue.
        UnconvertibleRecordQueue unconvertible = core != null ? core.unconvertibleRecords()
                : clients.unconvertibleRecords(() -> settings.core().deadLetterQueueUrl());
        LeaseTables.ensure(clients.dynamo(), settings.applicationName());
        ConsumerShardProcessors shardProcessors = new ConsumerShardProcessors(settings.parallelism(), processor,
                unconvertible, console.map(c -> Observers.listeners(metrics, c)).orElse(metrics),
                metrics, leases, () -> stopping);
        closeables.add(shardProcessors);
        KclConfigs configs = KclConfigs.from(settings, clients.stream(streamArn), clients.dynamo(),
                clients.cloudWatch(), shardProcessors, state);
        scheduler = configs.newScheduler();
        leases.bind(scheduler);
        KclInternals.tuneLeaderLock(scheduler, settings.workerId(), settings.leaderLease(), settings.leaderHeartbeat());
        KclInternals.initialShardSync(scheduler);
        metrics.bind(leases::held, this::isHealthy);
        ops = OpsServer.open(settings, this::isHealthy, metrics.registry());
        if (ops != null) {
            closeables.add(0, ops);
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

    private UserStreamsCore buildCore(SdkHttpClient http) {
        ProcessingMetrics processingMetrics = console.map(c -> Observers.metrics(metrics, c)).orElse(metrics);
        UserStreamsCore core = UserStreamsCore.builder().settings(settings.core()).connection(settings.connection())
                .httpClient(http).metrics(processingMetrics).build();
        closeables.add(0, core);
        metrics.bindVersionRegressions(core::versionRegressions);
        closeables.add(0, TombstonePurgeSchedule.daily(core::purgeExpiredTombstones));
        return core;
    }

    /** True while the scheduler runs: initialized, not shutting down, thread alive. */
    public boolean isHealthy() {
        return state.isStarted() && !stopping && schedulerThread != null && schedulerThread.isAlive();
    }

    public boolean awaitStarted(Duration timeout) throws InterruptedException {
        return state.awaitStarted(timeout);
    }

    /** Blocks until the scheduler has stopped (after {@link #shutdown}, or a fatal error). */
    public void awaitTermination() throws InterruptedException {
        finished.await();
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
            leases.releaseAll();
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
}
