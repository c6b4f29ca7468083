package io.userstreams.core.change;

import java.time.Instant;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/**
 * One change of one item, normalized from whatever runtime delivered it (Lambda event, KCL record,
 * a replay file). Images use the SDK v2 attribute model; absent images are empty maps.
 *
 * @param eventId               the stream's eventID, unique per change: the idempotency key of derived tables
 * @param kind                  INSERT, MODIFY or REMOVE
 * @param ttlExpiry             true when the REMOVE was done by the TTL service, not by a writer
 * @param keys                  the item's primary key
 * @param oldImage              the item before the change (empty for INSERT)
 * @param newImage              the item after the change (empty for REMOVE)
 * @param shardId               the shard the record came from (may be "unknown" for replays)
 * @param sequenceNumber        the stream sequence number, a 21-40 digit string
 * @param approximateCreationTime when DynamoDB wrote the change
 */
public record ChangeRecord(
        String eventId,
        ChangeKind kind,
        boolean ttlExpiry,
        Map<String, AttributeValue> keys,
        Map<String, AttributeValue> oldImage,
        Map<String, AttributeValue> newImage,
        String shardId,
        String sequenceNumber,
        Instant approximateCreationTime) {

    public ChangeRecord {
        Objects.requireNonNull(eventId, "eventId");
        Objects.requireNonNull(kind, "kind");
        keys = keys == null ? Map.of() : Map.copyOf(keys);
        oldImage = oldImage == null ? Map.of() : Map.copyOf(oldImage);
        newImage = newImage == null ? Map.of() : Map.copyOf(newImage);
        shardId = shardId == null ? "unknown" : shardId;
        Objects.requireNonNull(sequenceNumber, "sequenceNumber");
        Objects.requireNonNull(approximateCreationTime, "approximateCreationTime");
    }

    /** The item's userId from its keys, if present and a string. */
    public Optional<String> userId() {
        AttributeValue v = keys.get("userId");
        return v == null || v.s() == null ? Optional.empty() : Optional.of(v.s());
    }
}
