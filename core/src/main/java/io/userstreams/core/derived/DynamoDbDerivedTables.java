package io.userstreams.core.derived;

import io.userstreams.core.failure.RecordFailureException;
import io.userstreams.core.failure.SystemicFailureException;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.CancellationReason;
import software.amazon.awssdk.services.dynamodb.model.TransactWriteItem;
import software.amazon.awssdk.services.dynamodb.model.TransactionCanceledException;

/**
 * Derived tables in DynamoDB: one TransactWriteItems per change = claim (idempotency table,
 * {@code attribute_not_exists}, TTL {@code expiresAt} ≥ 7 days) + mapping puts + conditional
 * mapping deletes + {@code ADD count} per stat key.
 */
public final class DynamoDbDerivedTables implements DerivedTablesStore {

    /**
     * Claims outlive the stream (24 h) and the dead-letter queue's 14-day retention, so neither a
     * redelivery nor a redrive of a dead letter can count a change twice.
     */
    public static final Duration DEFAULT_RETENTION = Duration.ofDays(15);
    private static final String CONDITIONAL_CHECK_FAILED = "ConditionalCheckFailed";

    private final DynamoDbClient dynamoDb;
    private final String usersByEmailTable;
    private final String userStatsTable;
    private final String idempotencyTable;
    private final Clock clock;
    private final Duration retention;

    public DynamoDbDerivedTables(DynamoDbClient dynamoDb, String usersByEmailTable, String userStatsTable,
                                 String idempotencyTable, Clock clock, Duration retention) {
        this.dynamoDb = dynamoDb;
        this.usersByEmailTable = usersByEmailTable;
        this.userStatsTable = userStatsTable;
        this.idempotencyTable = idempotencyTable;
        this.clock = clock;
        this.retention = retention;
        if (retention.compareTo(Duration.ofDays(7)) < 0) {
            throw new IllegalArgumentException("derived claim retention must be at least 7 days");
        }
    }

    @Override
    public Outcome apply(DerivedUpdate update) {
        DerivedUpdate current = update;
        while (true) {
            List<TransactWriteItem> items = items(current);
            try {
                dynamoDb.transactWriteItems(b -> b.transactItems(items));
                return Outcome.APPLIED;
            } catch (TransactionCanceledException e) {
                List<CancellationReason> reasons = e.hasCancellationReasons() ? e.cancellationReasons() : List.of();
                if (!reasons.isEmpty() && CONDITIONAL_CHECK_FAILED.equals(reasons.get(0).code())) {
                    return Outcome.ALREADY_APPLIED;
                }
                boolean mappingDeleteFailed = false;
                for (int i = 1; i < reasons.size(); i++) {
                    String code = reasons.get(i).code();
                    if (CONDITIONAL_CHECK_FAILED.equals(code)) {
                        mappingDeleteFailed = true;
                    } else if ("ValidationError".equals(code)) {
                        throw new RecordFailureException("ValidationError", "DynamoDB rejected the derived update for user "
                                + update.userId() + ": " + reasons.get(i).message(), e);
                    }
                }
                if (mappingDeleteFailed && !current.mappingDeletes().isEmpty()) {
                    // The old email now belongs to another user: keep their mapping, apply the rest.
                    current = current.withoutMappingDeletes();
                    continue;
                }
                String codes = reasons.stream().map(CancellationReason::code).toList().toString();
                throw new SystemicFailureException("TransactionCanceled",
                        "derived update for user " + update.userId() + " was cancelled: " + codes, e);
            }
        }
    }

    @Override
    public boolean applyAll(List<DerivedUpdate> updates) {
        if (updates.size() < 2) {
            return false;
        }
        long expiresAt = clock.instant().plus(retention).getEpochSecond();
        List<TransactWriteItem> items = new ArrayList<>();
        Map<String, Long> deltas = new LinkedHashMap<>();
        for (DerivedUpdate u : updates) {
            items.add(claim(u, expiresAt));
            u.counterDeltas().forEach((k, d) -> deltas.merge(k, d, Long::sum));
        }
        for (DerivedUpdate u : updates) {
            mappingItems(u, items);
        }
        deltas.forEach((k, d) -> {
            if (d != 0) {
                items.add(counter(k, d));
            }
        });
        if (items.size() > 100) {
            return false;
        }
        try {
            dynamoDb.transactWriteItems(b -> b.transactItems(items));
            return true;
        } catch (TransactionCanceledException e) {
            List<CancellationReason> reasons = e.hasCancellationReasons() ? e.cancellationReasons() : List.of();
            boolean conditional = reasons.stream().anyMatch(r -> CONDITIONAL_CHECK_FAILED.equals(r.code())
                    || "ValidationError".equals(r.code()));
            if (conditional) {
                return false; // a redelivered record or a foreign mapping: sort it out one record at a time
            }
            String codes = reasons.stream().map(CancellationReason::code).toList().toString();
            throw new SystemicFailureException("TransactionCanceled",
                    "derived update of " + updates.size() + " records was cancelled: " + codes, e);
        }
    }

    private TransactWriteItem claim(DerivedUpdate u, long expiresAt) {
        return TransactWriteItem.builder().put(p -> p.tableName(idempotencyTable)
                .item(Map.of("idempotencyKey", AttributeValue.fromS(u.claimKey()),
                        "status", AttributeValue.fromS("COMPLETED"),
                        "expiresAt", AttributeValue.fromN(Long.toString(expiresAt))))
                .conditionExpression("attribute_not_exists(idempotencyKey)")).build();
    }

    private void mappingItems(DerivedUpdate u, List<TransactWriteItem> items) {
        for (String email : u.mappingPuts()) {
            items.add(TransactWriteItem.builder().put(p -> p.tableName(usersByEmailTable)
                    .item(Map.of("email", AttributeValue.fromS(email), "userId", AttributeValue.fromS(u.userId()))))
                    .build());
        }
        for (String email : u.mappingDeletes()) {
            items.add(TransactWriteItem.builder().delete(d -> d.tableName(usersByEmailTable)
                    .key(Map.of("email", AttributeValue.fromS(email)))
                    .conditionExpression("attribute_not_exists(email) OR userId = :userId")
                    .expressionAttributeValues(Map.of(":userId", AttributeValue.fromS(u.userId())))).build());
        }
    }

    private TransactWriteItem counter(String key, long delta) {
        return TransactWriteItem.builder().update(up -> up
                .tableName(userStatsTable)
                .key(Map.of("statKey", AttributeValue.fromS(key)))
                .updateExpression("ADD #count :delta")
                .expressionAttributeNames(Map.of("#count", "count"))
                .expressionAttributeValues(Map.of(":delta", AttributeValue.fromN(Long.toString(delta))))).build();
    }

    private List<TransactWriteItem> items(DerivedUpdate u) {
        List<TransactWriteItem> items = new ArrayList<>(2 + u.mappingPuts().size() + u.mappingDeletes().size()
                + u.counterDeltas().size());
        // Index 0 is always the claim: the cancellation reasons are read by position.
        items.add(claim(u, clock.instant().plus(retention).getEpochSecond()));
        mappingItems(u, items);
        u.counterDeltas().forEach((key, delta) -> items.add(counter(key, delta)));
        return items;
    }
}
