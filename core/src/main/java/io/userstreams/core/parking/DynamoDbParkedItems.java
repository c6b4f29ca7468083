package io.userstreams.core.parking;

import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.KeysAndAttributes;

/**
 * Park marks in the idempotency table: {@code idempotencyKey = parked#<scope>#<userId>}, with
 * {@code parkedAt}, the first parked {@code eventId}, and {@code expiresAt} (the table's TTL) after
 * the dead-letter queue's 14-day retention, so a mark never outlives its letters by much.
 */
public final class DynamoDbParkedItems implements ParkedItems {

    /** SQS keeps the dead letters 14 days (template.yaml MessageRetentionPeriod). */
    static final Duration MARK_LIFETIME = Duration.ofDays(15);
    private static final String PREFIX = "parked#";

    private final DynamoDbClient dynamoDb;
    private final String table;
    private final String scope;
    private final Clock clock;

    /** @param scope the reactions the parking runtime runs, e.g. {@code welcome-email} */
    public DynamoDbParkedItems(DynamoDbClient dynamoDb, String table, String scope, Clock clock) {
        this.dynamoDb = dynamoDb;
        this.table = table;
        this.scope = scope;
        this.clock = clock;
    }

    private String key(String userId) {
        return PREFIX + scope + "#" + userId;
    }

    @Override
    public Set<String> parkedAmong(Collection<String> userIds) {
        Set<String> out = new HashSet<>();
        List<String> ids = new ArrayList<>(new LinkedHashSet<>(userIds));
        for (int from = 0; from < ids.size(); from += 100) {
            List<Map<String, AttributeValue>> keys = new ArrayList<>();
            for (String id : ids.subList(from, Math.min(ids.size(), from + 100))) {
                keys.add(Map.of("idempotencyKey", AttributeValue.fromS(key(id))));
            }
            Map<String, KeysAndAttributes> request = Map.of(table, KeysAndAttributes.builder().keys(keys)
                    .consistentRead(true).projectionExpression("idempotencyKey").build());
            while (!request.isEmpty()) {
                Map<String, KeysAndAttributes> r = request;
                var response = dynamoDb.batchGetItem(b -> b.requestItems(r));
                for (Map<String, AttributeValue> item : response.responses().getOrDefault(table, List.of())) {
                    out.add(item.get("idempotencyKey").s().substring(key("").length()));
                }
                request = response.hasUnprocessedKeys() ? response.unprocessedKeys() : Map.of();
            }
        }
        return out;
    }

    @Override
    public void markParked(String userId, String eventId) {
        long now = clock.instant().getEpochSecond();
        dynamoDb.updateItem(b -> b.tableName(table)
                .key(Map.of("idempotencyKey", AttributeValue.fromS(key(userId))))
                .updateExpression("SET parkedAt = if_not_exists(parkedAt, :now), firstEventId = "
                        + "if_not_exists(firstEventId, :event), expiresAt = :expires")
                .expressionAttributeValues(Map.of(
                        ":now", AttributeValue.fromN(Long.toString(now)),
                        ":event", AttributeValue.fromS(eventId),
                        ":expires", AttributeValue.fromN(Long.toString(now + MARK_LIFETIME.toSeconds())))));
    }

    @Override
    public void clear(String userId) {
        dynamoDb.deleteItem(b -> b.tableName(table).key(Map.of("idempotencyKey", AttributeValue.fromS(key(userId)))));
    }

    @Override
    public Set<String> all() {
        Set<String> out = new HashSet<>();
        String prefix = key("");
        Map<String, AttributeValue> start = null;
        do {
            Map<String, AttributeValue> from = start;
            var r = dynamoDb.scan(b -> b.tableName(table).consistentRead(true)
                    .filterExpression("begins_with(idempotencyKey, :p)")
                    .expressionAttributeValues(Map.of(":p", AttributeValue.fromS(prefix)))
                    .exclusiveStartKey(from));
            r.items().forEach(i -> out.add(i.get("idempotencyKey").s().substring(prefix.length())));
            start = r.hasLastEvaluatedKey() && !r.lastEvaluatedKey().isEmpty() ? r.lastEvaluatedKey() : null;
        } while (start != null);
        return out;
    }
}
