package io.userstreams.core;

import io.userstreams.localdefaults.LocalDefaults;
import io.userstreams.core.aws.AwsConnection;
import io.userstreams.core.aws.Clients;
import io.userstreams.core.config.CoreSettings;
import io.userstreams.core.config.ReactionId;
import io.userstreams.core.derived.DerivedTablesReaction;
import io.userstreams.core.derived.DynamoDbDerivedTables;
import io.userstreams.core.processing.BatchProcessor;
import io.userstreams.core.processing.OncePerEventDeadLetters;
import io.userstreams.core.processing.OrderedBatchProcessor;
import io.userstreams.core.processing.ProcessingMetrics;
import io.userstreams.core.processing.RetryPolicy;
import io.userstreams.core.processing.Sleeper;
import io.userstreams.core.processing.SqsDeadLetterQueue;
import io.userstreams.core.processing.SqsUnconvertibleRecords;
import io.userstreams.core.processing.UnconvertibleRecordQueue;
import io.userstreams.core.reaction.RecordReaction;
import io.userstreams.core.failure.SystemicFailureException;
import io.userstreams.core.search.IndexDefinition;
import io.userstreams.core.search.OpenSearchClients;
import io.userstreams.core.search.OpenSearchIndexSink;
import io.userstreams.core.search.SearchIndexReaction;
import io.userstreams.core.search.SearchSink;
import io.userstreams.core.search.TombstonePurge;
import io.userstreams.core.sink.Sinks;
import io.userstreams.core.welcome.DynamoDbIdempotencyStore;
import io.userstreams.core.welcome.SnsWelcomePublisher;
import io.userstreams.core.welcome.WelcomeEmailReaction;
import io.userstreams.core.welcome.WelcomeTemplates;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Supplier;
import org.opensearch.client.opensearch.OpenSearchClient;
import software.amazon.awssdk.http.SdkHttpClient;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.sns.SnsClient;
import software.amazon.awssdk.services.sns.model.Topic;
import software.amazon.awssdk.services.sqs.SqsClient;

/**
 * The product's core, assembled: the enabled reactions, their sinks and the ordered batch
 * processor. A runtime builds one per process (Lambda: per container) and hands it change records.
 *
 * <pre>{@code
 * UserStreamsCore core = UserStreamsCore.builder()
 *         .settings(CoreSettings.fromEnvironment())
 *         .connection(AwsConnection.fromEnvironment(System.getenv()))
 *         .httpClient(UrlConnectionHttpClient.create())
 *         .build();
 * BatchOutcome outcome = core.processor().process(records);
 * }</pre>
 * Tests and benchmarks can replace every sink: {@code .sinks(Sinks.noOp())} or, in tests, the
 * in-memory fakes of core's test-jar ({@code new InMemorySinks().sinks()}); then no connection or
 * HTTP client is needed.
 *
 * <p>Thread-safe: one core can serve every shard's record processor at once (the processor keeps
 * per-call state only; the reactions and SDK clients are safe for concurrent use).
 */
public final class UserStreamsCore implements AutoCloseable {

    /** Local names used when the environment does not name the topic or queue (local mode). */
    public static final String LOCAL_TOPIC_NAME = LocalDefaults.WELCOME_TOPIC;
    public static final String LOCAL_QUEUE_NAME = LocalDefaults.DEAD_LETTER_QUEUE;
    public static final String LOCAL_OPENSEARCH_ENDPOINT = LocalDefaults.openSearchEndpoint().toString();

    private final CoreSettings settings;
    private final BatchProcessor processor;
    private final List<RecordReaction> reactions;
    private final Sinks sinks;
    private final UnconvertibleRecordQueue unconvertibleRecords;
    private final AutoCloseable resources;

