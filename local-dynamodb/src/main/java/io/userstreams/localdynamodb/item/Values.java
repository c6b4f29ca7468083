package io.userstreams.localdynamodb.item;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.userstreams.localdynamodb.http.DynamoDbException;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * AttributeValues in their wire form ({"S":"x"}, {"N":"1.5"}, {"M":{...}}): validation and canonical form
 * (numbers normalised, sets sorted and unique) so that JSON equality is DynamoDB equality; DynamoDB's
 * item size rules; ordering of scalars. Numbers are BigDecimal throughout, never double.
 */
public final class Values {
    public static final JsonNodeFactory NODES = JsonNodeFactory.withExactBigDecimals(true);
    public static final int MAX_ITEM_SIZE = 400 * 1024;
    public static final int MAX_DEPTH = 32;
    private static final BigDecimal MAX_MAGNITUDE = new BigDecimal("9.9999999999999999999999999999999999999E+125");
    private static final BigDecimal MIN_MAGNITUDE = new BigDecimal("1E-130");

    private Values() { }

    public static ObjectNode object() {
        return NODES.objectNode();
    }

    public static ObjectNode s(String value) {
        ObjectNode node = NODES.objectNode();
        node.put("S", value);
        return node;
    }

    public static ObjectNode n(BigDecimal value) {
        ObjectNode node = NODES.objectNode();
        node.put("N", canonicalNumber(value));
        return node;
    }

    public static ObjectNode n(long value) {
        ObjectNode node = NODES.objectNode();
        node.put("N", Long.toString(value));
        return node;
    }

    public static ObjectNode bool(boolean value) {
        ObjectNode node = NODES.objectNode();
        node.put("BOOL", value);
        return node;
    }

    /** The type name of an AttributeValue (S, N, B, SS, NS, BS, M, L, BOOL, NULL). */
    public static String type(JsonNode value) {
        Iterator<String> names = value.fieldNames();
        return names.hasNext() ? names.next() : "";
    }

    public static JsonNode payload(JsonNode value) {
        Iterator<JsonNode> elements = value.elements();
        return elements.hasNext() ? elements.next() : null;
    }

    public static BigDecimal number(JsonNode value) {
        return new BigDecimal(value.get("N").asText());
    }

    // ---------------------------------------------------------------- validation and canonical form

    /** Validates a whole item (or key) and returns its canonical deep copy. */
    public static ObjectNode canonicalItem(JsonNode item) {
        if (item == null || !item.isObject()) {
            throw new DynamoDbException("SerializationException", "Start of structure or map found where not expected");
        }
        ObjectNode copy = NODES.objectNode();
        for (Iterator<Map.Entry<String, JsonNode>> it = item.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> field = it.next();
            copy.set(field.getKey(), canonical(field.getValue(), 1));
        }
        return copy;
    }

    /** Validates one AttributeValue and returns its canonical deep copy. */
    public static JsonNode canonical(JsonNode value) {
        return canonical(value, 1);
    }

