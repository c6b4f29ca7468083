package io.userstreams.localdynamodb.streams;

/** PLACEHOLDER (ddb-core): ddb-streams owns this file; its version replaces this one on merge. */
public interface StreamControls {
    void rollOver(String tableName);

    void split(String tableName, String shardId);

    void trimNow();
}
