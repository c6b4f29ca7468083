package io.userstreams.kcl;

import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.CounterWithCallback;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.instrumentation.jvm.JvmMetrics;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.userstreams.core.change.ChangeRecord;
import io.userstreams.core.config.ReactionId;
import io.userstreams.core.processing.BatchOutcome;
import io.userstreams.core.processing.ProcessingMetrics;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BooleanSupplier;
import java.util.function.IntSupplier;
import java.util.function.LongSupplier;
import software.amazon.awssdk.services.dynamodb.model.Record;

/**
 * The consumer's metrics, exported on /metrics through the Prometheus Java client. Fed by the core
 * processor (per reaction, per batch) and by the shard workers (delivery, checkpoints, lag). Each
 * instance has its own registry, so several consumers in one JVM (tests) do not share counters.
 * Cheap to update; gauges are computed when scraped.
 */
public final class ConsumerMetrics implements ProcessingMetrics, ShardProcessor.Listener {

    /** Seconds per core call: from a few ms (no-op) to minutes (retries with backoff). */
    private static final double[] DURATION_BOUNDS = {
        0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120};
    /** Records per delivered batch: DynamoDB Streams returns at most 1000 per GetRecords. */
    private static final double[] BATCH_SIZE_BOUNDS = {1, 2, 5, 10, 25, 50, 100, 250, 500, 1000};

    private static final PrometheusTextFormatWriter TEXT = PrometheusTextFormatWriter.create();

    private final Clock clock;
    private final PrometheusRegistry registry = new PrometheusRegistry();
    private final Counter processed;
    private final Counter failed;
    private final Counter deadLettered;
    private final Counter delivered;
    private final Counter completed;
    private final Counter checkpoints;
    private final Counter batchesIncomplete;
    private final Histogram batchDuration;
    private final Histogram batchRecords;
    private final Histogram reactionDuration;
    private final Map<String, ShardPosition> shards = new ConcurrentHashMap<>();
    private final AtomicReference<Instant> firstDelivery = new AtomicReference<>();
    private volatile IntSupplier leasesHeld = () -> 0;
    private volatile BooleanSupplier up = () -> false;
    private volatile LongSupplier versionRegressions = () -> 0;

    private record ShardPosition(Instant lastCreated, boolean caughtUp) { }

    public ConsumerMetrics() {
        this(Clock.systemUTC());
    }

    ConsumerMetrics(Clock clock) {
        this.clock = clock;
        processed = perReaction("user_streams_records_processed_total",
                "Records applied by a reaction, including redeliveries skipped as already applied.");
        failed = perReaction("user_streams_records_failed_total",
                "Failed attempts of a reaction on a record (retried or dead-lettered).");
        deadLettered = perReaction("user_streams_records_dead_lettered_total",
                "Records given up on and sent to the dead-letter queue.");
        delivered = counter("user_streams_records_delivered_total", "Records delivered by the stream.");
        completed = counter("user_streams_records_completed_total", "Records fully processed.");
        checkpoints = counter("user_streams_checkpoints_total", "Checkpoints written.");
        batchesIncomplete = counter("user_streams_batches_incomplete_total",
                "Core calls stopped by a systemic failure (retried, not checkpointed).");
        batchDuration = Histogram.builder().name("user_streams_batch_duration_seconds")
                .help("Duration of a call of the core processor (all reactions on one lane's records of a pass).")
                .classicOnly().classicUpperBounds(DURATION_BOUNDS).register(registry);
        batchRecords = Histogram.builder().name("user_streams_batch_records")
                .help("Records per non-empty batch delivered by the stream.")
                .classicOnly().classicUpperBounds(BATCH_SIZE_BOUNDS).register(registry);
        reactionDuration = Histogram.builder().name("user_streams_reaction_duration_seconds")
                .help("Duration of one call of a reaction on a slice of a batch (its sink I/O; retries are calls of their own).")
                .labelNames("reaction").classicOnly().classicUpperBounds(DURATION_BOUNDS).register(registry);
        for (ReactionId r : ReactionId.values()) {
            reactionDuration.labelValues(r.id());
        }
        CounterWithCallback.builder().name("user_streams_version_regressions_total")
                .help("Writes whose version went down (dead-lettered as version-regression) and deletes forced past such a write.")
                .callback(c -> c.call(versionRegressions.getAsLong())).register(registry);
        GaugeWithCallback.builder().name("user_streams_leases_held").help("Shard leases this worker holds.")
                .callback(g -> g.call(leasesHeld.getAsInt())).register(registry);
        GaugeWithCallback.builder().name("user_streams_up").help("1 when the KCL scheduler is running.")
                .callback(g -> g.call(up.getAsBoolean() ? 1 : 0)).register(registry);
        GaugeWithCallback.builder().name("user_streams_shard_lag_seconds")
                .help("Now minus the approximate creation time of the last record read (0 when caught up).")
                .labelNames("shard")
                .callback(g -> lagSeconds().forEach((shard, lag) -> g.call(lag, shard))).register(registry);
        JvmMetrics.builder().register(registry);
    }