    private static JsonNode canonical(JsonNode value, int depth) {
        if (value == null || !value.isObject()) {
            throw new DynamoDbException("SerializationException", "Start of structure or map found where not expected");
        }
        if (value.size() == 0) {
            throw DynamoDbException.validation(
                    "Supplied AttributeValue is empty, must contain exactly one of the supported datatypes");
        }
        if (value.size() > 1) {
            throw DynamoDbException.validation(
                    "Supplied AttributeValue has more than one datatypes set, must contain exactly one of the supported datatypes");
        }
        if (depth > MAX_DEPTH) {
            throw DynamoDbException.validation("Nesting Levels have exceeded supported limits");
        }
        String type = type(value);
        JsonNode payload = payload(value);
        ObjectNode out = NODES.objectNode();
        switch (type) {
            case "S" -> out.put("S", text(payload, type));
            case "N" -> out.put("N", canonicalNumber(text(payload, type)));
            case "B" -> out.put("B", canonicalBinary(text(payload, type)));
            case "BOOL" -> {
                if (!payload.isBoolean()) {
                    throw new DynamoDbException("SerializationException", "BOOL must be a boolean");
                }
                out.put("BOOL", payload.booleanValue());
            }
            case "NULL" -> {
                if (!payload.isBoolean() || !payload.booleanValue()) {
                    throw DynamoDbException.validation(
                            "One or more parameter values were invalid: Null attribute value types must have the value of true");
                }
                out.put("NULL", true);
            }
            case "SS", "NS", "BS" -> out.set(type, canonicalSet(type, payload));
            case "L" -> {
                if (!payload.isArray()) {
                    throw new DynamoDbException("SerializationException", "Unexpected value type in payload");
                }
                ArrayNode list = out.putArray("L");
                for (JsonNode element : payload) {
                    list.add(canonical(element, depth + 1));
                }
            }
            case "M" -> {
                if (!payload.isObject()) {
                    throw new DynamoDbException("SerializationException", "Unexpected value type in payload");
                }
                ObjectNode map = out.putObject("M");
                for (Iterator<Map.Entry<String, JsonNode>> it = payload.fields(); it.hasNext(); ) {
                    Map.Entry<String, JsonNode> field = it.next();
                    map.set(field.getKey(), canonical(field.getValue(), depth + 1));
                }
            }
            default -> throw new DynamoDbException("SerializationException",
                    "Supplied AttributeValue has an unknown datatype: " + type);
        }
        return out;
    }

    private static String text(JsonNode payload, String type) {
        if (payload == null || !payload.isTextual()) {
            throw new DynamoDbException("SerializationException", "NUMBER_VALUE cannot be converted to String");
        }
        return payload.textValue();
    }

    private static ArrayNode canonicalSet(String type, JsonNode payload) {
        if (!payload.isArray()) {
            throw new DynamoDbException("SerializationException", "Unexpected value type in payload");
        }
        if (payload.isEmpty()) {
            String kind = switch (type) {
                case "SS" -> "string";
                case "NS" -> "number";
                default -> "binary";
            };
            throw DynamoDbException.validation("One or more parameter values were invalid: An " + kind + " set  may not be empty");
        }
        List<String> elements = new ArrayList<>(payload.size());
        for (JsonNode element : payload) {
            String text = text(element, type);
            elements.add(switch (type) {
                case "NS" -> canonicalNumber(text);
                case "BS" -> canonicalBinary(text);
                default -> text;
            });
        }
        Comparator<String> order = setOrder(type);
        TreeSet<String> unique = new TreeSet<>(order);
        unique.addAll(elements);
        if (unique.size() != elements.size()) {
            List<String> shown = new ArrayList<>();
            payload.forEach(e -> shown.add(e.asText()));
            throw DynamoDbException.validation(
                    "One or more parameter values were invalid: Input collection " + shown + " contains duplicates.");
        }
        ArrayNode out = NODES.arrayNode(unique.size());
        unique.forEach(out::add);
        return out;
    }

    static Comparator<String> setOrder(String type) {
        return switch (type) {
            case "NS" -> Comparator.comparing(BigDecimal::new);
            case "BS" -> (a, b) -> compareBytes(Base64.getDecoder().decode(a), Base64.getDecoder().decode(b));
            default -> Values::compareStrings;
        };
    }

    public static String canonicalNumber(String text) {
        BigDecimal value;
        try {
            value = new BigDecimal(text.trim());
        } catch (NumberFormatException e) {
            throw DynamoDbException.validation("A value provided cannot be converted into a number");
        }
        return canonicalNumber(value);
    }

    public static String canonicalNumber(BigDecimal value) {
        if (value.signum() == 0) {
            return "0";
        }
        BigDecimal stripped = value.stripTrailingZeros();
        if (stripped.precision() > 38) {
            throw DynamoDbException.validation("Attempting to store more than 38 significant digits in a Number");
        }
        BigDecimal magnitude = stripped.abs();
        if (magnitude.compareTo(MAX_MAGNITUDE) > 0) {
            throw DynamoDbException.validation(
                    "Number overflow. Attempting to store a number with magnitude larger than supported range");
        }
        if (magnitude.compareTo(MIN_MAGNITUDE) < 0) {
            throw DynamoDbException.validation(
                    "Number underflow. Attempting to store a number with magnitude smaller than supported range");
        }
        return stripped.toPlainString();
    }

