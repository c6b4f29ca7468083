package io.userstreams.localdynamodb.expr;

import com.fasterxml.jackson.databind.JsonNode;
import io.userstreams.localdynamodb.http.DynamoDbException;
import io.userstreams.localdynamodb.item.Values;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * ExpressionAttributeNames / ExpressionAttributeValues of one request, shared by all its expressions,
 * remembering which ones were used: DynamoDB rejects unused ones.
 */
public final class ExpressionAttributes {
    private final Map<String, String> names = new HashMap<>();
    private final Map<String, JsonNode> values = new HashMap<>();
    private final Set<String> usedNames = new HashSet<>();
    private final Set<String> usedValues = new HashSet<>();
    private final boolean namesGiven;
    private final boolean valuesGiven;

    public ExpressionAttributes(JsonNode namesNode, JsonNode valuesNode) {
        namesGiven = namesNode != null && !namesNode.isNull();
        valuesGiven = valuesNode != null && !valuesNode.isNull();
        if (namesGiven) {
            if (namesNode.isEmpty()) {
                throw DynamoDbException.validation("ExpressionAttributeNames must not be empty");
            }
            for (Iterator<Map.Entry<String, JsonNode>> it = namesNode.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                if (!e.getKey().startsWith("#") || e.getKey().length() < 2) {
                    throw DynamoDbException.validation(
                            "ExpressionAttributeNames contains invalid key: Syntax error; key: \"" + e.getKey() + "\"");
                }
                names.put(e.getKey(), e.getValue().asText());
            }
        }
        if (valuesGiven) {
            if (valuesNode.isEmpty()) {
                throw DynamoDbException.validation("ExpressionAttributeValues must not be empty");
            }
            for (Iterator<Map.Entry<String, JsonNode>> it = valuesNode.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                if (!e.getKey().startsWith(":") || e.getKey().length() < 2) {
                    throw DynamoDbException.validation(
                            "ExpressionAttributeValues contains invalid key: Syntax error; key: \"" + e.getKey() + "\"");
                }
                try {
                    values.put(e.getKey(), Values.canonical(e.getValue()));
                } catch (DynamoDbException invalid) {
                    if (!invalid.code().equals("ValidationException")) {
                        throw invalid;
                    }
                    throw DynamoDbException.validation("ExpressionAttributeValues contains invalid value: "
                            + invalid.getMessage() + " for key " + e.getKey());
                }
            }
        }
    }

    public static ExpressionAttributes none() {
        return new ExpressionAttributes(null, null);
    }

    public boolean namesGiven() {
        return namesGiven;
    }

    public boolean valuesGiven() {
        return valuesGiven;
    }

    String name(String token, String kind) {
        String name = names.get(token);
        if (name == null) {
            throw DynamoDbException.validation("Invalid " + kind
                    + ": An expression attribute name used in the document path is not defined; attribute name: " + token);
        }
        usedNames.add(token);
        return name;
    }

    JsonNode value(String token, String kind) {
        JsonNode value = values.get(token);
        if (value == null) {
            throw DynamoDbException.validation("Invalid " + kind
                    + ": An expression attribute value used in expression is not defined; attribute value: " + token);
        }
        usedValues.add(token);
        return value;
    }

    /** After every expression of the request is parsed: unused names or values are an error. */
    public void checkAllUsed() {
        if (namesGiven && usedNames.size() < names.size()) {
            Set<String> unused = new TreeSet<>(names.keySet());
            unused.removeAll(usedNames);
            throw DynamoDbException.validation("Value provided in ExpressionAttributeNames unused in expressions: keys: {"
                    + String.join(", ", unused) + "}");
        }
        if (valuesGiven && usedValues.size() < values.size()) {
            Set<String> unused = new TreeSet<>(values.keySet());
            unused.removeAll(usedValues);
            throw DynamoDbException.validation("Value provided in ExpressionAttributeValues unused in expressions: keys: {"
                    + String.join(", ", unused) + "}");
        }
    }
}
