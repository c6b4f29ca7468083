package io.userstreams.core.processing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.userstreams.core.change.ChangeRecord;
import io.userstreams.core.change.ChangeRecordJson;
import java.time.Instant;

/**
 * What goes to the dead-letter queue: the whole change record (images in DynamoDB JSON, so it can
 * be replayed as is), which reaction gave up, why, and how often it tried.
 *
 * @param reaction the reaction id ({@code welcome-email}, ...) or {@code validation}
 */
public record DeadLetter(ChangeRecord record, String reaction, String error, String errorType, int attempts,
                         Instant firstFailureAt, Instant lastFailureAt) {

    public static final String VALIDATION = "validation";

    public ObjectNode toJson() {
        ObjectNode n = JsonNodeFactory.instance.objectNode();
        n.set("record", ChangeRecordJson.toJson(record));
        n.put("reaction", reaction);
        n.put("error", error);
        n.put("errorType", errorType);
        n.put("attempts", attempts);
        n.put("firstFailureAt", firstFailureAt.toString());
        n.put("lastFailureAt", lastFailureAt.toString());
        n.put("shardId", record.shardId());
        n.put("sequenceNumber", record.sequenceNumber());
        n.put("eventId", record.eventId());
        return n;
    }

    public static DeadLetter fromJson(JsonNode n) {
        return new DeadLetter(ChangeRecordJson.fromJson(n.get("record")), n.path("reaction").asText(),
                n.path("error").asText(), n.path("errorType").asText(), n.path("attempts").asInt(),
                Instant.parse(n.path("firstFailureAt").asText()), Instant.parse(n.path("lastFailureAt").asText()));
    }
}
