package io.userstreams.core.welcome;

import io.userstreams.core.failure.SystemicFailureException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.ConditionalCheckFailedException;
import software.amazon.awssdk.services.dynamodb.model.ReturnValuesOnConditionCheckFailure;
import software.amazon.awssdk.services.dynamodb.model.TransactWriteItem;
import software.amazon.awssdk.services.dynamodb.model.TransactionCanceledException;
import software.amazon.awssdk.services.dynamodb.model.WriteRequest;

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
        Map<String, AttributeValue> item = claimItem(key, owner, now, leaseUntil, expiresAt);
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

    /**
     * All claims in one TransactWriteItems when every key is free (the common case: new users);
     * when any claim's condition fails nothing was written, so it falls back to one claim at a time
     * to learn each key's status.
     */
    @Override
    public List<ClaimStatus> claimAll(List<String> keys, String owner, Instant now, Instant leaseUntil,
                                      Instant expiresAt) {
        if (keys.size() < 2 || keys.size() > 100 || new HashSet<>(keys).size() != keys.size()) {
            return IdempotencyStore.super.claimAll(keys, owner, now, leaseUntil, expiresAt);
        }
        List<TransactWriteItem> items = new ArrayList<>(keys.size());
        Map<String, String> names = Map.of("#status", "status", "#owner", "owner");
        Map<String, AttributeValue> values = Map.of(
                ":inProgress", AttributeValue.fromS(IN_PROGRESS),
                ":now", AttributeValue.fromN(Long.toString(now.toEpochMilli())),
                ":owner", AttributeValue.fromS(owner));
        for (String key : keys) {
            Map<String, AttributeValue> item = claimItem(key, owner, now, leaseUntil, expiresAt);
            items.add(TransactWriteItem.builder().put(p -> p.tableName(table).item(item)
                    .conditionExpression(CLAIM_CONDITION).expressionAttributeNames(names)
                    .expressionAttributeValues(values)).build());
        }
        try {
            dynamoDb.transactWriteItems(b -> b.transactItems(items));
            return Collections.nCopies(keys.size(), ClaimStatus.CLAIMED);
        } catch (TransactionCanceledException e) {
            boolean conditionFailed = e.hasCancellationReasons() && e.cancellationReasons().stream()
                    .anyMatch(r -> "ConditionalCheckFailed".equals(r.code()));
            if (!conditionFailed) {
                throw e;
            }
            return IdempotencyStore.super.claimAll(keys, owner, now, leaseUntil, expiresAt);
        }
    }

    /** Marks with BatchWriteItem (25 per call), retrying unprocessed items briefly. */
    @Override
    public void completeAll(List<String> keys, Instant now, Instant expiresAt) {
        if (keys.size() < 2) {
            IdempotencyStore.super.completeAll(keys, now, expiresAt);
            return;
        }
        for (int from = 0; from < keys.size(); from += 25) {
            List<WriteRequest> writes = new ArrayList<>();
            for (String key : new LinkedHashSet<>(keys.subList(from, Math.min(keys.size(), from + 25)))) {
                writes.add(WriteRequest.builder().putRequest(p -> p.item(completedItem(key, now, expiresAt))).build());
            }
            Map<String, List<WriteRequest>> pending = Map.of(table, writes);
            for (int attempt = 0; !pending.isEmpty(); attempt++) {
                if (attempt == 5) {
                    throw new SystemicFailureException("UnprocessedItems",
                            "DynamoDB left welcome completion marks unprocessed after 5 attempts", null);
                }
                if (attempt > 0) {
                    sleepQuietly(20L << attempt);
                }
                Map<String, List<WriteRequest>> request = pending;
                var response = dynamoDb.batchWriteItem(b -> b.requestItems(request));
                pending = response.hasUnprocessedItems() ? response.unprocessedItems() : Map.of();
                pending = pending.isEmpty() || pending.values().stream().allMatch(List::isEmpty) ? Map.of() : pending;
            }
        }
    }

    private static void sleepQuietly(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new SystemicFailureException("Interrupted", "interrupted while marking welcomes", e);
        }
    }

    private static Map<String, AttributeValue> completedItem(String key, Instant now, Instant expiresAt) {
        return Map.of(
                "idempotencyKey", AttributeValue.fromS(key),
                "status", AttributeValue.fromS(COMPLETED),
                "completedAt", AttributeValue.fromS(now.toString()),
                "expiresAt", AttributeValue.fromN(Long.toString(expiresAt.getEpochSecond())));
    }

    private static Map<String, AttributeValue> claimItem(String key, String owner, Instant now, Instant leaseUntil,
                                                         Instant expiresAt) {
        Map<String, AttributeValue> item = new HashMap<>();
        item.put("idempotencyKey", AttributeValue.fromS(key));
        item.put("status", AttributeValue.fromS(IN_PROGRESS));
        item.put("owner", AttributeValue.fromS(owner));
        item.put("claimedAt", AttributeValue.fromS(now.toString()));
        item.put("leaseExpiresAt", AttributeValue.fromN(Long.toString(leaseUntil.toEpochMilli())));
        item.put("expiresAt", AttributeValue.fromN(Long.toString(expiresAt.getEpochSecond())));
        return item;
    }

    @Override
    public void complete(String key, Instant now, Instant expiresAt) {
        dynamoDb.putItem(b -> b.tableName(table).item(completedItem(key, now, expiresAt)));
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