    private Counter perReaction(String name, String help) {
        Counter counter = Counter.builder().name(name).help(help).labelNames("reaction").register(registry);
        for (ReactionId r : ReactionId.values()) {
            counter.labelValues(r.id()); // every reaction shows, at 0, before its first event
        }
        return counter;
    }

    private Counter counter(String name, String help) {
        return Counter.builder().name(name).help(help).register(registry);
    }

    void bind(IntSupplier leasesHeld, BooleanSupplier up) {
        this.leasesHeld = leasesHeld;
        this.up = up;
    }

    /** Where the version regression count comes from (the core's search reaction); 0 without one. */
    void bindVersionRegressions(LongSupplier versionRegressions) {
        this.versionRegressions = versionRegressions;
    }

    // --- ProcessingMetrics (from the core) ---

    @Override
    public void recordProcessed(ReactionId reaction, ChangeRecord record) {
        processed.labelValues(reaction.id()).inc();
    }

    @Override
    public void recordFailed(ReactionId reaction, ChangeRecord record, Throwable error) {
        failed.labelValues(reaction.id()).inc();
    }

    @Override
    public void recordDeadLettered(ReactionId reaction, ChangeRecord record, Throwable error) {
        deadLettered.labelValues(reaction.id()).inc();
    }

    @Override
    public void reactionCalled(ReactionId reaction, int records, Duration took) {
        reactionDuration.labelValues(reaction.id()).observe(took.toNanos() / 1e9);
    }

    @Override
    public void batchFinished(BatchOutcome outcome, Duration took) {
        batchDuration.observe(took.toNanos() / 1e9);
        if (!outcome.isComplete()) {
            batchesIncomplete.inc();
        }
    }

    // --- ShardProcessor.Listener (from the runtime) ---

    @Override
    public void delivered(String shardId, List<Record> records) {
        if (records.isEmpty()) {
            shards.compute(shardId, (k, v) -> new ShardPosition(v == null ? null : v.lastCreated(), true));
            return;
        }
        firstDelivery.compareAndSet(null, clock.instant());
        delivered.inc(records.size());
        batchRecords.observe(records.size());
        Instant created = records.get(records.size() - 1).dynamodb().approximateCreationDateTime();
        shards.put(shardId, new ShardPosition(created, false));
    }

    @Override
    public void completed(String shardId, List<ChangeRecord> done) {
        completed.inc(done.size());
    }

    @Override
    public void checkpointed(String shardId, String sequenceNumber) {
        checkpoints.inc();
    }

    /** The shard's consumer is gone from this worker (lease lost, shard ended, shutdown). */
    void shardReleased(String shardId) {
        shards.remove(shardId);
    }

    // --- reading ---

    public long processed(ReactionId reaction) {
        return processed.labelValues(reaction.id()).getLongValue();
    }

    public long deadLettered(ReactionId reaction) {
        return deadLettered.labelValues(reaction.id()).getLongValue();
    }

    public long delivered() {
        return delivered.getLongValue();
    }

    public long completed() {
        return completed.getLongValue();
    }

    public Optional<Instant> firstDelivery() {
        return Optional.ofNullable(firstDelivery.get());
    }

    /** Seconds behind per shard: 0 when the last read found nothing new. */
    public Map<String, Double> lagSeconds() {
        Map<String, Double> lag = new TreeMap<>();
        Instant now = clock.instant();
        shards.forEach((shard, p) -> lag.put(shard, p.caughtUp() || p.lastCreated() == null ? 0.0
                : Math.max(0, Duration.between(p.lastCreated(), now).toMillis() / 1000.0)));
        return lag;
    }

    /** The registry behind /metrics (this instance's own, not the library's default one). */
    public PrometheusRegistry registry() {
        return registry;
    }

    /** The Prometheus text format, as served on /metrics. */
    public String prometheusText() {
        ByteArrayOutputStream out = new ByteArrayOutputStream(16_384);
        try {
            TEXT.write(out, registry.scrape());
        } catch (IOException e) {
            throw new UncheckedIOException(e); // not thrown by an in-memory stream
        }
        return out.toString(StandardCharsets.UTF_8);
    }
}
