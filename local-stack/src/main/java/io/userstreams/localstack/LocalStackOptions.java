package io.userstreams.localstack;

import io.userstreams.localdefaults.LocalDefaults;
import java.net.URL;
import java.nio.file.Path;
import java.time.Duration;
import java.util.EnumMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * How to start the local stack: ports, whether OpenSearch runs, where state and caches live.
 * Immutable; build with {@link #forTests()} (free ports, no state folder) or {@link #standalone()}
 * (conventional ports, state under {@code .user-streams/}) and adjust with {@link #toBuilder()}.
 */
public final class LocalStackOptions {

    /** Port 0 means: pick a free port when the stack starts. */
    public static final int FREE_PORT = 0;

    /** The servers of the stack, with the option and variable that change each one's port. */
    public enum Server {
        DYNAMODB("DynamoDB", LocalDefaults.DYNAMODB_PORT, "--dynamodb-port", "DYNAMODB_PORT"),
        SQS("ElasticMQ (SQS)", LocalDefaults.SQS_PORT, "--sqs-port", "SQS_PORT"),
        SNS("SNS endpoint", LocalDefaults.SNS_PORT, "--sns-port", "SNS_PORT"),
        SES("SES v2 endpoint", LocalDefaults.SES_PORT, "--ses-port", "SES_PORT"),
        SMTP("SMTP (GreenMail)", LocalDefaults.SMTP_PORT, "--smtp-port", "SMTP_PORT"),
        IMAP("IMAP (GreenMail)", LocalDefaults.IMAP_PORT, "--imap-port", "IMAP_PORT"),
        OPENSEARCH("OpenSearch", LocalDefaults.OPENSEARCH_PORT, "--opensearch-port", "OPENSEARCH_PORT");

        private final String displayName;
        private final int standardPort;
        private final String flag;
        private final String variable;

        Server(String displayName, int standardPort, String flag, String variable) {
            this.displayName = displayName;
            this.standardPort = standardPort;
            this.flag = flag;
            this.variable = variable;
        }

        public String displayName() {
            return displayName;
        }

        public int standardPort() {
            return standardPort;
        }

        /** The {@link LocalStackMain} flag that sets this server's port. */
        public String flag() {
            return flag;
        }

        /** The environment variable that sets this server's port. */
        public String variable() {
            return variable;
        }
    }

    public static final String DEFAULT_HOST = LocalDefaults.HOST;
    public static final String DEFAULT_REGION = LocalDefaults.REGION;
    public static final String DEFAULT_ACCOUNT_ID = LocalDefaults.ACCOUNT_ID;
    /** The template inside this module's jar (copied there from the repository root by the build). */
    public static final String TEMPLATE_RESOURCE = "io/userstreams/localstack/template.yaml";

    private final Map<Server, Integer> ports;
    private final boolean openSearch;
    private final boolean createResources;
    private final Path stateDir;
    private final Path cacheDir;
    private final URL template;
    private final String region;
    private final String accountId;
    private final Duration openSearchStartTimeout;
    private final boolean shutdownHook;
    private final int dynamoDbShards;
    private final Duration shardRollOverInterval;
    private final Duration ttlSweepInterval;
    private final Path dynamoDbDataDir;

    private LocalStackOptions(Builder b) {
        this.ports = new EnumMap<>(b.ports);
        this.openSearch = b.openSearch;
        this.createResources = b.createResources;
        this.stateDir = b.stateDir;
        this.cacheDir = b.cacheDir == null ? defaultCacheDir() : b.cacheDir;
        this.template = b.template;
        this.region = Objects.requireNonNull(b.region, "region");
        this.accountId = Objects.requireNonNull(b.accountId, "accountId");
        this.openSearchStartTimeout = Objects.requireNonNull(b.openSearchStartTimeout, "openSearchStartTimeout");
        this.shutdownHook = b.shutdownHook;
        this.dynamoDbShards = b.dynamoDbShards;
        this.shardRollOverInterval = Objects.requireNonNull(b.shardRollOverInterval, "shardRollOverInterval");
        this.ttlSweepInterval = Objects.requireNonNull(b.ttlSweepInterval, "ttlSweepInterval");
        this.dynamoDbDataDir = b.dynamoDbDataDir;
        if (dynamoDbShards < 1) {
            throw new IllegalArgumentException("the stream needs at least one shard, got " + dynamoDbShards);
        }
        for (Map.Entry<Server, Integer> e : ports.entrySet()) {
            int port = e.getValue();
            if (port < 0 || port > 65535) {
                throw new IllegalArgumentException("port " + port + " for " + e.getKey().displayName()
                        + " is not a TCP port: pass 0 (any free port) or 1-65535 with " + e.getKey().flag()
                        + " / " + e.getKey().variable());
            }
        }
    }

    /** Free ports everywhere, no state folder, OpenSearch on. */
    public static LocalStackOptions forTests() {
        return forTestsBuilder().build();
    }

    public static Builder forTestsBuilder() {
        Builder b = new Builder();
        for (Server s : Server.values()) {
            b.ports.put(s, FREE_PORT);
        }
        b.stateDir = null;
        return b;
    }

    /** DynamoDB 8000, SQS 9324, SNS 9911, OpenSearch 9200; state under {@code ./.user-streams}. */
    public static LocalStackOptions standalone() {
        return standaloneBuilder().build();
    }

    public static Builder standaloneBuilder() {
        Builder b = new Builder();
        for (Server s : Server.values()) {
            b.ports.put(s, s.standardPort());
        }
        b.stateDir = Path.of("").toAbsolutePath().resolve(".user-streams");
        return b;
    }

    public Builder toBuilder() {
        Builder b = new Builder();
        b.ports.putAll(ports);
        b.openSearch = openSearch;
        b.createResources = createResources;
        b.stateDir = stateDir;
        b.cacheDir = cacheDir;
        b.template = template;
        b.region = region;
        b.accountId = accountId;
        b.openSearchStartTimeout = openSearchStartTimeout;
        b.shutdownHook = shutdownHook;
        b.dynamoDbShards = dynamoDbShards;
        b.shardRollOverInterval = shardRollOverInterval;
        b.ttlSweepInterval = ttlSweepInterval;
        b.dynamoDbDataDir = dynamoDbDataDir;
        return b;
    }

    /**
     * The shared cache: the unpacked OpenSearch distribution (161 MB, unpacked once per machine, not per
     * test run) and OpenSearch's per-node folders (deleted when each node stops). The OpenSearch node's default root's parent ({@code $USER_STREAMS_STATE_DIR}, else
     * {@code <tmp>/user-streams-<user>}): under /tmp so uid 65534 can reach it when we run as root.
     */
    public static Path defaultCacheDir() {
        return io.userstreams.localstack.opensearch.OpenSearchNode.Config.defaultStateRoot().getParent();
    }

    /** The configured port; 0 = a free port chosen at start. */
    public int port(Server server) {
        return ports.getOrDefault(server, FREE_PORT);
    }

    public boolean openSearch() {
        return openSearch;
    }

    public boolean createResources() {
        return createResources;
    }

    /**
     * The project's state folder (standalone: {@code ./.user-streams}, where {@link LocalStackMain}
     * writes {@code env.sh}); empty for tests. Data itself is in memory: a restart starts empty.
     */
    public Optional<Path> stateDir() {
        return Optional.ofNullable(stateDir);
    }

    public Path cacheDir() {
        return cacheDir;
    }

    /** Open shards per stream in the local DynamoDB (an item always lands in the same one). */
    public int dynamoDbShards() {
        return dynamoDbShards;
    }

    /** How long a local stream shard stays open before it closes and a child continues (4 h as DynamoDB). */
    public Duration shardRollOverInterval() {
        return shardRollOverInterval;
    }

    /** How often the local DynamoDB's TTL sweeper deletes expired items. */
    public Duration ttlSweepInterval() {
        return ttlSweepInterval;
    }

    /** Where the local DynamoDB keeps its tables across restarts; empty: in memory only. */
    public java.util.Optional<Path> dynamoDbDataDir() {
        return java.util.Optional.ofNullable(dynamoDbDataDir);
    }

    /** The template to create resources from; empty = the one in this module's jar. */
    public Optional<URL> template() {
        return Optional.ofNullable(template);
    }

    public String region() {
        return region;
    }

    public String accountId() {
        return accountId;
    }

    public Duration openSearchStartTimeout() {
        return openSearchStartTimeout;
    }

    public boolean shutdownHook() {
        return shutdownHook;
    }

    @Override
    public String toString() {
        return "LocalStackOptions{ports=" + ports + ", openSearch=" + openSearch + ", createResources="
                + createResources + ", stateDir=" + stateDir + ", cacheDir=" + cacheDir + ", region=" + region + "}";
    }

    public static final class Builder {
        private final Map<Server, Integer> ports = new EnumMap<>(Server.class);
        private boolean openSearch = true;
        private boolean createResources = true;
        private Path stateDir;
        private Path cacheDir;
        private URL template;
        private String region = DEFAULT_REGION;
        private String accountId = DEFAULT_ACCOUNT_ID;
        private Duration openSearchStartTimeout = Duration.ofSeconds(240);
        private boolean shutdownHook = true;
        private int dynamoDbShards = 1;
        private Duration shardRollOverInterval = Duration.ofHours(4);
        // DynamoDB's own sweeper is lazy (up to days); seconds locally so expiries are seen while one watches.
        private Duration ttlSweepInterval = Duration.ofSeconds(5);
        private Path dynamoDbDataDir;

        private Builder() {
        }

        public Builder port(Server server, int port) {
            ports.put(server, port);
            return this;
        }

        public Builder dynamoDbPort(int port) {
            return port(Server.DYNAMODB, port);
        }

        public Builder sqsPort(int port) {
            return port(Server.SQS, port);
        }

        public Builder snsPort(int port) {
            return port(Server.SNS, port);
        }

        public Builder openSearchPort(int port) {
            return port(Server.OPENSEARCH, port);
        }

        /** Whether to start the OpenSearch node (a child process, ~10 s, ~600 MB). */
        public Builder openSearch(boolean enabled) {
            this.openSearch = enabled;
            return this;
        }

        /** Whether to create the tables, topic, queue and index from the template on start. */
        public Builder createResources(boolean create) {
            this.createResources = create;
            return this;
        }

        public Builder stateDir(Path dir) {
            this.stateDir = dir == null ? null : dir.toAbsolutePath();
            return this;
        }

        public Builder cacheDir(Path dir) {
            this.cacheDir = dir == null ? null : dir.toAbsolutePath();
            return this;
        }

        public Builder template(URL template) {
            this.template = template;
            return this;
        }

        public Builder region(String region) {
            this.region = region;
            return this;
        }

        public Builder accountId(String accountId) {
            this.accountId = accountId;
            return this;
        }

        public Builder openSearchStartTimeout(Duration timeout) {
            this.openSearchStartTimeout = timeout;
            return this;
        }

        /** Whether a JVM shutdown hook closes the stack (default on). */
        public Builder shutdownHook(boolean install) {
            this.shutdownHook = install;
            return this;
        }

        public Builder dynamoDbShards(int shards) {
            this.dynamoDbShards = shards;
            return this;
        }

        public Builder shardRollOverInterval(Duration interval) {
            this.shardRollOverInterval = interval;
            return this;
        }

        public Builder ttlSweepInterval(Duration interval) {
            this.ttlSweepInterval = interval;
            return this;
        }

        /** Keep the local DynamoDB's tables in this folder (snapshot on stop, loaded on start). */
        public Builder dynamoDbDataDir(Path dir) {
            this.dynamoDbDataDir = dir == null ? null : dir.toAbsolutePath();
            return this;
        }

        public LocalStackOptions build() {
            return new LocalStackOptions(this);
        }
    }
}
