package io.userstreams.core.reaction;

import io.userstreams.core.config.ReactionId;
import java.util.List;

/**
 * One reaction to user changes, hosted by the ordered batch processor. A reaction may work on the
 * list in sub-batches (bulk index, publish batch, transactions) but reports per record: how many
 * leading changes are finished, and why the next one is not. It must be idempotent: the processor
 * retries from the first unfinished change, and streams redeliver.
 */
public interface RecordReaction {

    ReactionId reaction();

    /**
     * Applies this reaction to {@code changes} in order. Records a reaction has nothing to do for
     * (e.g. a MODIFY for the welcome email) count as finished. Throwing is allowed and means the
     * first change failed.
     */
    ReactionResult apply(List<UserChange> changes);
}
