package io.userstreams.core.user;

import java.util.HashMap;
import java.util.Map;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/** User ↔ users-table item. Writers (CLI, users API) and the reactions share this one mapping. */
public final class UserItems {

    private UserItems() {
    }

    /** The item for a user; {@code version} is written only when the user has one. */
    public static Map<String, AttributeValue> toItem(User user) {
        Map<String, AttributeValue> item = new HashMap<>(12);
        item.put("userId", AttributeValue.fromS(user.userId()));
        item.put("email", AttributeValue.fromS(user.email()));
        item.put("name", AttributeValue.fromS(user.name()));
        item.put("plan", AttributeValue.fromS(user.plan()));
        item.put("country", AttributeValue.fromS(user.country()));
        item.put("locale", AttributeValue.fromS(user.locale()));
        item.put("createdAt", AttributeValue.fromS(user.createdAt().toString()));
        if (user.hasVersion()) {
            item.put("version", AttributeValue.fromN(Long.toString(user.version())));
        }
        user.expiresAt().ifPresent(e -> item.put("expiresAt", AttributeValue.fromN(Long.toString(e))));
        return item;
    }

    /** Parses and validates; throws {@link InvalidUserException} naming the field. */
    public static User fromItem(Map<String, AttributeValue> item) {
        return UserValidator.parse(item);
    }

    public static Map<String, AttributeValue> key(String userId) {
        return Map.of("userId", AttributeValue.fromS(userId));
    }
}
