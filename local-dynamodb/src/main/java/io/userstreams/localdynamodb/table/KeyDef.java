package io.userstreams.localdynamodb.table;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.userstreams.localdynamodb.item.Values;

/** A key schema: partition key name/type and optional sort key name/type. */
public record KeyDef(String hashName, String hashType, String rangeName, String rangeType) {
    public boolean hasRange() {
        return rangeName != null;
    }

    public boolean isKeyAttribute(String name) {
        return name.equals(hashName) || name.equals(rangeName);
    }

    public ArrayNode toKeySchema() {
        ArrayNode schema = Values.NODES.arrayNode();
        schema.addObject().put("AttributeName", hashName).put("KeyType", "HASH");
        if (hasRange()) {
            schema.addObject().put("AttributeName", rangeName).put("KeyType", "RANGE");
        }
        return schema;
    }

    /** The key attributes of an item, or null when one is missing or has another type (sparse indexes). */
    public ItemKey keyOf(JsonNode item) {
        JsonNode hash = item.get(hashName);
        if (hash == null || !Values.type(hash).equals(hashType)) {
            return null;
        }
        KeyValue sort = null;
        if (hasRange()) {
            JsonNode range = item.get(rangeName);
            if (range == null || !Values.type(range).equals(rangeType)) {
                return null;
            }
            sort = KeyValue.of(range);
        }
        return ItemKey.of(KeyValue.of(hash), sort);
    }

    public ObjectNode keyAttributes(JsonNode item) {
        ObjectNode key = Values.object();
        key.set(hashName, item.get(hashName));
        if (hasRange() && item.get(rangeName) != null) {
            key.set(rangeName, item.get(rangeName));
        }
        return key;
    }
}
