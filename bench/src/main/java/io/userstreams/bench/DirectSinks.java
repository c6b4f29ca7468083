package io.userstreams.bench;

import io.userstreams.core.change.ChangeKind;
import io.userstreams.core.config.CoreSettings;
import io.userstreams.core.derived.DerivedEffects;
import io.userstreams.core.derived.DerivedUpdate;
import io.userstreams.core.reaction.UserChange;
import io.userstreams.core.search.IndexOperation;
import io.userstreams.core.search.SearchIndexReaction;
import io.userstreams.core.welcome.IdempotencyStore;
import io.userstreams.core.welcome.WelcomeEmailReaction;
import io.userstreams.core.welcome.WelcomeMessage;
import io.userstreams.core.welcome.WelcomePublisher;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import software.amazon.awssdk.http.apache5.Apache5HttpClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.TransactWriteItem;

/**
 * The sinks' own limit (run d): the effects of every change written straight to the sinks in
 * batches, with no stream and no idempotency: per batch of {@value #BATCH} changes, welcome messages
 * in PublishBatch calls of 10, the email mappings (conditional puts and deletes) and the counters
 * in TransactWriteItems of up to 100 items, the counters folded per batch (one ADD per key), and one OpenSearch bulk (external
 * versions). Changes are split into {@value #LANES} lanes by userId (as the consumer's PARALLELISM),
 * each lane in order.
 */
final class DirectSinks implements AutoCloseable {

    static final int BATCH = 500;
    static final int LANES = 4;

    private final SinkClients clients;
    private final WelcomeEmailReaction templates;
    private final String usersByEmail;
    private final String userStats;

    DirectSinks(Map<String, String> env) {
        CoreSettings settings = CoreSettings.fromEnvironment(env);
        clients = new SinkClients(env, Apache5HttpClient.builder().maxConnections(32).build());
        templates = new WelcomeEmailReaction(unusedStore(), clients.publisher);
        usersByEmail = settings.usersByEmailTable();
        userStats = settings.userStatsTable();
    }

    /** Writes every change's effects; returns the wall time. */
    Duration run(List<UserChange> changes) throws Exception {
        List<List<UserChange>> lanes = new ArrayList<>();
        for (int i = 0; i < LANES; i++) {
            lanes.add(new ArrayList<>());
        }
        for (UserChange c : changes) {
            lanes.get(Math.floorMod(c.userId().hashCode(), LANES)).add(c);
        }
        ExecutorService pool = Executors.newFixedThreadPool(LANES);
        long start = System.nanoTime();
        try {
            List<Future<?>> futures = new ArrayList<>();
            for (List<UserChange> lane : lanes) {
                futures.add(pool.submit(() -> {
                    for (int from = 0; from < lane.size(); from += BATCH) {
                        batch(lane.subList(from, Math.min(lane.size(), from + BATCH)));
                    }
                    return null;
                }));
            }
            for (Future<?> f : futures) {
                f.get();
            }
        } finally {
            pool.shutdown();
        }
        return Duration.ofNanos(System.nanoTime() - start);
    }

    private void batch(List<UserChange> changes) {
        List<WelcomeMessage> messages = new ArrayList<>();
        List<IndexOperation> operations = new ArrayList<>(changes.size());
        // One operation per address in a transaction: the last change of an address in the batch wins.
        Map<String, TransactWriteItem> mappings = new LinkedHashMap<>();
        Map<String, Long> counters = new LinkedHashMap<>();
        for (UserChange c : changes) {
            if (c.kind() == ChangeKind.INSERT) {
                messages.add(templates.message(c.newUser()));
            }
            DerivedUpdate u = DerivedEffects.of(c);
            if (u != null) {
                u.mappingPuts().forEach(email -> mappings.put(email, TransactWriteItem.builder().put(p -> p.tableName(usersByEmail)
                        .item(Map.of("email", AttributeValue.fromS(email), "userId", AttributeValue.fromS(u.userId())))
                        .conditionExpression("attribute_not_exists(email) OR userId = :userId")
                        .expressionAttributeValues(Map.of(":userId", AttributeValue.fromS(u.userId())))).build()));
                u.mappingDeletes().forEach(email -> mappings.put(email, TransactWriteItem.builder().delete(d -> d.tableName(usersByEmail)
                        .key(Map.of("email", AttributeValue.fromS(email)))
                        .conditionExpression("attribute_not_exists(email) OR userId = :userId")
                        .expressionAttributeValues(Map.of(":userId", AttributeValue.fromS(u.userId())))).build()));
                u.counterDeltas().forEach((k, d) -> counters.merge(k, d, Long::sum));
            }
            operations.add(SearchIndexReaction.operation(c));
        }
        for (int from = 0; from < messages.size(); from += WelcomePublisher.MAX_BATCH) {
            clients.publisher.publish(messages.subList(from, Math.min(messages.size(), from + WelcomePublisher.MAX_BATCH)));
        }
        List<TransactWriteItem> mappingItems = new ArrayList<>(mappings.values());
        for (int from = 0; from < mappingItems.size(); from += 100) {
            List<TransactWriteItem> chunk = mappingItems.subList(from, Math.min(mappingItems.size(), from + 100));
            clients.dynamoDb.transactWriteItems(b -> b.transactItems(chunk));
        }
        // Counters folded per batch; a plain ADD each (lanes share the keys: transactions would conflict).
        counters.forEach((k, d) -> {
            if (d != 0) {
                clients.dynamoDb.updateItem(up -> up.tableName(userStats).key(Map.of("statKey", AttributeValue.fromS(k)))
                        .updateExpression("ADD #count :delta").expressionAttributeNames(Map.of("#count", "count"))
                        .expressionAttributeValues(Map.of(":delta", AttributeValue.fromN(Long.toString(d)))));
            }
        });
        clients.search.bulk(operations);
    }

    private static IdempotencyStore unusedStore() {
        return new IdempotencyStore() {
            @Override
            public ClaimStatus claim(String key, String owner, java.time.Instant now, java.time.Instant leaseUntil,
                                     java.time.Instant expiresAt) {
                throw new UnsupportedOperationException("the direct run claims nothing");
            }

            @Override
            public void complete(String key, java.time.Instant now, java.time.Instant expiresAt) {
                throw new UnsupportedOperationException("the direct run claims nothing");
            }

            @Override
            public void release(String key, String owner) {
                throw new UnsupportedOperationException("the direct run claims nothing");
            }
        };
    }

    @Override
    public void close() {
        clients.close();
    }
}
