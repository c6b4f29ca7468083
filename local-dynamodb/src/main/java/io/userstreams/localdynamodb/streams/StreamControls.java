package io.userstreams.localdynamodb.streams;

import java.util.List;

/** Java-side controls of the stream engine, for tests: shard roll-over, splits and trimming on demand. */
public interface StreamControls {
    /** Closes every open shard of the table's enabled stream; each gets one child. Returns the children's ids. */
    List<String> rollOver(String tableName);

    /** Closes one open shard; two children take its half key ranges. Returns the two children's ids. */
    List<String> split(String tableName, String shardId);

    /** Trims records older than the retention period, and drops closed shards and disabled streams past it. */
    void trimNow();
}
