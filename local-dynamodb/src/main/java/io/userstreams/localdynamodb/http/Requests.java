package io.userstreams.localdynamodb.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/** Reading request parameters with DynamoDB's messages for missing or malformed ones. */
public final class Requests {
    private Requests() { }

    public static String text(ObjectNode request, String field) {
        JsonNode node = request.get(field);
        return node == null || node.isNull() ? null : node.asText();
    }

    public static String required(ObjectNode request, String field) {
        String value = text(request, field);
        if (value == null) {
            throw DynamoDbException.validation("1 validation error detected: Value null at '" + memberName(field)
                    + "' failed to satisfy constraint: Member must not be null");
        }
        return value;
    }

    public static String tableName(ObjectNode request) {
        String name = required(request, "TableName");
        checkTableName(name, "tableName");
        return name;
    }

    public static void checkTableName(String name, String member) {
        if (name.length() < 3 || name.length() > 255) {
            throw DynamoDbException.validation("1 validation error detected: Value '" + name + "' at '" + member
                    + "' failed to satisfy constraint: Member must have length "
                    + (name.length() < 3 ? "greater than or equal to 3" : "less than or equal to 255"));
        }
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            if (!(Character.isLetterOrDigit(c) && c < 128) && c != '_' && c != '-' && c != '.') {
                throw DynamoDbException.validation("1 validation error detected: Value '" + name + "' at '" + member
                        + "' failed to satisfy constraint: Member must satisfy regular expression pattern: [a-zA-Z0-9_.-]+");
            }
        }
    }

    public static boolean bool(ObjectNode request, String field, boolean fallback) {
        JsonNode node = request.get(field);
        return node == null || node.isNull() ? fallback : node.asBoolean();
    }

    public static JsonNode node(ObjectNode request, String field) {
        JsonNode node = request.get(field);
        return node == null || node.isNull() ? null : node;
    }

    public static String enumValue(ObjectNode request, String field, String fallback, String... allowed) {
        String value = text(request, field);
        if (value == null) {
            return fallback;
        }
        for (String a : allowed) {
            if (a.equals(value)) {
                return value;
            }
        }
        throw DynamoDbException.validation("1 validation error detected: Value '" + value + "' at '" + memberName(field)
                + "' failed to satisfy constraint: Member must satisfy enum value set: [" + String.join(", ", allowed) + "]");
    }

    static String memberName(String field) {
        return Character.toLowerCase(field.charAt(0)) + field.substring(1);
    }
}
