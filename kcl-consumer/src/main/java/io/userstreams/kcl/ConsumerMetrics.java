package io.userstreams.kcl;

import io.userstreams.core.change.ChangeRecord;
import io.userstreams.core.config.ReactionId;
import io.userstreams.core.processing.BatchOutcome;
import io.userstreams.core.processing.ProcessingMetrics;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.BooleanSupplier;
import java.util.function.IntSupplier;
import software.amazon.awssdk.services.dynamodb.model.Record;

/**
 * The consumer's counters, exported as Prometheus text on /metrics. Fed by the core processor
 * (per reaction) and by the shard workers (delivery, checkpoints, lag). Cheap to update.
 */
public final class ConsumerMetrics implements ProcessingMetrics, ShardProcessor.Listener {

    private final Clock clock;
    private final Map<ReactionId, LongAdder> processed = counters();
    private final Map<ReactionId, LongAdder> failed = counters();
    private final Map<ReactionId, LongAdder> deadLettered = counters();
    private final LongAdder delivered = new LongAdder();
    private final LongAdder completed = new LongAdder();
    private final LongAdder checkpoints = new LongAdder();
    private final LongAdder batchesIncomplete = new LongAdder();
    private final Map<String, ShardPosition> shards = new ConcurrentHashMap<>();
    private final AtomicReference<Instant> firstDelivery = new AtomicReference<>();
    private volatile IntSupplier leasesHeld = () -> 0;
    private volatile BooleanSupplier up = () -> false;

    private record ShardPosition(Instant lastCreated, boolean caughtUp) { }

    public ConsumerMetrics() {
        this(Clock.systemUTC());
    }

    ConsumerMetrics(Clock clock) {
        this.clock = clock;
    }

    private static Map<ReactionId, LongAdder> counters() {
        Map<ReactionId, LongAdder> map = new EnumMap<>(ReactionId.class);
        for (ReactionId r : ReactionId.values()) {
            map.put(r, new LongAdder());
        }
        return map;
    }

    void bind(IntSupplier leasesHeld, BooleanSupplier up) {
        this.leasesHeld = leasesHeld;
        this.up = up;
    }

    // --- ProcessingMetrics (from the core) ---

    @Override
    public void recordProcessed(ReactionId reaction, ChangeRecord record) {
        processed.get(reaction).increment();
    }

    @Override
    public void recordFailed(ReactionId reaction, ChangeRecord record, Throwable error) {
        failed.get(reaction).increment();
    }

    @Override
    public void recordDeadLettered(ReactionId reaction, ChangeRecord record, Throwable error) {
        deadLettered.get(reaction).increment();
    }

    @Override
    public void batchFinished(BatchOutcome outcome, Duration took) {
        if (!outcome.isComplete()) {
            batchesIncomplete.increment();
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
        delivered.add(records.size());
        Instant created = records.get(records.size() - 1).dynamodb().approximateCreationDateTime();
        shards.put(shardId, new ShardPosition(created, false));
    }

    @Override
    public void completed(String shardId, List<ChangeRecord> done) {
        completed.add(done.size());
    }

    @Override
    public void checkpointed(String shardId, String sequenceNumber) {
        checkpoints.increment();
    }

    /** The shard's consumer is gone from this worker (lease lost, shard ended, shutdown). */
    void shardReleased(String shardId) {
        shards.remove(shardId);
    }

    // --- reading ---

    public long processed(ReactionId reaction) {
        return processed.get(reaction).sum();
    }

    public long deadLettered(ReactionId reaction) {
        return deadLettered.get(reaction).sum();
    }

    public long delivered() {
        return delivered.sum();
    }

    public long completed() {
        return completed.sum();
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

    /** Prometheus text exposition format 0.0.4. */
    public String prometheusText() {
        StringBuilder out = new StringBuilder(2048);
        perReaction(out, "user_streams_records_processed_total",
                "Records applied by a reaction, including redeliveries skipped as already applied.", processed);
        perReaction(out, "user_streams_records_failed_total",
                "Failed attempts of a reaction on a record (retried or dead-lettered).", failed);
        perReaction(out, "user_streams_records_dead_lettered_total",
                "Records given up on and sent to the dead-letter queue.", deadLettered);
        single(out, "user_streams_records_delivered_total", "counter", "Records delivered by the stream.", delivered.sum());
        single(out, "user_streams_records_completed_total", "counter", "Records fully processed.", completed.sum());
        single(out, "user_streams_checkpoints_total", "counter", "Checkpoints written.", checkpoints.sum());
        single(out, "user_streams_batches_incomplete_total", "counter",
                "Core calls stopped by a systemic failure (retried, not checkpointed).", batchesIncomplete.sum());
        single(out, "user_streams_leases_held", "gauge", "Shard leases this worker holds.", leasesHeld.getAsInt());
        single(out, "user_streams_up", "gauge", "1 when the KCL scheduler is running.", up.getAsBoolean() ? 1 : 0);
        out.append("# HELP user_streams_shard_lag_seconds Now minus the approximate creation time of the last record"
                + " read (0 when caught up).\n# TYPE user_streams_shard_lag_seconds gauge\n");
        lagSeconds().forEach((shard, lag) -> out.append("user_streams_shard_lag_seconds{shard=\"")
                .append(escape(shard)).append("\"} ").append(lag).append('\n'));
        return out.toString();
    }

    private static void perReaction(StringBuilder out, String name, String help, Map<ReactionId, LongAdder> values) {
        out.append("# HELP ").append(name).append(' ').append(help).append('\n');
        out.append("# TYPE ").append(name).append(" counter\n");
        values.forEach((r, v) -> out.append(name).append("{reaction=\"").append(r.id()).append("\"} ")
                .append(v.sum()).append('\n'));
    }

    private static void single(StringBuilder out, String name, String type, String help, long value) {
        out.append("# HELP ").append(name).append(' ').append(help).append('\n');
        out.append("# TYPE ").append(name).append(' ').append(type).append('\n');
        out.append(name).append(' ').append(value).append('\n');
    }

    private static String escape(String label) {
        return label.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n");
    }
}
