package io.userstreams.kcl;

import io.userstreams.core.effects.EffectsReader;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.stream.Collectors;
import org.opensearch.client.opensearch.OpenSearchClient;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.Message;
import software.amazon.awssdk.services.sqs.model.MessageAttributeValue;

/** Writes users the way a writer would (version attribute, conditional writes) and reads effects. */
final class TestUsers {

    static final List<String> PLANS = List.of("free", "pro", "enterprise");
    static final List<String> COUNTRIES = List.of("KR", "US", "DE", "BR");

    private TestUsers() {
    }

    static Map<String, AttributeValue> user(String id, int n, int version) {
        Map<String, AttributeValue> item = new HashMap<>();
        item.put("userId", AttributeValue.fromS(id));
        item.put("email", AttributeValue.fromS(id + "@example.com"));
        item.put("name", AttributeValue.fromS("User " + n));
        item.put("plan", AttributeValue.fromS(PLANS.get((n + version - 1) % PLANS.size())));
        item.put("country", AttributeValue.fromS(COUNTRIES.get(n % COUNTRIES.size())));
        item.put("locale", AttributeValue.fromS(n % 2 == 0 ? "en" : "ko"));
        item.put("createdAt", AttributeValue.fromS(Instant.parse("2026-11-25T00:00:00Z").plusSeconds(n).toString()));
        item.put("version", AttributeValue.fromN(Integer.toString(version)));
        return item;
    }

    static void insert(DynamoDbClient ddb, String table, String id, int n) {
        ddb.putItem(b -> b.tableName(table).item(user(id, n, 1)).conditionExpression("attribute_not_exists(userId)"));
    }

    /** Bumps the version and moves the user to the next plan (a relevant change for every reaction). */
    static void update(DynamoDbClient ddb, String table, String id, int n, int newVersion) {
        ddb.putItem(b -> b.tableName(table).item(user(id, n, newVersion))
                .conditionExpression("version = :v")
                .expressionAttributeValues(Map.of(":v", AttributeValue.fromN(Integer.toString(newVersion - 1)))));
    }

    static void delete(DynamoDbClient ddb, String table, String id) {
        ddb.deleteItem(b -> b.tableName(table).key(Map.of("userId", AttributeValue.fromS(id))));
    }

    static List<Map<String, AttributeValue>> scan(DynamoDbClient ddb, String table) {
        return ddb.scanPaginator(b -> b.tableName(table).consistentRead(true)).items().stream().toList();
    }

    /** userId → how many welcome messages the queue delivered (drains it; deletes what it reads). */
    static void drainWelcomes(SqsClient sqs, String queueUrl, Map<String, Integer> counts) {
        while (true) {
            List<Message> msgs = sqs.receiveMessage(b -> b.queueUrl(queueUrl).maxNumberOfMessages(10)
                    .messageAttributeNames("All").waitTimeSeconds(0)).messages();
            if (msgs.isEmpty()) {
                return;
            }
            for (Message m : msgs) {
                MessageAttributeValue v = m.messageAttributes().get("userId");
                counts.merge(v == null ? "?" : v.stringValue(), 1, Integer::sum);
                sqs.deleteMessage(b -> b.queueUrl(queueUrl).receiptHandle(m.receiptHandle()));
            }
        }
    }

    /** statKey → count, non-zero only (the shared reader's). */
    static Map<String, Long> stats(DynamoDbClient ddb, String table) {
        return new EffectsReader(ddb, null, null, null, table, null).nonZeroStats();
    }

    /** The counters the live users and the deletions imply (plan/country by the shared reader's rule). */
    static Map<String, Long> expectedStats(List<Map<String, AttributeValue>> users, int deleted) {
        Map<String, Long> out = new TreeMap<>(EffectsReader.expectedCounts(
                users.stream().map(io.userstreams.core.user.UserItems::fromItem).toList()));
        if (deleted > 0) {
            out.put("total#deleted", (long) deleted);
        }
        return out;
    }

    /** users_by_email as email → userId (the shared reader's). */
    static Map<String, String> emailIndex(DynamoDbClient ddb, String table) {
        return new EffectsReader(ddb, null, null, table, null, null).usersByEmail();
    }

    /** id → version of every live user in the index (delete tombstones, kept against replays, left out). */
    @SuppressWarnings({"unchecked", "rawtypes"})
    static Map<String, Long> indexVersions(OpenSearchClient os, String index) throws Exception {
        os.indices().refresh(r -> r.index(index));
        var resp = os.search(s -> s.index(index).size(10_000).version(true).query(q -> q.matchAll(m -> m)), Map.class);
        Map<String, Long> out = new TreeMap<>();
        resp.hits().hits().stream()
                .filter(h -> h.source() == null || !Boolean.TRUE.equals(((Map<String, Object>) h.source()).get("deleted")))
                .forEach(h -> out.put(h.id(), h.version()));
        return out;
    }

    /** id → the external version the index must hold: createdAt millis × 2^20 + version (core's scheme). */
    static Map<String, Long> tableVersions(List<Map<String, AttributeValue>> users) {
        Map<String, Long> out = new TreeMap<>();
        users.forEach(u -> out.put(u.get("userId").s(),
                (Instant.parse(u.get("createdAt").s()).toEpochMilli() << 20) + Long.parseLong(u.get("version").n())));
        return out;
    }

    static void await(String what, long timeoutMs, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMs);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out after " + timeoutMs + " ms waiting for " + what);
            }
            Thread.sleep(200);
        }
    }

    static Set<String> ids(List<Map<String, AttributeValue>> users) {
        return users.stream().map(u -> u.get("userId").s()).collect(Collectors.toSet());
    }

}
