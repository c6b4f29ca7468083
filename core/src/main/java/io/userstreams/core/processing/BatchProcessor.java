package io.userstreams.core.processing;

import io.userstreams.core.change.ChangeRecord;
import java.time.Instant;
import java.util.List;

/**
 * Runs the enabled reactions over one shard's batch, in order, failing fast at the first record
 * that cannot be finished. Both runtimes call this; neither needs to know the reactions.
 */
public interface BatchProcessor {

    /** Processes the records in order; never throws for a record's or a sink's failure. */
    BatchOutcome process(List<ChangeRecord> records);

    /**
     * Like {@link #process(List)}, but stops retrying and hands the rest back once {@code deadline}
     * would be passed (Lambda: now + remaining time − a safety margin), so the runtime can still
     * report what was done before it is killed. Implementations may ignore the deadline.
     */
    default BatchOutcome process(List<ChangeRecord> records, Instant deadline) {
        return process(records);
    }
}
