package io.userstreams.mail;

import java.time.Instant;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/**
 * Addresses never to mail again, keyed by the lower-cased address: written by {@link SesEventHandler}
 * from the configuration set's permanent bounces and complaints, read before every send.
 */
public final class SuppressionList {

    private final DynamoDbClient dynamoDb;
    private final String table;

    public SuppressionList(DynamoDbClient dynamoDb, String table) {
        this.dynamoDb = dynamoDb;
        this.table = table;
    }

    static String normalize(String email) {
        return email.trim().toLowerCase(Locale.ROOT);
    }

    /** Why the address is suppressed (BOUNCE / COMPLAINT), or empty. */
    public Optional<String> reason(String email) {
        Map<String, AttributeValue> item = dynamoDb.getItem(r -> r.tableName(table)
                .key(Map.of("email", AttributeValue.fromS(normalize(email))))).item();
        if (item == null || item.isEmpty()) {
            return Optional.empty();
        }
        return Optional.of(item.containsKey("reason") ? item.get("reason").s() : "SUPPRESSED");
    }

    public void suppress(String email, String reason, String detail, Instant at) {
        Map<String, AttributeValue> item = new HashMap<>();
        item.put("email", AttributeValue.fromS(normalize(email)));
        item.put("reason", AttributeValue.fromS(reason));
        item.put("at", AttributeValue.fromS(at.toString()));
        if (detail != null && !detail.isBlank()) {
            item.put("detail", AttributeValue.fromS(detail));
        }
        dynamoDb.putItem(r -> r.tableName(table).item(item));
    }
}
