package io.userstreams.lambda;

import io.userstreams.core.change.ChangeRecord;
import io.userstreams.core.config.ReactionId;
import io.userstreams.core.processing.ProcessingMetrics;
import java.io.PrintStream;
import java.time.Clock;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * Collects the processor's counts during one invocation and writes them as CloudWatch embedded
 * metric format (EMF) lines on stdout when the batch ends: CloudWatch Logs turns each line into
 * metrics without a PutMetricData call (no extra latency, no extra IAM permission).
 *
 * <p>Namespace {@value #NAMESPACE}; one dimension set {@code [FunctionName, Reaction]}. One line per
 * reaction that saw records (Records, Failures, DeadLettered), one with {@code Reaction=validation}
 * when records were rejected before any reaction (invalid or unconvertible), and one line with
 * {@code Reaction=all} for the batch (Records, Failures = batch item failures, DeadLettered,
 * IteratorAgeMs). Lambda runs one invocation at a time per container; the atomic counters only
 * keep a stray concurrent caller (a benchmark) from corrupting them.
 */
public final class EmbeddedMetrics implements ProcessingMetrics {

    public static final String NAMESPACE = "UserStreams";
    public static final String ALL_REACTIONS = "all";

    private static final ReactionId[] REACTIONS = ReactionId.values();
    private static final int PROCESSED = 0;
    private static final int FAILED = 1;
    private static final int DEAD_LETTERED = 2;

    private final String functionName;
    private final PrintStream out;
    private final Clock clock;
    /** Slot after the reactions: records that failed validation (dead-lettered before any reaction). */
    private static final int VALIDATION = REACTIONS.length;
    public static final String VALIDATION_DIMENSION = "validation";

    private final AtomicLongArray counts = new AtomicLongArray((REACTIONS.length + 1) * 3);

    public EmbeddedMetrics(String functionName, PrintStream out, Clock clock) {
        this.functionName = functionName;
        this.out = out;
        this.clock = clock;
    }

    @Override
    public void recordProcessed(ReactionId reaction, ChangeRecord record) {
        counts.incrementAndGet(reaction.ordinal() * 3 + PROCESSED);
    }

    @Override
    public void recordFailed(ReactionId reaction, ChangeRecord record, Throwable error) {
        counts.incrementAndGet(reaction.ordinal() * 3 + FAILED);
    }

    @Override
    public void recordInvalid(ChangeRecord record, Throwable error) {
        counts.incrementAndGet(VALIDATION * 3 + FAILED);
        counts.incrementAndGet(VALIDATION * 3 + DEAD_LETTERED);
    }

    /** A record the runtime could not even convert, dead-lettered by the handler: counted with validation. */
    public void recordUnconvertible() {
        recordInvalid(null, null);
    }

    @Override
    public void recordDeadLettered(ReactionId reaction, ChangeRecord record, Throwable error) {
        counts.incrementAndGet(reaction.ordinal() * 3 + DEAD_LETTERED);
    }

    /**
     * Writes this batch's lines and resets the per-reaction counters.
     *
     * @param records        records in the batch
     * @param failures       batch item failures returned to Lambda (0 or 1: we fail fast)
     * @param deadLettered   records of the batch dead-lettered
     * @param iteratorAgeMs  now minus the approximate creation time of the batch's last record, or -1 if unknown
     */
    public void flushBatch(int records, int failures, int deadLettered, long iteratorAgeMs) {
        long timestamp = clock.millis();
        for (int slot = 0; slot <= VALIDATION; slot++) {
            int base = slot * 3;
            long processed = counts.getAndSet(base + PROCESSED, 0);
            long failed = counts.getAndSet(base + FAILED, 0);
            long dead = counts.getAndSet(base + DEAD_LETTERED, 0);
            if (processed + failed + dead > 0) {
                String name = slot == VALIDATION ? VALIDATION_DIMENSION : REACTIONS[slot].id();
                out.println(line(timestamp, name, processed, failed, dead, -1));
            }
        }
        out.println(line(timestamp, ALL_REACTIONS, records, failures, deadLettered, iteratorAgeMs));
    }

    /** One EMF document; hand-written JSON because this runs on every invocation and must stay cheap. */
    String line(long timestamp, String reaction, long records, long failures, long deadLettered, long iteratorAgeMs) {
        StringBuilder b = new StringBuilder(420);
        b.append("{\"_aws\":{\"Timestamp\":").append(timestamp)
                .append(",\"CloudWatchMetrics\":[{\"Namespace\":\"").append(NAMESPACE)
                .append("\",\"Dimensions\":[[\"FunctionName\",\"Reaction\"]],\"Metrics\":[")
                .append("{\"Name\":\"Records\",\"Unit\":\"Count\"},")
                .append("{\"Name\":\"Failures\",\"Unit\":\"Count\"},")
                .append("{\"Name\":\"DeadLettered\",\"Unit\":\"Count\"}");
        if (iteratorAgeMs >= 0) {
            b.append(",{\"Name\":\"IteratorAgeMs\",\"Unit\":\"Milliseconds\"}");
        }
        b.append("]}]},\"FunctionName\":");
        appendString(b, functionName);
        b.append(",\"Reaction\":");
        appendString(b, reaction);
        b.append(",\"Records\":").append(records)
                .append(",\"Failures\":").append(failures)
                .append(",\"DeadLettered\":").append(deadLettered);
        if (iteratorAgeMs >= 0) {
            b.append(",\"IteratorAgeMs\":").append(iteratorAgeMs);
        }
        return b.append('}').toString();
    }

    private static void appendString(StringBuilder b, String s) {
        b.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> b.append("\\\"");
                case '\\' -> b.append("\\\\");
                default -> {
                    if (c < 0x20) {
                        b.append(String.format("\\u%04x", (int) c));
                    } else {
                        b.append(c);
                    }
                }
            }
        }
        b.append('"');
    }
}
