package io.userstreams.mail;

import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.ConditionalCheckFailedException;
import software.amazon.awssdk.services.dynamodb.model.ReturnValuesOnConditionCheckFailure;

/**
 * The sender's own idempotency: one item per welcome key in the sends table.
 * <ol>
 *   <li>{@link #claim}: PutItem IN_PROGRESS with a lease and a fresh token, on condition that no item
 *       exists or the existing one is IN_PROGRESS with an expired lease (its sender died);</li>
 *   <li>SES SendEmail;</li>
 *   <li>{@link #finish}: SENT (with the SES message id) / REJECTED / SKIPPED, kept {@code retention}
 *       (TTL attribute {@code expiresAt}), on condition that the token is still ours.</li>
 * </ol>
 * A crash between 2 and 3 leaves IN_PROGRESS: once the lease expires a redelivery claims again and
 * sends a second mail. That window — SES accepted, claim not yet finished — is the one duplicate
 * the design allows; it is as long as the process takes to write one item (milliseconds) and only
 * matters if the process dies exactly there.
 */
public final class SendClaims {

    public enum Status { IN_PROGRESS, SENT, REJECTED, SKIPPED }

    /** The result of a claim: ours, or what someone else recorded. */
    public record Claim(boolean claimed, Status existing, String token, String reason) {
        static Claim ours(String token) {
            return new Claim(true, Status.IN_PROGRESS, token, null);
        }
    }

    private final DynamoDbClient dynamoDb;
    private final String table;
    private final Duration lease;
    private final Duration retention;

    public SendClaims(DynamoDbClient dynamoDb, String table, Duration lease, Duration retention) {
        this.dynamoDb = dynamoDb;
        this.table = table;
        this.lease = lease;
        this.retention = retention;
    }

    public Claim claim(String welcomeKey, String userId, Instant now) {
        String token = java.util.UUID.randomUUID().toString();
        try {
            dynamoDb.putItem(r -> r.tableName(table)
                    .item(Map.of(
                            "welcomeKey", s(welcomeKey),
                            "userId", s(userId),
                            "status", s(Status.IN_PROGRESS.name()),
                            "token", s(token),
                            "leaseUntil", n(now.plus(lease).getEpochSecond()),
                            "expiresAt", n(now.plus(retention).getEpochSecond())))
                    .conditionExpression("attribute_not_exists(welcomeKey) OR (#s = :inProgress AND leaseUntil < :now)")
                    .expressionAttributeNames(Map.of("#s", "status"))
                    .expressionAttributeValues(Map.of(":inProgress", s(Status.IN_PROGRESS.name()),
                            ":now", n(now.getEpochSecond())))
                    .returnValuesOnConditionCheckFailure(ReturnValuesOnConditionCheckFailure.ALL_OLD));
            return Claim.ours(token);
        } catch (ConditionalCheckFailedException e) {
            Map<String, AttributeValue> old = e.hasItem() ? e.item() : Map.of();
            if (old.isEmpty()) {
                // Older servers do not return the item: read it.
                old = dynamoDb.getItem(r -> r.tableName(table).key(Map.of("welcomeKey", s(welcomeKey)))
                        .consistentRead(true)).item();
            }
            Status status = old == null || !old.containsKey("status") ? Status.IN_PROGRESS
                    : Status.valueOf(old.get("status").s());
            String reason = old != null && old.containsKey("reason") ? old.get("reason").s() : null;
            return new Claim(false, status, null, reason);
        }
    }

    /**
     * Records the outcome. Returns false when the claim was no longer ours (our lease expired and
     * another delivery took it over): the record then stays as that delivery writes it.
     */
    public boolean finish(String welcomeKey, String token, Status status, String reason, String sesMessageId, Instant now) {
        StringBuilder update = new StringBuilder("SET #s = :status, finishedAt = :now, expiresAt = :expires REMOVE leaseUntil");
        Map<String, AttributeValue> values = new java.util.HashMap<>(Map.of(
                ":status", s(status.name()),
                ":now", s(now.toString()),
                ":expires", n(now.plus(retention).getEpochSecond()),
                ":token", s(token)));
        if (reason != null) {
            update.insert("SET ".length(), "reason = :reason, ");
            values.put(":reason", s(reason));
        }
        if (sesMessageId != null) {
            update.insert("SET ".length(), "sesMessageId = :mid, ");
            values.put(":mid", s(sesMessageId));
        }
        try {
            dynamoDb.updateItem(r -> r.tableName(table).key(Map.of("welcomeKey", s(welcomeKey)))
                    .updateExpression(update.toString())
                    .conditionExpression("#t = :token")
                    .expressionAttributeNames(Map.of("#s", "status", "#t", "token"))
                    .expressionAttributeValues(values));
            return true;
        } catch (ConditionalCheckFailedException e) {
            return false;
        }
    }

    /** Gives a claim back after a systemic failure (nothing was sent), so the retry needs no lease wait. */
    public void release(String welcomeKey, String token) {
        try {
            dynamoDb.deleteItem(r -> r.tableName(table).key(Map.of("welcomeKey", s(welcomeKey)))
                    .conditionExpression("#t = :token AND #s = :inProgress")
                    .expressionAttributeNames(Map.of("#t", "token", "#s", "status"))
                    .expressionAttributeValues(Map.of(":token", s(token), ":inProgress", s(Status.IN_PROGRESS.name()))));
        } catch (ConditionalCheckFailedException e) {
            // taken over meanwhile: theirs now
        }
    }

    /** {@link #release}, never throwing: the lease expires anyway. */
    public void releaseQuietly(String welcomeKey, String token) {
        try {
            release(welcomeKey, token);
        } catch (RuntimeException e) {
            // the lease expires on its own
        }
    }

    private static AttributeValue s(String v) {
        return AttributeValue.fromS(v);
    }

    private static AttributeValue n(long v) {
        return AttributeValue.fromN(Long.toString(v));
    }
}
