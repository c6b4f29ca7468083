package io.userstreams.localdynamodb.table;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.userstreams.localdynamodb.item.Values;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentSkipListMap;

/** A global or local secondary index: its key, projection and entries (index key → table key). */
public final class IndexDef {
    public final String name;
    public final boolean global;
    public final KeyDef key;
    public final String projectionType; // ALL, KEYS_ONLY, INCLUDE
    public final List<String> nonKeyAttributes;
    public volatile long readCapacity;
    public volatile long writeCapacity;
    final ConcurrentSkipListMap<IndexKey, ItemKey> entries = new ConcurrentSkipListMap<>();

    public IndexDef(String name, boolean global, KeyDef key, String projectionType, List<String> nonKeyAttributes,
                    long readCapacity, long writeCapacity) {
        this.name = name;
        this.global = global;
        this.key = key;
        this.projectionType = projectionType;
        this.nonKeyAttributes = nonKeyAttributes;
        this.readCapacity = readCapacity;
        this.writeCapacity = writeCapacity;
    }

    public ObjectNode projectionNode() {
        ObjectNode projection = Values.object();
        projection.put("ProjectionType", projectionType);
        if (!nonKeyAttributes.isEmpty()) {
            nonKeyAttributes.forEach(projection.putArray("NonKeyAttributes")::add);
        }
        return projection;
    }

    /** The item as the index holds it: every attribute (ALL), or keys (+ INCLUDE attributes). */
    public ObjectNode project(JsonNode item, KeyDef tableKey) {
        ObjectNode out = Values.object();
        if (projectionType.equals("ALL")) {
            out.setAll((ObjectNode) item);
            return out;
        }
        for (Iterator<Map.Entry<String, JsonNode>> it = item.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> field = it.next();
            String name = field.getKey();
            if (tableKey.isKeyAttribute(name) || key.isKeyAttribute(name)
                    || (projectionType.equals("INCLUDE") && nonKeyAttributes.contains(name))) {
                out.set(name, field.getValue());
            }
        }
        return out;
    }

    public boolean projects(String attribute, KeyDef tableKey) {
        return projectionType.equals("ALL") || tableKey.isKeyAttribute(attribute) || key.isKeyAttribute(attribute)
                || nonKeyAttributes.contains(attribute);
    }

    public long itemCount() {
        return entries.size();
    }
}
