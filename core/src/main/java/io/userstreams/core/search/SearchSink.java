package io.userstreams.core.search;

import java.util.List;

/** The users index. */
public interface SearchSink {

    /**
     * Runs the operations as one bulk request; returns one result per operation, in order. Throws
     * when the request as a whole failed (I/O, 429/5xx for the whole request).
     */
    List<BulkItemResult> bulk(List<IndexOperation> operations);

    /** Creates the index from template.yaml when it does not exist. */
    void ensureIndex();
}
