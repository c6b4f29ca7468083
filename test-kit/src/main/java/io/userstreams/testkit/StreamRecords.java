package io.userstreams.testkit;

import io.userstreams.localdefaults.LocalDefaults;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.userstreams.core.user.User;
import io.userstreams.core.user.UserItems;
import io.userstreams.lambda.LambdaStreamJson;
import java.time.Instant;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.Identity;
import software.amazon.awssdk.services.dynamodb.model.OperationType;
import software.amazon.awssdk.services.dynamodb.model.Record;
import software.amazon.awssdk.services.dynamodb.model.StreamRecord;
import software.amazon.awssdk.services.dynamodb.model.StreamViewType;

/**
 * Builders for DynamoDB stream records of the users table, in the Lambda event format (the JSON
 * that {@code sam local generate-event dynamodb update} prints):
 *
 * <pre>{@code
 * ObjectNode event = StreamRecords.event(
 *         StreamRecords.insert(kim),
 *         StreamRecords.modify(kim, kimOnPro),
 *         StreamRecords.ttlExpiry(kimOnPro));
 * }</pre>
 * Sequence numbers increase across all records built in this JVM (21 digits, like DynamoDB's), so
 * records built in order replay in order; each record gets a fresh eventID.
 */
public final class StreamRecords {

    public static final String STREAM_ARN =
            "arn:aws:dynamodb:" + LocalDefaults.REGION + ":" + LocalDefaults.ACCOUNT_ID + ":table/"
                    + LocalDefaults.USERS_TABLE + "/stream/2026-01-01T00:00:00.000";
    public static final String REGION = LocalDefaults.REGION;

    private static final AtomicLong SEQUENCE = new AtomicLong(System.currentTimeMillis() * 1000);

    private StreamRecords() {
    }

    /** A user's creation. */
    public static ObjectNode insert(User user) {
        return json(record(OperationType.INSERT, user.userId(), null, UserItems.toItem(user), null));
    }

    /** A change from {@code before} to {@code after} (same userId). */
    public static ObjectNode modify(User before, User after) {
        if (!before.userId().equals(after.userId())) {
            throw new IllegalArgumentException("modify needs the same userId, got " + before.userId() + " and " + after.userId());
        }
        return json(record(OperationType.MODIFY, after.userId(), UserItems.toItem(before), UserItems.toItem(after), null));
    }

    /** A writer's delete. */
    public static ObjectNode remove(User user) {
        return json(record(OperationType.REMOVE, user.userId(), UserItems.toItem(user), null, null));
    }

    /**
     * A TTL expiry, as DynamoDB writes it: a REMOVE by the TTL service
     * ({@code userIdentity {type: Service, principalId: dynamodb.amazonaws.com}}); when the user has
     * no {@code expiresAt}, one a minute in the past is added to the old image.
     */
    public static ObjectNode ttlExpiry(User user) {
        User expired = user.expiresAt().isPresent() ? user
                : user.withExpiresAt(OptionalLong.of(Instant.now().getEpochSecond() - 60));
        return json(record(OperationType.REMOVE, user.userId(), UserItems.toItem(expired), null,
                Identity.builder().type("Service").principalId("dynamodb.amazonaws.com").build()));
    }

    /** A Lambda event ({@code {"Records": [...]}}) of these records, in order. */
    public static ObjectNode event(ObjectNode... records) {
        return LambdaStreamJson.event(Arrays.asList(records));
    }

    public static ObjectNode event(List<ObjectNode> records) {
        return LambdaStreamJson.event(records);
    }

    /** The same record redelivered (same eventID and sequence number): a copy, as a stream retry sends it. */
    public static ObjectNode redelivery(ObjectNode record) {
        return record.deepCopy();
    }

    static Record record(OperationType op, String userId, Map<String, AttributeValue> oldImage,
                         Map<String, AttributeValue> newImage, Identity identity) {
        StreamRecord.Builder s = StreamRecord.builder()
                .keys(UserItems.key(userId))
                .sequenceNumber(String.format("%021d", SEQUENCE.incrementAndGet()))
                .streamViewType(StreamViewType.NEW_AND_OLD_IMAGES)
                .approximateCreationDateTime(Instant.ofEpochSecond(Instant.now().getEpochSecond()))
                .sizeBytes(100L);
        if (oldImage != null) s.oldImage(oldImage);
        if (newImage != null) s.newImage(newImage);
        byte[] id = new byte[16];
        ThreadLocalRandom.current().nextBytes(id);
        Record.Builder r = Record.builder().eventID(HexFormat.of().formatHex(id)).eventName(op).eventVersion("1.1")
                .eventSource("aws:dynamodb").awsRegion(REGION).dynamodb(s.build());
        if (identity != null) r.userIdentity(identity);
        return r.build();
    }

    private static ObjectNode json(Record r) {
        return LambdaStreamJson.toJson(r, STREAM_ARN, REGION);
    }
}