    private static String canonicalBinary(String base64) {
        try {
            return Base64.getEncoder().encodeToString(Base64.getMimeDecoder().decode(base64));
        } catch (IllegalArgumentException e) {
            throw new DynamoDbException("SerializationException", "Base64 encoded length is expected a multiple of 4 bytes but found: " + base64.length());
        }
    }

    // ---------------------------------------------------------------- sizes (DynamoDB's rules)

    public static long itemSize(JsonNode item) {
        long size = 0;
        for (Iterator<Map.Entry<String, JsonNode>> it = item.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> field = it.next();
            size += utf8Length(field.getKey()) + valueSize(field.getValue());
        }
        return size;
    }

    public static long valueSize(JsonNode value) {
        String type = type(value);
        JsonNode payload = payload(value);
        switch (type) {
            case "S":
                return utf8Length(payload.textValue());
            case "N":
                return numberSize(payload.textValue());
            case "B":
                return Base64.getDecoder().decode(payload.textValue()).length;
            case "BOOL":
            case "NULL":
                return 1;
            case "SS": {
                long size = 0;
                for (JsonNode e : payload) {
                    size += utf8Length(e.textValue());
                }
                return size;
            }
            case "NS": {
                long size = 0;
                for (JsonNode e : payload) {
                    size += numberSize(e.textValue());
                }
                return size;
            }
            case "BS": {
                long size = 0;
                for (JsonNode e : payload) {
                    size += Base64.getDecoder().decode(e.textValue()).length;
                }
                return size;
            }
            case "L": {
                long size = 3;
                for (JsonNode e : payload) {
                    size += 1 + valueSize(e);
                }
                return size;
            }
            case "M": {
                long size = 3;
                for (Iterator<Map.Entry<String, JsonNode>> it = payload.fields(); it.hasNext(); ) {
                    Map.Entry<String, JsonNode> field = it.next();
                    size += 1 + utf8Length(field.getKey()) + valueSize(field.getValue());
                }
                return size;
            }
            default:
                return 0;
        }
    }

    /** 1 byte per two significant digits, plus 1. */
    private static long numberSize(String canonical) {
        BigDecimal value = new BigDecimal(canonical);
        int digits = value.signum() == 0 ? 1 : value.stripTrailingZeros().precision();
        return (digits + 1) / 2 + 1;
    }

    public static int utf8Length(String text) {
        int length = 0;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c < 0x80) {
                length++;
            } else if (c < 0x800) {
                length += 2;
            } else if (Character.isHighSurrogate(c)) {
                length += 4;
                i++;
            } else {
                length += 3;
            }
        }
        return length;
    }

    // ---------------------------------------------------------------- ordering

    /** Strings compare as DynamoDB does: by UTF-8 bytes, which is code point order. */
    public static int compareStrings(String a, String b) {
        int i = 0;
        int j = 0;
        while (i < a.length() && j < b.length()) {
            int ca = a.codePointAt(i);
            int cb = b.codePointAt(j);
            if (ca != cb) {
                return Integer.compare(ca, cb);
            }
            i += Character.charCount(ca);
            j += Character.charCount(cb);
        }
        return Integer.compare(a.length() - i, b.length() - j);
    }

    public static int compareBytes(byte[] a, byte[] b) {
        return java.util.Arrays.compareUnsigned(a, b);
    }

    /** Orders two scalars of the same type (S, N or B); returns null when they are not comparable. */
    public static Integer compareScalars(JsonNode a, JsonNode b) {
        String type = type(a);
        if (!type.equals(type(b))) {
            return null;
        }
        return switch (type) {
            case "S" -> compareStrings(a.get("S").textValue(), b.get("S").textValue());
            case "N" -> number(a).compareTo(number(b));
            case "B" -> compareBytes(Base64.getDecoder().decode(a.get("B").textValue()),
                    Base64.getDecoder().decode(b.get("B").textValue()));
            default -> null;
        };
    }

    public static byte[] utf8(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }
}
