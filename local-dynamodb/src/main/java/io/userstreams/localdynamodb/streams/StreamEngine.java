package io.userstreams.localdynamodb.streams;

import com.fasterxml.jackson.databind.node.ArrayNode;
import io.userstreams.localdynamodb.http.DynamoDbHttpServer;
import java.time.Clock;
import java.time.Duration;

/**
 * PLACEHOLDER (ddb-core) so the module compiles before the streams half lands: ddb-streams owns this
 * file and its version replaces this one on merge. LocalDynamoDb uses it as StreamSink, StreamControls
 * and AutoCloseable.
 */
public final class StreamEngine implements StreamSink, StreamControls, AutoCloseable {
    public record Config(String region, String accountId, int shardsPerStream, Duration rollOverInterval,
                         Duration retention, Duration iteratorLifetime, Clock clock) {}

    private final Config config;

    public StreamEngine(Config config, DynamoDbHttpServer server) {
        this.config = config;
    }

    @Override
    public StreamInfo enable(String tableName, ArrayNode keySchema, String viewType) {
        String label = java.time.LocalDateTime.now(config.clock()).withNano(0).toString() + ".000";
        return new StreamInfo("arn:aws:dynamodb:" + config.region() + ":" + config.accountId() + ":table/" + tableName
                + "/stream/" + label, label, viewType);
    }

    @Override
    public void disable(String tableName) { }

    @Override
    public void publish(ItemChange change) { }

    @Override
    public void rollOver(String tableName) { }

    @Override
    public void split(String tableName, String shardId) { }

    @Override
    public void trimNow() { }

    @Override
    public void close() { }
}
