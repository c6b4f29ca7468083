package io.userstreams.lambda;

import io.userstreams.core.UserStreamsCore;
import io.userstreams.core.change.ChangeKind;
import io.userstreams.core.change.ChangeRecord;
import java.time.Instant;
import java.util.Map;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.Record;

/**
 * The one place that binds the handler to the core's conversion and dead-letter entry points, so
 * the handler itself depends only on {@link LambdaRecordConverter.V2Converter} and
 * {@link StreamHandlerRuntime.MalformedRecords}.
 */
final class CoreBridge {

    private CoreBridge() {
    }

    static LambdaRecordConverter converter() {
        return new LambdaRecordConverter(CoreBridge::toChangeRecord);
    }

    static StreamHandlerRuntime.MalformedRecords malformedRecords(UserStreamsCore core) {
        return record -> {
            throw new UnsupportedOperationException("core has no dead-letter entry point for unconvertible records yet");
        };
    }

    /** Interim v2 → change record conversion until core's StreamRecordConverter lands. */
    static ChangeRecord toChangeRecord(Record r, String shardId) {
        if (r.dynamodb() == null) {
            throw new IllegalArgumentException("record has no dynamodb section");
        }
        ChangeKind kind = ChangeKind.valueOf(r.eventNameAsString());
        Instant created = r.dynamodb().approximateCreationDateTime();
        if (created == null) {
            throw new IllegalArgumentException("record has no ApproximateCreationDateTime");
        }
        boolean ttl = kind == ChangeKind.REMOVE && (
                r.userIdentity() != null && "Service".equals(r.userIdentity().type())
                        && "dynamodb.amazonaws.com".equals(r.userIdentity().principalId())
                        || expiredBy(r.dynamodb().oldImage(), created));
        return new ChangeRecord(r.eventID(), kind, ttl, r.dynamodb().keys(), r.dynamodb().oldImage(),
                r.dynamodb().newImage(), shardId, r.dynamodb().sequenceNumber(), created);
    }

    private static boolean expiredBy(Map<String, AttributeValue> old, Instant created) {
        AttributeValue v = old == null ? null : old.get("expiresAt");
        if (v == null || v.n() == null) {
            return false;
        }
        try {
            return Long.parseLong(v.n()) <= created.getEpochSecond();
        } catch (NumberFormatException e) {
            return false;
        }
    }
}
