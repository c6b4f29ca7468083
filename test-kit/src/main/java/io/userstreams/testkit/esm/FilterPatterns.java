package io.userstreams.testkit.esm;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * Lambda event filtering for stream records: a record is delivered when any pattern matches its
 * Lambda JSON form (eventName, dynamodb.Keys/NewImage/OldImage in DynamoDB JSON, ...). Supported:
 * nested objects, value lists (exact strings, numbers, booleans, null), {@code prefix},
 * {@code exists}, {@code anything-but} and {@code numeric} comparisons — the forms the Lambda docs
 * list for DynamoDB. No patterns = every record passes.
 */
final class FilterPatterns {

    private static final ObjectMapper JSON = new ObjectMapper();
    private final List<JsonNode> patterns = new ArrayList<>();

    FilterPatterns(List<String> patterns) {
        for (String p : patterns) {
            try {
                JsonNode n = JSON.readTree(p);
                if (!n.isObject()) {
                    throw new IllegalArgumentException("a filter pattern must be a JSON object: " + p);
                }
                this.patterns.add(n);
            } catch (JsonProcessingException e) {
                throw new IllegalArgumentException("invalid filter pattern " + p + ": " + e.getOriginalMessage(), e);
            }
        }
    }

    boolean matches(JsonNode record) {
        if (patterns.isEmpty()) {
            return true;
        }
        for (JsonNode p : patterns) {
            if (matchObject(p, record)) {
                return true;
            }
        }
        return false;
    }

    private static boolean matchObject(JsonNode pattern, JsonNode value) {
        Iterator<Map.Entry<String, JsonNode>> fields = pattern.fields();
        while (fields.hasNext()) {
            Map.Entry<String, JsonNode> f = fields.next();
            JsonNode v = value == null ? null : value.get(f.getKey());
            JsonNode p = f.getValue();
            if (p.isObject()) {
                if (v == null || !v.isObject() || !matchObject(p, v)) {
                    return false;
                }
            } else if (p.isArray()) {
                if (!matchValues(p, v)) {
                    return false;
                }
            } else {
                throw new IllegalArgumentException("filter pattern leaves must be arrays: " + f.getKey());
            }
        }
        return true;
    }

    private static boolean matchValues(JsonNode alternatives, JsonNode v) {
        for (JsonNode a : alternatives) {
            if (a.isObject()) {
                if (matchOperator(a, v)) {
                    return true;
                }
            } else if (v != null && !v.isMissingNode() && equal(a, v)) {
                return true;
            } else if (a.isNull() && v != null && v.isNull()) {
                return true;
            }
        }
        return false;
    }

    private static boolean matchOperator(JsonNode op, JsonNode v) {
        if (op.has("exists")) {
            return op.get("exists").asBoolean() == (v != null && !v.isMissingNode());
        }
        if (v == null || v.isMissingNode()) {
            return false;
        }
        if (op.has("prefix")) {
            return v.isTextual() && v.asText().startsWith(op.get("prefix").asText());
        }
        if (op.has("anything-but")) {
            JsonNode but = op.get("anything-but");
            if (but.isArray()) {
                for (JsonNode b : but) {
                    if (equal(b, v)) {
                        return false;
                    }
                }
                return true;
            }
            return !equal(but, v);
        }
        if (op.has("numeric")) {
            if (!v.isNumber() && !(v.isTextual() && isNumber(v.asText()))) {
                return false;
            }
            double x = Double.parseDouble(v.asText());
            JsonNode n = op.get("numeric");
            for (int i = 0; i + 1 < n.size(); i += 2) {
                String cmp = n.get(i).asText();
                double bound = n.get(i + 1).asDouble();
                boolean ok = switch (cmp) {
                    case "=" -> x == bound;
                    case "<" -> x < bound;
                    case "<=" -> x <= bound;
                    case ">" -> x > bound;
                    case ">=" -> x >= bound;
                    default -> throw new IllegalArgumentException("unknown numeric operator " + cmp);
                };
                if (!ok) {
                    return false;
                }
            }
            return true;
        }
        throw new IllegalArgumentException("unsupported filter operator " + op);
    }

    private static boolean equal(JsonNode a, JsonNode v) {
        if (a.isNumber() && v.isNumber()) {
            return a.decimalValue().compareTo(v.decimalValue()) == 0;
        }
        return a.equals(v);
    }

    private static boolean isNumber(String s) {
        try {
            Double.parseDouble(s);
            return true;
        } catch (NumberFormatException e) {
            return false;
        }
    }
}
