package io.userstreams.localdynamodb.streams;

import com.fasterxml.jackson.databind.node.ArrayNode;

/** What ddb-core calls; ddb-streams implements it (class StreamEngine implements StreamSink). */
public interface StreamSink {
    /** Stream turned on for a table (CreateTable or UpdateTable); returns the new stream's ARN and label. */
    StreamInfo enable(String tableName, ArrayNode keySchema, String viewType);

    /** Stream turned off (UpdateTable StreamEnabled=false, or DeleteTable): the stream becomes DISABLED, its shards close, records stay readable until retention. */
    void disable(String tableName);

    /** Called by ddb-core while it holds the item's lock, once per effective change (never for a no-op write or a delete of a missing item). */
    void publish(ItemChange change);

    record StreamInfo(String streamArn, String streamLabel, String viewType) {}
}
