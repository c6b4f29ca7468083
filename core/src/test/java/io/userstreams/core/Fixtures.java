package io.userstreams.core;

import io.userstreams.core.change.ChangeKind;
import io.userstreams.core.change.ChangeRecord;
import io.userstreams.core.user.User;
import io.userstreams.core.user.UserItems;
import java.time.Instant;
import java.util.Map;
import java.util.OptionalLong;
import java.util.concurrent.atomic.AtomicLong;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/** Change records and users for tests. */
public final class Fixtures {

    private static final AtomicLong SEQ = new AtomicLong(1);
    public static final Instant T0 = Instant.parse("2026-11-25T10:00:00Z");

    private Fixtures() {
    }

    public static User user(String id) {
        return new User(id, id + "@example.com", "Name " + id, "free", "KR", "ko", T0, 1, OptionalLong.empty());
    }

    public static User user(String id, String email, String plan, String country, String locale) {
        return new User(id, email, "Name " + id, plan, country, locale, T0, 1, OptionalLong.empty());
    }

    public static String nextSequence() {
        return String.format("%021d", SEQ.incrementAndGet());
    }

    public static ChangeRecord insert(User u) {
        return record(ChangeKind.INSERT, false, u.userId(), Map.of(), UserItems.toItem(u));
    }

    public static ChangeRecord modify(User before, User after) {
        return record(ChangeKind.MODIFY, false, after.userId(), UserItems.toItem(before), UserItems.toItem(after));
    }

    public static ChangeRecord remove(User before) {
        return record(ChangeKind.REMOVE, false, before.userId(), UserItems.toItem(before), Map.of());
    }

    public static ChangeRecord expire(User before) {
        return record(ChangeKind.REMOVE, true, before.userId(), UserItems.toItem(before), Map.of());
    }

    public static ChangeRecord record(ChangeKind kind, boolean ttl, String userId, Map<String, AttributeValue> oldImage,
                                      Map<String, AttributeValue> newImage) {
        String seq = nextSequence();
        return new ChangeRecord("event-" + seq, kind, ttl, Map.of("userId", AttributeValue.fromS(userId)), oldImage,
                newImage, "shardId-000001", seq, Instant.now());
    }

    /**
     * A record no reaction can use: an INSERT without its new image (a stream not using
     * NEW_AND_OLD_IMAGES, a damaged capture). Dead-lettered once with reaction {@code validation}.
     */
    public static ChangeRecord poison(String userId) {
        return record(ChangeKind.INSERT, false, userId, Map.of(), Map.of());
    }

    /** An INSERT whose email is not an address: refused by the reactions that use the email. */
    public static ChangeRecord badEmail(String userId) {
        Map<String, AttributeValue> item = new java.util.HashMap<>(UserItems.toItem(user(userId)));
        item.put("email", AttributeValue.fromS("not-an-email"));
        return record(ChangeKind.INSERT, false, userId, Map.of(), item);
    }
}
