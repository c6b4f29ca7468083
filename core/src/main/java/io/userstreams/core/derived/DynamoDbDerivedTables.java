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

    private final String usersTable;

    public DynamoDbDerivedTables(DynamoDbClient dynamoDb, String usersTable, String usersByEmailTable,
                                 String userStatsTable, String idempotencyTable, Clock clock, Duration retention) {
        this.dynamoDb = dynamoDb;
        this.usersTable = usersTable;
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
        for (int round = 1; ; round++) {
            if (round > 6) {
                throw new SystemicFailureException("MappingContended", "the email mappings of user " + update.userId()
                        + " kept changing while being settled; retrying later", null);
            }
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
                List<String> contested = new ArrayList<>();
                boolean settlementFailed = false;
                int puts = current.mappingPuts().size();
                int settled = current.settlements().size();
                for (int i = 1; i < reasons.size(); i++) {
                    String code = reasons.get(i).code();
                    if (CONDITIONAL_CHECK_FAILED.equals(code)) {
                        // Items by position: claim, puts, settlements, deletes, counters.
                        if (i <= puts) {
                            contested.add(current.mappingPuts().get(i - 1));
                        } else if (i <= puts + settled) {
                            settlementFailed = true;
                        } else {
                            mappingDeleteFailed = true;
                        }
                    } else if ("ValidationError".equals(code)) {
                        throw new RecordFailureException("ValidationError", "DynamoDB rejected the derived update for user "
                                + update.userId() + " (" + code + ")", e);
                    }
                }
                if (!contested.isEmpty() || settlementFailed) {
                    // Another user's mapping holds the address: the users table says who has it now.
                    for (String email : contested) {
                        current = settle(current, email, update.userId());
                    }
                    if (settlementFailed) {
                        for (EmailSettlement s : List.copyOf(current.settlements())) {
                            current = settle(current.settled(s.email(), null), s.email(), update.userId());
                        }
                    }
                    continue;
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

    /** Replaces the put of {@code email} by what the users table says (consistent reads of both users). */
    private DerivedUpdate settle(DerivedUpdate update, String email, String userId) {
        Map<String, AttributeValue> mapping = dynamoDb.getItem(g -> g.tableName(usersByEmailTable).consistentRead(true)
                .key(Map.of("email", AttributeValue.fromS(email)))).item();
        String holder = mapping == null || !mapping.containsKey("userId") ? null : mapping.get("userId").s();
        if (holder == null || holder.equals(userId)) {
            return update.settled(email, null).withPut(email); // free again, or ours: a plain put
        }
        return update.settled(email, EmailSettlement.decide(email, userId, holder, this::currentEmails));
    }

    /** Current emails of the given users in one consistent snapshot (TransactGetItems). */
    Map<String, String> currentEmails(java.util.Collection<String> userIds) {
        List<String> ids = List.copyOf(new java.util.LinkedHashSet<>(userIds));
        var response = dynamoDb.transactGetItems(t -> t.transactItems(ids.stream()
                .map(id -> software.amazon.awssdk.services.dynamodb.model.TransactGetItem.builder()
                        .get(g -> g.tableName(usersTable).key(Map.of("userId", AttributeValue.fromS(id)))
                                .projectionExpression("userId, email")).build())
                .toList()));
        Map<String, String> emails = new java.util.HashMap<>();
        for (int i = 0; i < ids.size(); i++) {
            var item = response.responses().get(i).item();
            if (item != null && item.containsKey("email") && item.get("email").s() != null) {
                emails.put(ids.get(i), item.get("email").s());
            }
        }
        return emails;
    }

    private TransactWriteItem claim(DerivedUpdate u, long expiresAt) {
        return TransactWriteItem.builder().put(p -> p.tableName(idempotencyTable)
                .item(Map.of("idempotencyKey", AttributeValue.fromS(u.claimKey()),
                        "status", AttributeValue.fromS("COMPLETED"),
                        "expiresAt", AttributeValue.fromN(Long.toString(expiresAt))))
                .conditionExpression("attribute_not_exists(idempotencyKey)")).build();
    }

    private void mappingItems(DerivedUpdate u, List<TransactWriteItem> items) {
        // A put never overwrites another user's mapping: who has a contested address is settled
        // from the users table (records of different users arrive in any order).
        for (String email : u.mappingPuts()) {
            items.add(TransactWriteItem.builder().put(p -> p.tableName(usersByEmailTable)
                    .item(Map.of("email", AttributeValue.fromS(email), "userId", AttributeValue.fromS(u.userId())))
                    .conditionExpression("attribute_not_exists(email) OR userId = :userId")
                    .expressionAttributeValues(Map.of(":userId", AttributeValue.fromS(u.userId())))).build());
        }
        for (EmailSettlement s : u.settlements()) {
            var holder = Map.of(":holder", AttributeValue.fromS(s.holder()));
            if (s.owner() != null) {
                items.add(TransactWriteItem.builder().put(p -> p.tableName(usersByEmailTable)
                        .item(Map.of("email", AttributeValue.fromS(s.email()), "userId", AttributeValue.fromS(s.owner())))
                        .conditionExpression("userId = :holder").expressionAttributeValues(holder)).build());
            } else {
                items.add(TransactWriteItem.builder().delete(d -> d.tableName(usersByEmailTable)
                        .key(Map.of("email", AttributeValue.fromS(s.email())))
                        .conditionExpression("userId = :holder").expressionAttributeValues(holder)).build());
            }
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
