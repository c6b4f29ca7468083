package io.userstreams.localdynamodb;

import io.userstreams.localdefaults.LocalDefaults;
import io.userstreams.localdynamodb.fault.Faults;
import io.userstreams.localdynamodb.http.DynamoDbHttpServer;
import com.fasterxml.jackson.databind.node.ArrayNode;
import io.userstreams.localdynamodb.streams.ItemChange;
import io.userstreams.localdynamodb.streams.StreamControls;
import io.userstreams.localdynamodb.streams.StreamSink;
import io.userstreams.localdynamodb.streams.StreamEngine;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Objects;
import java.util.function.Consumer;

/**
 * A DynamoDB + DynamoDB Streams compatible server on 127.0.0.1 (AWS JSON 1.0, one port).
 * <pre>
 * try (LocalDynamoDb db = LocalDynamoDb.builder().start()) {
 *     DynamoDbClient client = DynamoDbClient.builder().endpointOverride(db.endpoint())...
 * }
 * </pre>
 */
public final class LocalDynamoDb implements AutoCloseable {
    private final Builder config;
    private final DynamoDbHttpServer server;
    private final StreamEngine streamEngine;
    private final Faults faults = new Faults();
    private final DynamoDbApi api;

    private LocalDynamoDb(Builder config) throws IOException {
        this.config = config;
        this.server = new DynamoDbHttpServer(config.host, config.port, config.httpThreads);
        this.streamEngine = new StreamEngine(new StreamEngine.Config(config.region, config.accountId,
                config.shardsPerStream, config.shardRollOverInterval, config.streamRetention,
                config.iteratorLifetime, config.clock), server);
        StreamSink sink = streamEngine;
        if (config.changeListener != null) {
            Consumer<ItemChange> listener = config.changeListener;
            sink = new StreamSink() {
                @Override
                public StreamInfo enable(String tableName, ArrayNode keySchema, String viewType) {
                    return streamEngine.enable(tableName, keySchema, viewType);
                }

                @Override
                public void disable(String tableName) {
                    streamEngine.disable(tableName);
                }

                @Override
                public void publish(ItemChange change) {
                    listener.accept(change);
                    streamEngine.publish(change);
                }
            };
        }
        this.api = new DynamoDbApi(config, sink);
        api.register(server);
        server.setInterceptor(faults);
    }

    public static Builder builder() {
        return new Builder();
    }

    /** The endpoint to give an SDK client, e.g. http://127.0.0.1:41234. */
    public URI endpoint() {
        return URI.create("http://" + config.host + ":" + server.port());
    }

    public int port() {
        return server.port();
    }

    public String region() {
        return config.region;
    }

    public String accountId() {
        return config.accountId;
    }

    /** Java controls of the stream engine: roll-over, split, trim. */
    public StreamControls streams() {
        return streamEngine;
    }

    /** Fault injection for tests. */
    public Faults faults() {
        return faults;
    }

    /** Runs the TTL sweeper once now (tests that do not want to wait for the interval). */
    public int sweepExpiredItems() {
        return api.sweepExpiredItems();
    }

    @Override
    public void close() {
        server.close();
        api.close();
        streamEngine.close();
    }

    /** Options of the server; every one has a default. */
    public static final class Builder {
        String host = LocalDefaults.HOST;
        int port = 0;
        String region = LocalDefaults.REGION;
        String accountId = LocalDefaults.ACCOUNT_ID;
        int shardsPerStream = 1;
        Duration shardRollOverInterval = Duration.ofHours(4);
        Duration streamRetention = Duration.ofHours(24);
        Duration iteratorLifetime = Duration.ofMinutes(15);
        Duration ttlSweepInterval = Duration.ofSeconds(30);
        Clock clock = Clock.systemUTC();
        Path dataDirectory;
        int httpThreads = Math.max(8, Runtime.getRuntime().availableProcessors() * 4);
        Consumer<ItemChange> changeListener;

        private Builder() { }

        /** Address to bind; only loopback addresses make sense for a test server. Default 127.0.0.1. */
        public Builder host(String host) {
            this.host = Objects.requireNonNull(host);
            return this;
        }

        /** TCP port, 0 (default) for a free one. */
        public Builder port(int port) {
            this.port = port;
            return this;
        }

        /** Region in ARNs (default us-east-1). */
        public Builder region(String region) {
            this.region = Objects.requireNonNull(region);
            return this;
        }

        /** Account id in ARNs (default 000000000000). */
        public Builder accountId(String accountId) {
            this.accountId = Objects.requireNonNull(accountId);
            return this;
        }

        /** Open shards per stream (default 1); an item always lands in the same open shard, by partition key. */
        public Builder shardsPerStream(int shardsPerStream) {
            if (shardsPerStream < 1) {
                throw new IllegalArgumentException("shardsPerStream must be >= 1");
            }
            this.shardsPerStream = shardsPerStream;
            return this;
        }

        /** How long a shard stays open before it closes and a child continues (default 4 h). */
        public Builder shardRollOverInterval(Duration interval) {
            this.shardRollOverInterval = Objects.requireNonNull(interval);
            return this;
        }

        /** How long stream records stay readable (default 24 h). */
        public Builder streamRetention(Duration retention) {
            this.streamRetention = Objects.requireNonNull(retention);
            return this;
        }

        /** How long a shard iterator stays valid (default 15 min). */
        public Builder iteratorLifetime(Duration lifetime) {
            this.iteratorLifetime = Objects.requireNonNull(lifetime);
            return this;
        }

        /** How often the TTL sweeper deletes expired items (default 30 s). */
        public Builder ttlSweepInterval(Duration interval) {
            if (interval.isZero() || interval.isNegative()) {
                throw new IllegalArgumentException("ttlSweepInterval must be positive");
            }
            this.ttlSweepInterval = interval;
            return this;
        }

        /** Clock for timestamps, TTL and stream retention (tests). */
        public Builder clock(Clock clock) {
            this.clock = Objects.requireNonNull(clock);
            return this;
        }

        /** Optional persistence: tables and items are loaded from this directory on start and saved on close. */
        public Builder dataDirectory(Path directory) {
            this.dataDirectory = directory;
            return this;
        }

        /** HTTP worker threads (default max(8, 4 x CPUs)). */
        public Builder httpThreads(int threads) {
            if (threads < 1) {
                throw new IllegalArgumentException("httpThreads must be >= 1");
            }
            this.httpThreads = threads;
            return this;
        }

        /** Observes every effective item change, in commit order per item, as the stream engine gets it (tests, tooling). */
        public Builder changeListener(Consumer<ItemChange> listener) {
            this.changeListener = listener;
            return this;
        }

        /** Builds and starts the server. */
        public LocalDynamoDb start() {
            try {
                LocalDynamoDb db = new LocalDynamoDb(this);
                db.api.start();
                db.server.start();
                return db;
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }
}
