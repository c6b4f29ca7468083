package io.userstreams.core.change;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.Identity;
import software.amazon.awssdk.services.dynamodb.model.OperationType;
import software.amazon.awssdk.services.dynamodb.model.Record;
import software.amazon.awssdk.services.dynamodb.model.StreamRecord;

/**
 * SDK v2 stream {@link Record} → {@link ChangeRecord}. Both runtimes use this one converter: KCL
 * hands out SDK v2 records, and the Lambda module turns its events into them with
 * aws-lambda-java-events-sdk-transformer.
 *
 * <p>TTL expiry is detected two ways: the TTL service's user identity (set by DynamoDB, and by
 * the local DynamoDB's TTL sweeper), or — because global tables set that identity only in the Region where the TTL
 * delete ran — a REMOVE whose old image's {@code expiresAt} (epoch seconds) is at or before the
 * record's approximate creation time.
 */
public final class StreamRecordConverter {

    public static final String TTL_ATTRIBUTE = "expiresAt";
    public static final String TTL_PRINCIPAL = "dynamodb.amazonaws.com";

    private StreamRecordConverter() {
    }

    public static ChangeRecord convert(Record record, String shardId) {
        StreamRecord s = record.dynamodb();
        if (s == null) {
            throw new IllegalArgumentException("stream record " + record.eventID() + " has no dynamodb section");
        }
        ChangeKind kind = kind(record);
        Map<String, AttributeValue> oldImage = s.hasOldImage() ? s.oldImage() : Map.of();
        // A missing creation time only happens in hand-made records; "now" keeps the record usable.
        Instant created = s.approximateCreationDateTime() != null ? s.approximateCreationDateTime() : Instant.now();
        boolean ttl = kind == ChangeKind.REMOVE && (isTtlService(record.userIdentity()) || expiredAt(oldImage, created));
        return new ChangeRecord(
                record.eventID(),
                kind,
                ttl,
                s.hasKeys() ? s.keys() : Map.of(),
                oldImage,
                s.hasNewImage() ? s.newImage() : Map.of(),
                shardId,
                s.sequenceNumber(),
                created);
    }

    public static List<ChangeRecord> convertAll(List<Record> records, String shardId) {
        List<ChangeRecord> out = new ArrayList<>(records.size());
        for (Record r : records) {
            out.add(convert(r, shardId));
        }
        return out;
    }

    static ChangeKind kind(Record record) {
        OperationType op = record.eventName();
        if (op == null || op == OperationType.UNKNOWN_TO_SDK_VERSION) {
            throw new IllegalArgumentException("stream record " + record.eventID() + " has unknown eventName '"
                    + record.eventNameAsString() + "'");
        }
        return ChangeKind.valueOf(op.name());
    }

    static boolean isTtlService(Identity identity) {
        return identity != null && "Service".equals(identity.type()) && TTL_PRINCIPAL.equals(identity.principalId());
    }

    /** True when the old image's TTL attribute is a number at or before {@code created}. */
    static boolean expiredAt(Map<String, AttributeValue> oldImage, Instant created) {
        AttributeValue ttl = oldImage.get(TTL_ATTRIBUTE);
        if (ttl == null || ttl.n() == null) {
            return false;
        }
        try {
            // TTL values may carry a fraction; DynamoDB compares whole seconds.
            long expires = (long) Double.parseDouble(ttl.n());
            return expires <= created.getEpochSecond();
        } catch (NumberFormatException e) {
            return false;
        }
    }
}
