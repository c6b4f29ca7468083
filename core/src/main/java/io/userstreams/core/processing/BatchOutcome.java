package io.userstreams.core.processing;

import io.userstreams.core.change.ChangeRecord;
import java.util.Optional;

/**
 * What happened to a batch. Records before {@code firstUnfinished} are done (applied, skipped as
 * duplicates, or dead-lettered); the runtime may checkpoint up to the last of them. When a systemic
 * failure stopped the batch, {@code firstUnfinished} is the record to redeliver first (Lambda: its
 * sequence number is the batch item failure; KCL: do not checkpoint it).
 *
 * @param completed        how many leading records are done
 * @param deadLettered     how many of those went to the dead-letter queue
 * @param firstUnfinished  the first record not done, when the batch stopped early
 * @param failure          why it stopped, when it did
 */
public record BatchOutcome(int completed, int deadLettered, Optional<ChangeRecord> firstUnfinished,
                           Optional<Throwable> failure) {

    public static BatchOutcome allDone(int completed, int deadLettered) {
        return new BatchOutcome(completed, deadLettered, Optional.empty(), Optional.empty());
    }

    public boolean isComplete() {
        return firstUnfinished.isEmpty();
    }
}