    private UserStreamsCore(CoreSettings settings, BatchProcessor processor, List<RecordReaction> reactions, Sinks sinks,
                            UnconvertibleRecordQueue unconvertibleRecords, AutoCloseable resources) {
        this.settings = settings;
        this.processor = processor;
        this.reactions = List.copyOf(reactions);
        this.sinks = sinks;
        this.unconvertibleRecords = unconvertibleRecords;
        this.resources = resources;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** A core whose reactions write to the given sinks (tests, benchmarks): no AWS clients at all. */
    public static UserStreamsCore withSinks(CoreSettings settings, Sinks sinks) {
        return builder().settings(settings).sinks(sinks).build();
    }

    public CoreSettings settings() {
        return settings;
    }

    public BatchProcessor processor() {
        return processor;
    }

    /** The enabled reactions, in the order they run. */
    public List<RecordReaction> reactions() {
        return reactions;
    }

    public Sinks sinks() {
        return sinks;
    }

    /**
     * Where a runtime sends records it cannot convert: the same dead-letter queue, reaction
     * {@code conversion}, the record as delivered. With injected sinks: the one given to the builder.
     */
    public UnconvertibleRecordQueue unconvertibleRecords() {
        return unconvertibleRecords;
    }

    /**
     * Version regressions the search reaction found since the core was built: writes whose version
     * went down (dead-lettered with errorType {@code version-regression}) and deletes that had to
     * be forced past such a write. Runtimes export it as a metric.
     */
    public long versionRegressions() {
        return reactions.stream().filter(r -> r instanceof SearchIndexReaction)
                .mapToLong(r -> ((SearchIndexReaction) r).versionRegressions()).sum();
    }

    /**
     * Removes the search index's tombstones older than the replay window ({@link TombstonePurge});
     * returns how many. 0 when the search reaction is off or its sink is not OpenSearch (fakes).
     */
    public long purgeExpiredTombstones() {
        if (settings.enabled(ReactionId.SEARCH_INDEX) && sinks.search() instanceof OpenSearchIndexSink openSearch) {
            return new TombstonePurge(openSearch).run();
        }
        return 0;
    }

    /** Creates the search index from template.yaml if it is missing (also done before the first bulk). */
    public void ensureSearchIndex() {
        if (settings.enabled(ReactionId.SEARCH_INDEX)) {
            sinks.search().ensureIndex();
        }
    }

    /** Closes the SDK and OpenSearch clients the core built (not an HTTP client passed in). */
    @Override
    public void close() {
        try {
            resources.close();
        } catch (Exception e) {
            throw new IllegalStateException("closing the core's clients failed", e);
        }
    }

    public static final class Builder {
        private CoreSettings settings;
        private AwsConnection connection;
        private SdkHttpClient httpClient;
        private ProcessingMetrics metrics = ProcessingMetrics.NONE;
        private Sinks sinks;
        private RetryPolicy retryPolicy = RetryPolicy.DEFAULT;
        private Sleeper sleeper = Sleeper.REAL;
        private Clock clock = Clock.systemUTC();
        private Duration welcomeLease = WelcomeEmailReaction.DEFAULT_LEASE;
        private Duration welcomeRetention = WelcomeEmailReaction.DEFAULT_RETENTION;
        private Duration derivedRetention = DynamoDbDerivedTables.DEFAULT_RETENTION;
        private int chunkSize = 1000;
        private int bulkSize = SearchIndexReaction.DEFAULT_BULK_SIZE;
        private Map<String, String> environment = System.getenv();
        private boolean parallelReactions = true;
        private UnconvertibleRecordQueue unconvertibleRecords;
        private UnconvertibleRecordQueue awsUnconvertibleRecords;

        /** Run the reactions of a chunk at the same time (default) or one after another. */
        public Builder parallelReactions(boolean parallel) {
            this.parallelReactions = parallel;
            return this;
        }

        public Builder settings(CoreSettings settings) {
            this.settings = settings;
            return this;
        }

        public Builder connection(AwsConnection connection) {
            this.connection = connection;
            return this;
        }

        /** The HTTP client for every SDK client (Lambda: a light one; EC2: Apache 5). The caller closes it. */
        public Builder httpClient(SdkHttpClient httpClient) {
            this.httpClient = httpClient;
            return this;
        }

        public Builder metrics(ProcessingMetrics metrics) {
            this.metrics = Objects.requireNonNull(metrics);
            return this;
        }

        /**
         * Where unconvertible records go when the sinks are injected (default: refused, so such a
         * record stops the batch). With AWS sinks the core sends them to its dead-letter queue.
         */
        public Builder unconvertibleRecords(UnconvertibleRecordQueue queue) {
            this.unconvertibleRecords = Objects.requireNonNull(queue);
            return this;
        }

        /** Replaces every sink (no AWS or OpenSearch clients are built then). */
        public Builder sinks(Sinks sinks) {
            this.sinks = sinks;
            return this;
        }

        /** Backoff for systemic failures (default 5 attempts, 100 ms base, 3 s cap). */
        public Builder retryPolicy(RetryPolicy policy) {
            this.retryPolicy = Objects.requireNonNull(policy);
            return this;
        }

        public Builder sleeper(Sleeper sleeper) {
            this.sleeper = Objects.requireNonNull(sleeper);
            return this;
        }

        public Builder clock(Clock clock) {
            this.clock = Objects.requireNonNull(clock);
            return this;
        }

        /** How long a welcome claim blocks other workers (default 30 s): longer than one publish. */
        public Builder welcomeLease(Duration lease) {
            this.welcomeLease = Objects.requireNonNull(lease);
            return this;
        }

        /** How long a sent welcome is remembered (default 30 days; at least 7). */
        public Builder welcomeRetention(Duration retention) {
            this.welcomeRetention = Objects.requireNonNull(retention);
            return this;
        }

        /** How long derived-table claims are kept (default 15 days, beyond the DLQ retention; at least 7). */
        public Builder derivedRetention(Duration retention) {
            this.derivedRetention = Objects.requireNonNull(retention);
            return this;
        }

        public Builder chunkSize(int size) {
            this.chunkSize = size;
            return this;
        }

        /** Operations per OpenSearch bulk request (default 500). */
        public Builder bulkSize(int size) {
            this.bulkSize = size;
            return this;
        }

        /** Where OPENSEARCH_SIGV4 is read (default: the process environment). */
        public Builder environment(Map<String, String> env) {
            this.environment = Objects.requireNonNull(env);
            return this;
        }

        public UserStreamsCore build() {
            Objects.requireNonNull(settings, "settings");
            Deque<AutoCloseable> closeables = new ArrayDeque<>();
            AutoCloseable resources = () -> {
                Exception first = null;
                while (!closeables.isEmpty()) {
                    try {
                        closeables.pop().close();
                    } catch (Exception e) {
                        if (first == null) {
                            first = e;
                        }
                    }
                }
                if (first != null) {
                    throw first;
                }
            };
            Sinks built;
            try {
                built = sinks != null ? sinks : awsSinks(closeables);
            } catch (RuntimeException e) {
                try {
                    resources.close();
                } catch (Exception suppressed) {
                    e.addSuppressed(suppressed);
                }
                throw e;
            }
            List<RecordReaction> reactions = new ArrayList<>();
            if (settings.enabled(ReactionId.WELCOME_EMAIL)) {
                reactions.add(new WelcomeEmailReaction(built.idempotency(), built.welcome(), new WelcomeTemplates(), clock,
                        welcomeLease, welcomeRetention));
            }
            if (settings.enabled(ReactionId.DERIVED_TABLES)) {
                reactions.add(new DerivedTablesReaction(built.derived()));
            }
            if (settings.enabled(ReactionId.SEARCH_INDEX)) {
                reactions.add(new SearchIndexReaction(built.search(), bulkSize));
            }
            OrderedBatchProcessor processor = OrderedBatchProcessor.builder()
                    .reactions(reactions)
                    .deadLetters(built.deadLetters())
                    .maxAttempts(settings.maxAttempts())
                    .retryPolicy(retryPolicy)
                    .metrics(metrics)
                    .sleeper(sleeper)
                    .clock(clock)
                    .chunkSize(chunkSize)
                    .parallelReactions(parallelReactions)
                    .build();
            AutoCloseable all = () -> {
                processor.close();
                resources.close();
            };
            UnconvertibleRecordQueue unconvertible = unconvertibleRecords != null ? unconvertibleRecords
                    : awsUnconvertibleRecords != null && sinks == null ? awsUnconvertibleRecords
                    : record -> {
                        throw new IllegalStateException("no queue for unconvertible records (injected sinks):"
                                + " record " + record.eventId() + " stays unfinished");
                    };
            return new UserStreamsCore(settings, processor, reactions, built, unconvertible, all);
        }

        private Sinks awsSinks(Deque<AutoCloseable> closeables) {
            Objects.requireNonNull(connection, "connection (or inject sinks)");
            Objects.requireNonNull(httpClient, "httpClient (or inject sinks)");
            Sinks none = Sinks.noOp();
            boolean welcome = settings.enabled(ReactionId.WELCOME_EMAIL);
            boolean derived = settings.enabled(ReactionId.DERIVED_TABLES);
            boolean search = settings.enabled(ReactionId.SEARCH_INDEX);

            SqsClient sqs = Clients.sqs(connection, httpClient);
            closeables.push(sqs);
            Supplier<String> queueUrl = settings.deadLetterQueueUrl() != null
                    ? settings::deadLetterQueueUrl
                    : memoize(() -> resolveQueue(sqs));
            // The idempotency table also remembers which dead letters were sent (once per eventID and reaction).
            DynamoDbClient dynamoDb = Clients.dynamoDb(connection, httpClient);
            closeables.push(dynamoDb);
            OncePerEventDeadLetters deadLetters = new OncePerEventDeadLetters(new SqsDeadLetterQueue(sqs, queueUrl),
                    new SqsUnconvertibleRecords(sqs, queueUrl, clock),
                    new DynamoDbIdempotencyStore(dynamoDb, settings.idempotencyTable()), clock);
            awsUnconvertibleRecords = deadLetters;

            var idempotency = welcome ? new DynamoDbIdempotencyStore(dynamoDb, settings.idempotencyTable())
                    : none.idempotency();
            var publisher = none.welcome();
            if (welcome) {
                SnsClient sns = Clients.sns(connection, httpClient);
                closeables.push(sns);
                if (settings.welcomeTopicArn() != null) {
                    publisher = new SnsWelcomePublisher(sns, settings.welcomeTopicArn());
                } else {
                    Supplier<String> arn = memoize(() -> resolveTopic(sns));
                    publisher = messages -> new SnsWelcomePublisher(sns, arn.get()).publish(messages);
                }
            }
            var derivedStore = derived
                    ? new DynamoDbDerivedTables(dynamoDb, settings.usersTable(), settings.usersByEmailTable(), settings.userStatsTable(),
                            settings.idempotencyTable(), clock, derivedRetention)
                    : none.derived();
            SearchSink searchSink = none.search();
            if (search) {
                String endpoint = settings.openSearchEndpoint();
                if (endpoint == null || endpoint.isBlank()) {
                    if (!connection.isLocal()) {
                        throw new IllegalStateException(CoreSettings.OPENSEARCH_ENDPOINT
                                + " is not set: set it, or leave search-index out of " + CoreSettings.REACTIONS);
                    }
                    endpoint = LOCAL_OPENSEARCH_ENDPOINT;
                }
                OpenSearchClient client = OpenSearchClients.create(endpoint, connection, httpClient, environment);
                closeables.push(() -> OpenSearchClients.close(client));
                searchSink = new OpenSearchIndexSink(client,
                        IndexDefinition.fromTemplate().withName(settings.openSearchIndex()));
            }
            return new Sinks(idempotency, publisher, derivedStore, searchSink, deadLetters);
        }

        private static String resolveQueue(SqsClient sqs) {
            try {
                return sqs.getQueueUrl(b -> b.queueName(LOCAL_QUEUE_NAME)).queueUrl();
            } catch (RuntimeException e) {
                throw new SystemicFailureException("DeadLetterQueueUnknown", CoreSettings.DEAD_LETTER_QUEUE_URL
                        + " is not set and queue '" + LOCAL_QUEUE_NAME + "' was not found", e);
            }
        }

        private static String resolveTopic(SnsClient sns) {
            try {
                for (Topic t : sns.listTopicsPaginator().topics()) {
                    if (t.topicArn().endsWith(":" + LOCAL_TOPIC_NAME)) {
                        return t.topicArn();
                    }
                }
            } catch (RuntimeException e) {
                throw new SystemicFailureException("WelcomeTopicUnknown", "listing SNS topics failed", e);
            }
            throw new SystemicFailureException("WelcomeTopicUnknown", CoreSettings.WELCOME_TOPIC_ARN
                    + " is not set and topic '" + LOCAL_TOPIC_NAME + "' was not found", null);
        }

        private static Supplier<String> memoize(Supplier<String> s) {
            return new Supplier<>() {
                private volatile String value;

                @Override
                public String get() {
                    String v = value;
                    if (v == null) {
                        synchronized (this) {
                            if (value == null) {
                                value = s.get();
                            }
                            v = value;
                        }
                    }
                    return v;
                }
            };
        }
    }
}
