package io.userstreams.lambda.bench;

import com.amazonaws.services.lambda.runtime.events.DynamodbEvent;
import com.amazonaws.services.lambda.runtime.events.DynamodbEvent.DynamodbStreamRecord;
import com.amazonaws.services.lambda.runtime.events.StreamsEventResponse;
import com.amazonaws.services.lambda.runtime.events.models.dynamodb.AttributeValue;
import com.amazonaws.services.lambda.runtime.events.models.dynamodb.StreamRecord;
import com.amazonaws.services.lambda.runtime.events.transformers.v2.dynamodb.DynamodbRecordTransformer;
import io.userstreams.core.UserStreamsCore;
import io.userstreams.core.aws.AwsConnection;
import io.userstreams.core.aws.Clients;
import io.userstreams.core.change.ChangeKind;
import io.userstreams.core.change.ChangeRecord;
import io.userstreams.core.change.StreamRecordConverter;
import io.userstreams.core.config.CoreSettings;
import io.userstreams.core.derived.DerivedEffects;
import io.userstreams.core.derived.DerivedTablesReaction;
import io.userstreams.core.derived.DerivedTablesStore;
import io.userstreams.core.derived.DerivedUpdate;
import io.userstreams.core.derived.DynamoDbDerivedTables;
import io.userstreams.core.reaction.UserChange;
import io.userstreams.core.search.IndexDefinition;
import io.userstreams.core.search.IndexOperation;
import io.userstreams.core.search.OpenSearchClients;
import io.userstreams.core.search.OpenSearchIndexSink;
import io.userstreams.core.search.SearchIndexReaction;
import io.userstreams.core.search.SearchSink;
import io.userstreams.core.sink.Sinks;
import io.userstreams.core.welcome.DynamoDbIdempotencyStore;
import io.userstreams.core.welcome.IdempotencyStore;
import io.userstreams.core.welcome.SnsWelcomePublisher;
import io.userstreams.core.welcome.WelcomeEmailReaction;
import io.userstreams.core.welcome.WelcomeMessage;
import io.userstreams.core.welcome.WelcomePublisher;
import io.userstreams.lambda.EmbeddedMetrics;
import io.userstreams.lambda.StackState;
import io.userstreams.lambda.StreamHandlerRuntime;
import io.userstreams.lambda.UserStreamHandler;
import io.userstreams.localstack.LocalStack;
import io.userstreams.localstack.LocalStackOptions;
import java.io.OutputStream;
import java.io.PrintStream;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;
import org.opensearch.client.opensearch.OpenSearchClient;
import software.amazon.awssdk.http.SdkHttpClient;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.sns.SnsClient;

/**
 * Replays N stream records (default 20,000) through the Lambda handler, in one run:
 * <ol>
 *   <li><b>no-op sinks</b>: the handler, the processor and the three reactions with sinks that accept
 *       everything ({@link Sinks#noOp()}): pure processing speed on one thread;</li>
 *   <li><b>real local sinks</b>: the handler exactly as deployed (URLConnection SDK clients) against
 *       the local DynamoDB, the SNS endpoint (delivering to SQS) and an OpenSearch node;</li>
 *   <li><b>direct bulk</b>: the same sink operations the reactions issue (per 10 inserts: one claim
 *       transaction, one PublishBatch, one completion batch write; derived updates grouped into
 *       transactions of up to 25 records; OpenSearch bulk of 500), computed up front and sent straight
 *       to the same sinks with the same clients, without the handler.</li>
 * </ol>
 * Prints records/s for each and the ratios. Run:
 * {@code mvn -B -o -pl stream-handlers -Pbench-handler -DskipTests verify} (optionally {@code -Dbench.records=N}).
 * A figure printer, not a test: nothing here asserts a speed.
 */
public final class HandlerBenchmark {

