package io.userstreams.localdynamodb;

import io.userstreams.localdynamodb.http.DynamoDbHttpServer;
import io.userstreams.localdynamodb.streams.StreamSink;

/** The DynamoDB_20120810 operations: tables, items, queries, transactions, TTL. */
final class DynamoDbApi implements AutoCloseable {
    static final String PREFIX = "DynamoDB_20120810.";

    private final LocalDynamoDb.Builder config;
    private final StreamSink streams;

    DynamoDbApi(LocalDynamoDb.Builder config, StreamSink streams) {
        this.config = config;
        this.streams = streams;
    }

    void register(DynamoDbHttpServer server) {
    }

    void start() {
    }

    int sweepExpiredItems() {
        return 0;
    }

    @Override
    public void close() {
    }
}
