package io.userstreams.localsns;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.DoubleNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The subset of SNS subscription filter policies a local test needs: exact strings and numbers,
 * {@code prefix}, {@code suffix}, {@code equals-ignore-case}, {@code anything-but}, {@code numeric}
 * ranges, {@code exists}, and {@code $or}, on message attributes or (scope MessageBody) on a JSON body.
 */
final class FilterPolicy {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Set<String> OPERATORS =
            Set.of("prefix", "suffix", "equals-ignore-case", "anything-but", "numeric", "exists");

    private final JsonNode policy;

    private FilterPolicy(JsonNode policy) {
        this.policy = policy;
    }

    static FilterPolicy parse(String json, boolean bodyScope) {
        JsonNode node;
        try {
            node = JSON.readTree(json);
        } catch (Exception e) {
            throw SnsError.invalidParameter("Invalid parameter: FilterPolicy: failed to parse JSON.");
        }
        if (node == null || !node.isObject() || node.isEmpty()) {
            throw SnsError.invalidParameter("Invalid parameter: FilterPolicy: Filter policy must be a non-empty JSON object");
        }
        validate(node, bodyScope);
        return new FilterPolicy(node);
    }

    private static void validate(JsonNode object, boolean bodyScope) {
        for (Iterator<Map.Entry<String, JsonNode>> it = object.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            JsonNode v = e.getValue();
            if (e.getKey().equals("$or")) {
                if (!v.isArray() || v.size() < 2) {
                    throw SnsError.invalidParameter("Invalid parameter: FilterPolicy: $or must be an array of at least 2 objects");
                }
                for (JsonNode alt : v) {
                    if (!alt.isObject()) {
                        throw SnsError.invalidParameter("Invalid parameter: FilterPolicy: $or must contain objects");
                    }
                    validate(alt, bodyScope);
                }
            } else if (v.isObject() && bodyScope) {
                validate(v, true);
            } else if (v.isArray()) {
                for (JsonNode c : v) {
                    if (c.isObject()) {
                        String op = c.fieldNames().hasNext() ? c.fieldNames().next() : "";
                        if (c.size() != 1 || !OPERATORS.contains(op)) {
                            throw SnsError.invalidParameter("Invalid parameter: FilterPolicy: Unrecognized match type " + op);
                        }
                    } else if (c.isArray()) {
                        throw SnsError.invalidParameter(
                                "Invalid parameter: FilterPolicy: Match value must be String, number, true, false, or null");
                    }
                }
            } else {
                throw SnsError.invalidParameter("Invalid parameter: FilterPolicy: \"" + e.getKey()
                        + "\" must be an object or an array");
            }
        }
    }

    boolean matchesAttributes(Map<String, MessageAttribute> attributes) {
        return matchObject(policy, name -> {
            MessageAttribute a = attributes.get(name);
            if (a == null) {
                return null;
            }
            List<JsonNode> values = new ArrayList<>();
            if (a.isBinary()) {
                return values; // binary attributes exist but never match a value, as in SNS
            } else if (a.isNumber()) {
                try {
                    values.add(DoubleNode.valueOf(Double.parseDouble(a.stringValue())));
                } catch (NumberFormatException ignored) {
                    // validated on publish; nothing to compare
                }
            } else if (a.isStringArray()) {
                try {
                    JSON.readTree(a.stringValue()).forEach(values::add);
                } catch (Exception ignored) {
                    // validated on publish
                }
            } else {
                values.add(JsonNodeFactory.instance.textNode(a.stringValue()));
            }
            return values;
        });
    }

    /** A body that is not a JSON object matches nothing, as in SNS. */
    boolean matchesBody(String message) {
        JsonNode body;
        try {
            body = JSON.readTree(message);
        } catch (Exception e) {
            return false;
        }
        return body != null && body.isObject() && matchNode(policy, body);
    }

