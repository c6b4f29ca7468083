package io.userstreams.core.welcome;

import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.ConditionalCheckFailedException;
import software.amazon.awssdk.services.dynamodb.model.ReturnValuesOnConditionCheckFailure;

/**
 * The idempotency table ({@code idempotencyKey} S, TTL {@code expiresAt}). Attributes:
 * {@code status} IN_PROGRESS|COMPLETED, {@code owner}, {@code leaseExpiresAt} (epoch millis),
 * {@code expiresAt} (epoch seconds, the table's TTL).
 */
public final class DynamoDbIdempotencyStore implements IdempotencyStore {

    static final String IN_PROGRESS = "IN_PROGRESS";
    static final String COMPLETED = "COMPLETED";
    private static final String CLAIM_CONDITION = "attribute_not_exists(idempotencyKey) OR "
            + "(#status = :inProgress AND (leaseExpiresAt < :now OR #owner = :owner))";

    private final DynamoDbClient dynamoDb;
    private final String table;

    public DynamoDbIdempotencyStore(DynamoDbClient dynamoDb, String table) {
        this.dynamoDb = dynamoDb;
        this.table = table;
    }

    @Override
    public ClaimStatus claim(String key, String owner, Instant now, Instant leaseUntil, Instant expiresAt) {
        Map<String, AttributeValue> item = new HashMap<>();
        item.put("idempotencyKey", AttributeValue.fromS(key));
        item.put("status", AttributeValue.fromS(IN_PROGRESS));
        item.put("owner", AttributeValue.fromS(owner));
        item.put("claimedAt", AttributeValue.fromS(now.toString()));
        item.put("leaseExpiresAt", AttributeValue.fromN(Long.toString(leaseUntil.toEpochMilli())));
        item.put("expiresAt", AttributeValue.fromN(Long.toString(expiresAt.getEpochSecond())));
        try {
            dynamoDb.putItem(b -> b.tableName(table).item(item).conditionExpression(CLAIM_CONDITION)
                    .expressionAttributeNames(Map.of("#status", "status", "#owner", "owner"))
                    .expressionAttributeValues(Map.of(
                            ":inProgress", AttributeValue.fromS(IN_PROGRESS),
                            ":now", AttributeValue.fromN(Long.toString(now.toEpochMilli())),
                            ":owner", AttributeValue.fromS(owner)))
                    .returnValuesOnConditionCheckFailure(ReturnValuesOnConditionCheckFailure.ALL_OLD));
            return ClaimStatus.CLAIMED;
        } catch (ConditionalCheckFailedException e) {
            Map<String, AttributeValue> existing = e.hasItem() ? e.item() : null;
            if (existing == null || existing.isEmpty()) {
                existing = dynamoDb.getItem(b -> b.tableName(table).consistentRead(true)
                        .key(Map.of("idempotencyKey", AttributeValue.fromS(key)))).item();
            }
            AttributeValue status = existing == null ? null : existing.get("status");
            return status != null && COMPLETED.equals(status.s()) ? ClaimStatus.COMPLETED : ClaimStatus.IN_PROGRESS;
        }
    }

    @Override
    public void complete(String key, Instant now, Instant expiresAt) {
        dynamoDb.putItem(b -> b.tableName(table).item(Map.of(
                "idempotencyKey", AttributeValue.fromS(key),
                "status", AttributeValue.fromS(COMPLETED),
                "completedAt", AttributeValue.fromS(now.toString()),
                "expiresAt", AttributeValue.fromN(Long.toString(expiresAt.getEpochSecond())))));
    }

    @Override
    public void release(String key, String owner) {
        try {
            dynamoDb.updateItem(b -> b.tableName(table)
                    .key(Map.of("idempotencyKey", AttributeValue.fromS(key)))
                    .updateExpression("SET leaseExpiresAt = :zero")
                    .conditionExpression("#status = :inProgress AND #owner = :owner")
                    .expressionAttributeNames(Map.of("#status", "status", "#owner", "owner"))
                    .expressionAttributeValues(Map.of(":zero", AttributeValue.fromN("0"),
                            ":inProgress", AttributeValue.fromS(IN_PROGRESS),
                            ":owner", AttributeValue.fromS(owner))));
        } catch (ConditionalCheckFailedException e) {
            // Someone else holds or completed it: nothing to release.
        }
    }
}
