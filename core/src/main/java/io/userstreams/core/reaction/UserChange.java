package io.userstreams.core.reaction;

import io.userstreams.core.change.ChangeKind;
import io.userstreams.core.change.ChangeRecord;
import io.userstreams.core.user.InvalidUserException;
import io.userstreams.core.user.User;
import io.userstreams.core.user.UserValidator;
import java.util.Map;
import java.util.Optional;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/**
 * A change record whose images were parsed into users, once per record, before any reaction runs:
 * reactions never see an invalid user, and a bad record is dead-lettered once (reaction
 * {@code validation}), not once per reaction.
 *
 * @param oldUser the user before the change (null for INSERT)
 * @param newUser the user after the change (null for REMOVE)
 */
public record UserChange(ChangeRecord record, User oldUser, User newUser) {

    /** Parses the images the record's kind needs; throws {@link InvalidUserException} naming the field. */
    public static UserChange of(ChangeRecord record) {
        AttributeValue key = record.keys().get("userId");
        if (key == null || key.s() == null || key.s().isEmpty()) {
            throw new InvalidUserException("keys.userId", "missing or not a string: the users table is keyed by userId (S)");
        }
        String userId = key.s();
        User oldUser = null;
        User newUser = null;
        switch (record.kind()) {
            case INSERT -> newUser = parse(record.newImage(), "newImage", userId, record.kind());
            case MODIFY -> {
                oldUser = parse(record.oldImage(), "oldImage", userId, record.kind());
                newUser = parse(record.newImage(), "newImage", userId, record.kind());
            }
            case REMOVE -> oldUser = parse(record.oldImage(), "oldImage", userId, record.kind());
        }
        return new UserChange(record, oldUser, newUser);
    }

    private static User parse(Map<String, AttributeValue> image, String name, String userId, ChangeKind kind) {
        if (image.isEmpty()) {
            throw new InvalidUserException(name, "missing for a " + kind
                    + " record: the stream must use StreamViewType NEW_AND_OLD_IMAGES");
        }
        User user;
        try {
            user = UserValidator.parse(image);
        } catch (InvalidUserException e) {
            throw e.in(name);
        }
        if (!user.userId().equals(userId)) {
            throw new InvalidUserException(name + ".userId", "'" + user.userId() + "' differs from the key '" + userId + "'");
        }
        return user;
    }

    public ChangeKind kind() {
        return record.kind();
    }

    public String userId() {
        return newUser != null ? newUser.userId() : oldUser.userId();
    }

    public Optional<User> before() {
        return Optional.ofNullable(oldUser);
    }

    public Optional<User> after() {
        return Optional.ofNullable(newUser);
    }
}
