package io.userstreams.core.change;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/**
 * Items in DynamoDB JSON ({@code {"email": {"S": "kim@example.com"}}}), the format of stream
 * events, exports and the AWS CLI: dead letters and replay files use it so they round-trip exactly.
 */
public final class DynamoDbJson {

    private static final JsonNodeFactory F = JsonNodeFactory.instance;

    private DynamoDbJson() {
    }

    public static ObjectNode toJson(Map<String, AttributeValue> item) {
        ObjectNode node = F.objectNode();
        item.forEach((k, v) -> node.set(k, toJson(v)));
        return node;
    }

    public static ObjectNode toJson(AttributeValue v) {
        ObjectNode node = F.objectNode();
        switch (v.type()) {
            case S -> node.put("S", v.s());
            case N -> node.put("N", v.n());
            case B -> node.put("B", Base64.getEncoder().encodeToString(v.b().asByteArrayUnsafe()));
            case BOOL -> node.put("BOOL", v.bool());
            case NUL -> node.put("NULL", true);
            case SS -> {
                ArrayNode a = node.putArray("SS");
                v.ss().forEach(a::add);
            }
            case NS -> {
                ArrayNode a = node.putArray("NS");
                v.ns().forEach(a::add);
            }
            case BS -> {
                ArrayNode a = node.putArray("BS");
                v.bs().forEach(b -> a.add(Base64.getEncoder().encodeToString(b.asByteArrayUnsafe())));
            }
            case L -> {
                ArrayNode a = node.putArray("L");
                v.l().forEach(x -> a.add(toJson(x)));
            }
            case M -> node.set("M", toJson(v.m()));
            default -> throw new IllegalArgumentException("unknown attribute type " + v.type());
        }
        return node;
    }

    public static Map<String, AttributeValue> itemFromJson(JsonNode node) {
        if (node == null || node.isNull() || node.isMissingNode()) {
            return Map.of();
        }
        Map<String, AttributeValue> item = new LinkedHashMap<>();
        Iterator<Map.Entry<String, JsonNode>> it = node.fields();
        while (it.hasNext()) {
            Map.Entry<String, JsonNode> e = it.next();
            item.put(e.getKey(), valueFromJson(e.getValue()));
        }
        return item;
    }

    public static AttributeValue valueFromJson(JsonNode node) {
        if (node == null || !node.isObject() || node.size() != 1) {
            throw new IllegalArgumentException("not a DynamoDB JSON attribute value: " + node);
        }
        Map.Entry<String, JsonNode> e = node.fields().next();
        JsonNode v = e.getValue();
        return switch (e.getKey()) {
            case "S" -> AttributeValue.fromS(v.asText());
            case "N" -> AttributeValue.fromN(v.asText());
            case "B" -> AttributeValue.fromB(SdkBytes.fromByteArray(Base64.getDecoder().decode(v.asText())));
            case "BOOL" -> AttributeValue.fromBool(v.asBoolean());
            case "NULL" -> AttributeValue.fromNul(true);
            case "SS" -> AttributeValue.fromSs(texts(v));
            case "NS" -> AttributeValue.fromNs(texts(v));
            case "BS" -> AttributeValue.fromBs(texts(v).stream()
                    .map(s -> SdkBytes.fromByteArray(Base64.getDecoder().decode(s))).toList());
            case "L" -> {
                List<AttributeValue> l = new ArrayList<>();
                v.forEach(x -> l.add(valueFromJson(x)));
                yield AttributeValue.fromL(l);
            }
            case "M" -> AttributeValue.fromM(itemFromJson(v));
            default -> throw new IllegalArgumentException("unknown DynamoDB JSON type '" + e.getKey() + "'");
        };
    }

    private static List<String> texts(JsonNode array) {
        List<String> out = new ArrayList<>(array.size());
        array.forEach(x -> out.add(x.asText()));
        return out;
    }
}
