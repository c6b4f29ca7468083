package io.userstreams.core.processing;

/**
 * Where a record goes that a runtime could not even turn into a change record. A send that throws
 * is a systemic failure: the runtime stops at this record and it comes back later.
 */
@FunctionalInterface
public interface UnconvertibleRecordQueue {

    void send(UnconvertibleRecord record);
}
