package io.userstreams.core.change;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Instant;

/** A change record as JSON (images in DynamoDB JSON), as dead letters carry it; reads back exactly. */
public final class ChangeRecordJson {

    private ChangeRecordJson() {
    }

    public static ObjectNode toJson(ChangeRecord r) {
        ObjectNode n = JsonNodeFactory.instance.objectNode();
        n.put("eventId", r.eventId());
        n.put("kind", r.kind().name());
        n.put("ttlExpiry", r.ttlExpiry());
        n.set("keys", DynamoDbJson.toJson(r.keys()));
        n.set("oldImage", DynamoDbJson.toJson(r.oldImage()));
        n.set("newImage", DynamoDbJson.toJson(r.newImage()));
        n.put("shardId", r.shardId());
        n.put("sequenceNumber", r.sequenceNumber());
        n.put("approximateCreationTime", r.approximateCreationTime().toString());
        return n;
    }

    public static ChangeRecord fromJson(JsonNode n) {
        return new ChangeRecord(
                n.path("eventId").asText(),
                ChangeKind.valueOf(n.path("kind").asText()),
                n.path("ttlExpiry").asBoolean(false),
                DynamoDbJson.itemFromJson(n.get("keys")),
                DynamoDbJson.itemFromJson(n.get("oldImage")),
                DynamoDbJson.itemFromJson(n.get("newImage")),
                n.path("shardId").asText("unknown"),
                n.path("sequenceNumber").asText(),
                Instant.parse(n.path("approximateCreationTime").asText()));
    }
}