    private boolean matchNode(JsonNode policyObject, JsonNode body) {
        for (Iterator<Map.Entry<String, JsonNode>> it = policyObject.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            boolean ok;
            if (e.getKey().equals("$or")) {
                ok = false;
                for (JsonNode alt : e.getValue()) {
                    ok |= matchNode(alt, body);
                }
            } else {
                JsonNode child = body == null ? null : body.get(e.getKey());
                if (e.getValue().isObject()) {
                    ok = child != null && child.isObject() && matchNode(e.getValue(), child);
                } else {
                    List<JsonNode> values = null;
                    if (child != null) {
                        values = new ArrayList<>();
                        if (child.isArray()) {
                            child.forEach(values::add);
                        } else {
                            values.add(child);
                        }
                    }
                    ok = matchConditions(e.getValue(), values);
                }
            }
            if (!ok) {
                return false;
            }
        }
        return true;
    }

    private boolean matchObject(JsonNode policyObject, java.util.function.Function<String, List<JsonNode>> lookup) {
        for (Iterator<Map.Entry<String, JsonNode>> it = policyObject.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            boolean ok;
            if (e.getKey().equals("$or")) {
                ok = false;
                for (JsonNode alt : e.getValue()) {
                    ok |= matchObject(alt, lookup);
                }
            } else {
                ok = e.getValue().isArray() && matchConditions(e.getValue(), lookup.apply(e.getKey()));
            }
            if (!ok) {
                return false;
            }
        }
        return true;
    }

    /** {@code values == null} means the key is absent. Any condition matching any value is a match. */
    private static boolean matchConditions(JsonNode conditions, List<JsonNode> values) {
        for (JsonNode c : conditions) {
            if (c.isObject() && c.has("exists")) {
                if (c.get("exists").asBoolean() == (values != null)) {
                    return true;
                }
                continue;
            }
            if (values == null) {
                continue;
            }
            if (c.isObject() && c.has("anything-but")) {
                if (!values.isEmpty() && values.stream().noneMatch(v -> matchesAny(c.get("anything-but"), v))) {
                    return true;
                }
                continue;
            }
            for (JsonNode v : values) {
                if (matches(c, v)) {
                    return true;
                }
            }
        }
        return false;
    }

    private static boolean matchesAny(JsonNode excluded, JsonNode value) {
        if (excluded.isArray()) {
            for (JsonNode x : excluded) {
                if (matches(x, value)) {
                    return true;
                }
            }
            return false;
        }
        return matches(excluded, value);
    }

    private static boolean matches(JsonNode condition, JsonNode value) {
        if (condition.isTextual()) {
            return value.isTextual() && value.textValue().equals(condition.textValue());
        }
        if (condition.isNumber()) {
            return value.isNumber() && value.doubleValue() == condition.doubleValue();
        }
        if (condition.isBoolean()) {
            return value.isBoolean() && value.booleanValue() == condition.booleanValue();
        }
        if (condition.isNull()) {
            return value.isNull();
        }
        if (condition.isObject()) {
            if (condition.has("prefix")) {
                return value.isTextual() && value.textValue().startsWith(condition.get("prefix").asText());
            }
            if (condition.has("suffix")) {
                return value.isTextual() && value.textValue().endsWith(condition.get("suffix").asText());
            }
            if (condition.has("equals-ignore-case")) {
                return value.isTextual() && value.textValue().equalsIgnoreCase(condition.get("equals-ignore-case").asText());
            }
            if (condition.has("numeric")) {
                return value.isNumber() && numeric(condition.get("numeric"), value.doubleValue());
            }
        }
        return false;
    }

    private static boolean numeric(JsonNode ops, double v) {
        for (int i = 0; i + 1 < ops.size(); i += 2) {
            double bound = ops.get(i + 1).asDouble();
            boolean ok = switch (ops.get(i).asText()) {
                case "=" -> v == bound;
                case "<" -> v < bound;
                case "<=" -> v <= bound;
                case ">" -> v > bound;
                case ">=" -> v >= bound;
                default -> false;
            };
            if (!ok) {
                return false;
            }
        }
        return ops.size() >= 2;
    }
}