    static final int BATCH = Integer.getInteger("bench.batch", 1000);
    static final java.lang.management.ThreadMXBean THREADS = java.lang.management.ManagementFactory.getThreadMXBean();
    static final com.sun.management.OperatingSystemMXBean PROCESS =
            (com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory.getOperatingSystemMXBean();
    static final String ARN = "arn:aws:dynamodb:us-east-1:000000000000:table/users/stream/2026-11-25T00:00:00.000";
    static final String[] PLANS = {"free", "pro", "enterprise"};
    static final String[] COUNTRIES = {"KR", "US", "DE", "JP", "BR", "IN", "GB", "FR"};
    static final String[] LOCALES = {"en", "ko", "en-US", "de", "ja"};

    public static void main(String[] args) throws Exception {
        int n = args.length > 0 && !args[0].isBlank() ? Integer.parseInt(args[0]) : 20_000;
        System.out.printf("HandlerBenchmark: %d records, batches of %d, %d CPU(s) visible%n", n, BATCH,
                Runtime.getRuntime().availableProcessors());
        List<DynamodbEvent> warmup = events("w", 3_000, 1);
        List<DynamodbEvent> events = events("b", n, 2);

        // 1. no-op sinks: 3 warm-up passes, then 5 measured ones; wall clock and this thread's CPU time.
        double noOpRate;
        double noOpCpuRate;
        try (StreamHandlerRuntime runtime = noOpRuntime()) {
            UserStreamHandler handler = new UserStreamHandler(runtime);
            for (int i = 0; i < 3; i++) {
                run(handler, events); // JIT warm-up on the very same records
            }
            double[] wall = new double[5];
            double[] cpu = new double[5];
            double[] processCpu = new double[5];
            for (int i = 0; i < wall.length; i++) {
                long cpuStart = THREADS.getCurrentThreadCpuTime();
                long processStart = PROCESS.getProcessCpuTime();
                wall[i] = n / seconds(run(handler, events));
                cpu[i] = n / seconds(THREADS.getCurrentThreadCpuTime() - cpuStart);
                processCpu[i] = n / seconds(PROCESS.getProcessCpuTime() - processStart);
            }
            java.util.Arrays.sort(wall);
            java.util.Arrays.sort(cpu);
            java.util.Arrays.sort(processCpu);
            noOpRate = wall[2];
            noOpCpuRate = processCpu[2];
            System.out.printf("no-op sinks:   %,10.0f records/s wall (median of 5; best %,.0f)%n", noOpRate, wall[4]);
            System.out.printf("               %,10.0f records per CPU-second of the whole JVM (handler + GC + JIT = one core's work), "
                    + "%,.0f per CPU-second of the handler thread alone%n", noOpCpuRate, cpu[2]);
        }
        if (Boolean.getBoolean("bench.noOpOnly")) {
            return;
        }

        try (LocalStack stack = LocalStack.start(LocalStackOptions.forTestsBuilder().openSearch(true).build())) {
            StackState state = new StackState(stack);
            Map<String, String> env = state.environment();

            // 2. real local sinks, through the handler as deployed
            double realRate;
            state.reset();
            try (StreamHandlerRuntime runtime = StreamHandlerRuntime.fromEnvironment(env)) {
                UserStreamHandler handler = new UserStreamHandler(runtime);
                run(handler, warmup);
                state.reset();
                realRate = n / seconds(run(handler, events));
            }
            System.out.printf("real sinks:    %,10.0f records/s (handler → local DynamoDB, SNS→SQS, OpenSearch)%n", realRate);
            Map<String, Long> statsViaHandler = state.effects.nonZeroStats();

            // 3. the same operations fed straight to the sinks
            state.reset();
            DirectBulk direct = new DirectBulk(env);
            direct.run(changes(warmup));
            state.reset();
            List<UserChange> changes = changes(events);
            double directRate = n / seconds(direct.run(changes));
            direct.close();
            System.out.printf("direct bulk:   %,10.0f records/s (same sink operations, no handler)%n", directRate);
            boolean sameStats = statsViaHandler.equals(state.effects.nonZeroStats());

            System.out.printf("real / no-op:  %10.3f%n", realRate / noOpRate);
            System.out.printf("real / direct: %10.3f  (target ≥ 0.8)%n", realRate / directRate);
            System.out.printf("no-op target ≥ 50,000 records/s on one core: %s (JVM CPU-time rate %,.0f; wall-clock rate %,.0f "
                    + "depends on what else runs on this shared machine: load average %.1f)%n", noOpCpuRate >= 50_000 ? "met" : "NOT met",
                    noOpCpuRate, noOpRate, PROCESS.getSystemLoadAverage());
            System.out.printf("user_stats identical after handler run and direct run: %s%n", sameStats);
        }
    }

    static long run(UserStreamHandler handler, List<DynamodbEvent> events) {
        long start = System.nanoTime();
        for (DynamodbEvent e : events) {
            StreamsEventResponse r = handler.handleRequest(e, null);
            if (!r.getBatchItemFailures().isEmpty()) {
                throw new IllegalStateException("batch failed at " + r.getBatchItemFailures());
            }
        }
        return System.nanoTime() - start;
    }

    static double seconds(long nanos) {
        return nanos / 1e9;
    }

    /** The handler and the core as deployed (all three reactions), over sinks that accept everything. */
    static StreamHandlerRuntime noOpRuntime() {
        EmbeddedMetrics metrics = new EmbeddedMetrics("bench", new PrintStream(OutputStream.nullOutputStream()),
                Clock.systemUTC());
        UserStreamsCore core = UserStreamsCore.builder().settings(CoreSettings.fromEnvironment(Map.of()))
                .sinks(Sinks.noOp()).metrics(metrics).build();
        return new StreamHandlerRuntime(core.processor(), record -> { }, metrics, Clock.systemUTC(), core);
    }

    /** Stream events for {@code n} records: 60% inserts of new users, 30% updates, 10% deletes. */
    static List<DynamodbEvent> events(String prefix, int n, int seed) {
        Random random = new Random(seed);
        List<Map<String, AttributeValue>> live = new ArrayList<>();
        List<DynamodbStreamRecord> records = new ArrayList<>(n);
        long created = Instant.now().getEpochSecond() - 60;
        long seq = 100_000_000_000_000_000L + seed * 10_000_000L;
        int users = 0;
        for (int i = 0; i < n; i++) {
            int slot = i % 10;
            DynamodbStreamRecord r;
            if (slot < 6 || live.size() < 10) {
                String id = prefix + "-" + (++users);
                Map<String, AttributeValue> item = user(id, random);
                live.add(item);
                r = record(prefix + "-ins-" + i, "INSERT", id, null, item, created, ++seq);
            } else if (slot < 9) {
                int k = random.nextInt(live.size());
                Map<String, AttributeValue> old = live.get(k);
                Map<String, AttributeValue> next = new HashMap<>(old);
                next.put("plan", s(PLANS[random.nextInt(PLANS.length)]));
                next.put("version", new AttributeValue().withN(Long.toString(Long.parseLong(old.get("version").getN()) + 1)));
                live.set(k, next);
                r = record(prefix + "-upd-" + i, "MODIFY", old.get("userId").getS(), old, next, created, ++seq);
            } else {
                Map<String, AttributeValue> old = live.remove(random.nextInt(live.size()));
                r = record(prefix + "-del-" + i, "REMOVE", old.get("userId").getS(), old, null, created, ++seq);
            }
            records.add(r);
        }
        List<DynamodbEvent> events = new ArrayList<>();
        for (int from = 0; from < n; from += BATCH) {
            DynamodbEvent e = new DynamodbEvent();
            e.setRecords(new ArrayList<>(records.subList(from, Math.min(n, from + BATCH))));
            events.add(e);
        }
        return events;
    }

    static Map<String, AttributeValue> user(String id, Random random) {
        Map<String, AttributeValue> item = new HashMap<>();
        item.put("userId", s(id));
        item.put("email", s(id + "@example.com"));
        item.put("name", s("User " + id));
        item.put("plan", s(PLANS[random.nextInt(PLANS.length)]));
        item.put("country", s(COUNTRIES[random.nextInt(COUNTRIES.length)]));
        item.put("locale", s(LOCALES[random.nextInt(LOCALES.length)]));
        item.put("createdAt", s("2026-11-25T08:00:00Z"));
        item.put("version", new AttributeValue().withN("1"));
        return item;
    }

    static AttributeValue s(String v) {
        return new AttributeValue().withS(v);
    }

    static DynamodbStreamRecord record(String eventId, String name, String userId, Map<String, AttributeValue> old,
                                       Map<String, AttributeValue> next, long created, long seq) {
        StreamRecord sr = new StreamRecord();
        sr.setKeys(Map.of("userId", s(userId)));
        if (old != null) {
            sr.setOldImage(old);
        }
        if (next != null) {
            sr.setNewImage(next);
        }
        sr.setSequenceNumber(Long.toString(seq) + "000");
        sr.setApproximateCreationDateTime(new Date(created * 1000));
        sr.setStreamViewType(com.amazonaws.services.lambda.runtime.events.models.dynamodb.StreamViewType.NEW_AND_OLD_IMAGES);
        sr.setSizeBytes(200L);
        DynamodbStreamRecord r = new DynamodbStreamRecord();
        r.setEventID(eventId + "-" + UUID.nameUUIDFromBytes(eventId.getBytes()));
        r.setEventName(name);
        r.setEventSource("aws:dynamodb");
        r.setEventVersion("1.1");
        r.setAwsRegion("us-east-1");
        r.setEventSourceARN(ARN);
        r.setDynamodb(sr);
        return r;
    }

    /** What the reactions see, computed before timing the direct run (that work is not the sinks'). */
    static List<UserChange> changes(List<DynamodbEvent> events) {
        List<UserChange> out = new ArrayList<>();
        for (DynamodbEvent e : events) {
            for (DynamodbStreamRecord r : e.getRecords()) {
                ChangeRecord c = StreamRecordConverter.convert(DynamodbRecordTransformer.toRecordV2(r), ARN);
                out.add(UserChange.of(c));
            }
        }
        return out;
    }

    /** The reactions' sink operations, sent straight to the real sinks on the clients the handler uses. */
    static final class DirectBulk implements AutoCloseable {
        final SdkHttpClient http = UrlConnectionHttpClient.builder().build();
        final DynamoDbClient dynamoDb;
        final SnsClient sns;
        final OpenSearchClient openSearch;
        final IdempotencyStore idempotency;
        final WelcomePublisher publisher;
        final DerivedTablesStore derived;
        final SearchSink search;
        final WelcomeEmailReaction templates;

        DirectBulk(Map<String, String> env) {
            CoreSettings settings = CoreSettings.fromEnvironment(env);
            AwsConnection connection = AwsConnection.fromEnvironment(env);
            dynamoDb = Clients.dynamoDb(connection, http);
            sns = Clients.sns(connection, http);
            openSearch = OpenSearchClients.create(settings.openSearchEndpoint(), connection, http, env);
            idempotency = new DynamoDbIdempotencyStore(dynamoDb, settings.idempotencyTable());
            publisher = new SnsWelcomePublisher(sns, settings.welcomeTopicArn());
            derived = new DynamoDbDerivedTables(dynamoDb, settings.usersTable(), settings.usersByEmailTable(), settings.userStatsTable(),
                    settings.idempotencyTable(), Clock.systemUTC(), DynamoDbDerivedTables.DEFAULT_RETENTION);
            search = new OpenSearchIndexSink(openSearch, IndexDefinition.fromTemplate().withName(settings.openSearchIndex()));
            templates = new WelcomeEmailReaction(idempotency, publisher);
        }

        long run(List<UserChange> changes) {
            // Inputs first (not timed): the messages, the derived updates, the index operations.
            List<String> keys = new ArrayList<>();
            List<WelcomeMessage> messages = new ArrayList<>();
            List<DerivedUpdate> updates = new ArrayList<>(changes.size());
            List<IndexOperation> operations = new ArrayList<>(changes.size());
            for (UserChange c : changes) {
                if (c.kind() == ChangeKind.INSERT) {
                    keys.add(WelcomeEmailReaction.key(c.newUser()));
                    messages.add(templates.message(c.newUser()));
                }
                DerivedUpdate update = DerivedEffects.of(c);
                if (update != null) {
                    updates.add(update);
                }
                operations.add(SearchIndexReaction.operation(c));
            }
            String owner = "bench-" + UUID.randomUUID();
            long start = System.nanoTime();
            // Welcome: per group of 10, the claims in one transaction, one PublishBatch, the marks in one batch write.
            for (int from = 0; from < messages.size(); from += WelcomePublisher.MAX_BATCH) {
                int to = Math.min(messages.size(), from + WelcomePublisher.MAX_BATCH);
                Instant now = Instant.now();
                idempotency.claimAll(keys.subList(from, to), owner, now, now.plusSeconds(30), now.plus(Duration.ofDays(30)));
                publisher.publish(messages.subList(from, to));
                idempotency.completeAll(keys.subList(from, to), now, now.plus(Duration.ofDays(30)));
            }
            // Derived tables: consecutive updates grouped into one transaction (≤ 25 records, ≤ 100 items,
            // cut where an email repeats), as the reaction groups them.
            for (List<DerivedUpdate> group : groups(updates)) {
                if (group.size() < 2 || !derived.applyAll(group)) {
                    group.forEach(derived::apply);
                }
            }
            for (int from = 0; from < operations.size(); from += SearchIndexReaction.DEFAULT_BULK_SIZE) {
                search.bulk(operations.subList(from, Math.min(operations.size(), from + SearchIndexReaction.DEFAULT_BULK_SIZE)));
            }
            return System.nanoTime() - start;
        }

        static List<List<DerivedUpdate>> groups(List<DerivedUpdate> updates) {
            List<List<DerivedUpdate>> groups = new ArrayList<>();
            List<DerivedUpdate> group = new ArrayList<>();
            java.util.Set<String> emails = new java.util.HashSet<>();
            java.util.Set<String> counters = new java.util.HashSet<>();
            int items = 0;
            for (DerivedUpdate u : updates) {
                int newCounters = (int) u.counterDeltas().keySet().stream().filter(k -> !counters.contains(k)).count();
                int cost = 1 + u.mappingPuts().size() + u.mappingDeletes().size() + newCounters;
                boolean collides = u.mappingPuts().stream().anyMatch(emails::contains)
                        || u.mappingDeletes().stream().anyMatch(emails::contains);
                if (!group.isEmpty() && (collides || group.size() == DerivedTablesReaction.MAX_GROUP || items + cost > 100)) {
                    groups.add(group);
                    group = new ArrayList<>();
                    emails.clear();
                    counters.clear();
                    items = 0;
                    cost = 1 + u.mappingPuts().size() + u.mappingDeletes().size() + u.counterDeltas().size();
                }
                group.add(u);
                emails.addAll(u.mappingPuts());
                emails.addAll(u.mappingDeletes());
                counters.addAll(u.counterDeltas().keySet());
                items += cost;
            }
            if (!group.isEmpty()) {
                groups.add(group);
            }
            return groups;
        }

        @Override
        public void close() {
            OpenSearchClients.close(openSearch);
            sns.close();
            dynamoDb.close();
            http.close();
        }
    }
}
