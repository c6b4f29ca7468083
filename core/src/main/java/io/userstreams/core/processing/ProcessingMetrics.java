package io.userstreams.core.processing;

import io.userstreams.core.config.ReactionId;
import io.userstreams.core.change.ChangeRecord;
import java.time.Duration;

/**
 * What the processor reports as it works; each runtime exports it its own way (Lambda: embedded
 * metric format lines; KCL consumer: Prometheus text on /metrics). Methods must be cheap. For one
 * batch they are called on the thread that called {@code process} (events of parallel reactions
 * are replayed there after the chunk); different shards' batches may call concurrently.
 */
public interface ProcessingMetrics {

    ProcessingMetrics NONE = new ProcessingMetrics() { };

    /** A record was applied by a reaction (including ones skipped as already applied). */
    default void recordProcessed(ReactionId reaction, ChangeRecord record) { }

    /** An attempt failed (it may be retried). */
    default void recordFailed(ReactionId reaction, ChangeRecord record, Throwable error) { }

    /**
     * A record failed validation (it is dead-lettered with reaction {@code validation}, and is not
     * passed to any reaction). {@link BatchOutcome#deadLettered()} counts these too.
     */
    default void recordInvalid(ChangeRecord record, Throwable error) { }

    /** A record was given up on by a reaction and written to the dead-letter queue. */
    default void recordDeadLettered(ReactionId reaction, ChangeRecord record, Throwable error) { }

    /**
     * One call of a reaction on a slice of the batch ({@code records} changes) took this long,
     * whether it applied all of them, some or none (a retried call is a call of its own). The
     * reaction's latency: its sink I/O, without the processor's backoff pauses.
     */
    default void reactionCalled(ReactionId reaction, int records, Duration took) { }

    /** A batch finished (completely or not) after this long. */
    default void batchFinished(BatchOutcome outcome, Duration took) { }
}
