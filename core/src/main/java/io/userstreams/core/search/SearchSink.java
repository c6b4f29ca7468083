package io.userstreams.core.search;

import java.util.List;

/** The users index. */
public interface SearchSink {

    /**
     * Runs the operations (a DELETE writes a tombstone document: see {@link IndexOperation}) as one bulk request; returns one result per operation, in order. Throws
     * when the request as a whole failed (I/O, 429/5xx for the whole request).
     */
    List<BulkItemResult> bulk(List<IndexOperation> operations);

    /** Creates the index from template.yaml when it does not exist. */
    void ensureIndex();

    /**
     * The indexed document (live or tombstone) of a user, or null when there is none or the sink
     * cannot tell; read only after a version conflict.
     */
    default IndexedDocument get(String id) {
        return null;
    }
}
