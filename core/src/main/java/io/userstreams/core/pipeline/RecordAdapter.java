package io.userstreams.core.pipeline;

import io.userstreams.core.change.ChangeRecord;
import io.userstreams.core.processing.UnconvertibleRecord;

/**
 * What a runtime tells the {@link RecordBatchRunner} about its own stream record type {@code R}
 * (Lambda: {@code DynamodbStreamRecord}; KCL: the SDK v2 {@code Record}).
 *
 * @param <R> the runtime's record type
 */
public interface RecordAdapter<R> {

    /**
     * The record as the core's change record.
     *
     * @throws RuntimeException when it cannot be converted (no type on an attribute, an unknown event
     *                          name, no sequence number...): the runner then dead-letters it in its place
     */
    ChangeRecord toChangeRecord(R record);

    /**
     * The dead letter of a record {@link #toChangeRecord} refused: its ids as far as they can be read,
     * the record as delivered (JSON) and why. Must not throw; {@code record} may be null.
     */
    UnconvertibleRecord unconvertible(R record, RuntimeException error);
}
