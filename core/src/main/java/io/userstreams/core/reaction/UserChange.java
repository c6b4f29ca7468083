package io.userstreams.core.reaction;

import io.userstreams.core.change.ChangeKind;
import io.userstreams.core.change.ChangeRecord;
import io.userstreams.core.user.InvalidUserException;
import io.userstreams.core.user.User;
import io.userstreams.core.user.UserImage;
import io.userstreams.core.user.UserValidator;
import java.util.Collection;
import java.util.Map;
import java.util.Optional;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/**
 * A change record whose images were parsed into users once, before any reaction runs.
 *
 * <p>Only what every reaction needs is required here (the key, and the images the record's kind
 * must carry); a record without them is dead-lettered once with reaction {@code validation}. Field
 * values are checked by each reaction for the fields it uses ({@link #newImageProblem},
 * {@link #oldUsable}, {@link #newUsable}): one bad value in an image (a plan another application
 * invented) blocks only the reactions that use it, and only for the record that brought it.
 *
 * @param oldUser the user before the change (null for INSERT); unusable fields hold placeholders
 * @param newUser the user after the change (null for REMOVE); unusable fields hold placeholders
 * @param oldImage the old image's field problems (null for INSERT)
 * @param newImage the new image's field problems (null for REMOVE)
 */
public record UserChange(ChangeRecord record, User oldUser, User newUser, UserImage oldImage, UserImage newImage) {

    /** A change whose images are fully valid (tests, replays of users built in code). */
    public UserChange(ChangeRecord record, User oldUser, User newUser) {
        this(record, oldUser, newUser, oldUser == null ? null : new UserImage(oldUser, Map.of()),
                newUser == null ? null : new UserImage(newUser, Map.of()));
    }

    /** Parses the images the record's kind needs; throws {@link InvalidUserException} for a missing key or image. */
    public static UserChange of(ChangeRecord record) {
        AttributeValue key = record.keys().get("userId");
        if (key == null || key.s() == null || key.s().isEmpty()) {
            throw new InvalidUserException("keys.userId", "missing or not a string: the users table is keyed by userId (S)");
        }
        String userId = key.s();
        UserImage oldImage = null;
        UserImage newImage = null;
        switch (record.kind()) {
            case INSERT -> newImage = parse(record.newImage(), "newImage", userId, record.kind());
            case MODIFY -> {
                oldImage = parse(record.oldImage(), "oldImage", userId, record.kind());
                newImage = parse(record.newImage(), "newImage", userId, record.kind());
            }
            case REMOVE -> oldImage = parse(record.oldImage(), "oldImage", userId, record.kind());
        }
        return new UserChange(record, oldImage == null ? null : oldImage.user(), newImage == null ? null : newImage.user(),
                oldImage, newImage);
    }

    private static UserImage parse(Map<String, AttributeValue> image, String name, String userId, ChangeKind kind) {
        if (image.isEmpty()) {
            throw new InvalidUserException(name, "missing for a " + kind
                    + " record: the stream must use StreamViewType NEW_AND_OLD_IMAGES");
        }
        UserImage parsed = UserValidator.parseFields(image);
        if (parsed.usable("userId") && !parsed.user().userId().equals(userId)) {
            throw new InvalidUserException(name + ".userId", "differs from the record's key");
        }
        // The key is the item's identity: reactions use it, whatever the image's own userId says.
        User user = parsed.usable("userId") ? parsed.user() : withUserId(parsed.user(), userId);
        return new UserImage(user, parsed.problems());
    }

    private static User withUserId(User u, String userId) {
        return new User(userId, u.email(), u.name(), u.plan(), u.country(), u.locale(), u.createdAt(), u.version(),
                u.expiresAt());
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

    /** Whether the old image's {@code field} can be used (false for INSERT). */
    public boolean oldUsable(String field) {
        return oldImage != null && oldImage.usable(field);
    }

    /** Whether the new image's {@code field} can be used (false for REMOVE). */
    public boolean newUsable(String field) {
        return newImage != null && newImage.usable(field);
    }

    /** Why the new image cannot serve a reaction using {@code fields} (named {@code newImage.<field>}), or null. */
    public InvalidUserException newImageProblem(Collection<String> fields) {
        InvalidUserException p = newImage == null ? null : newImage.problemWith(fields);
        return p == null ? null : p.in("newImage");
    }

    /** Why the old image cannot serve a reaction using {@code fields} (named {@code oldImage.<field>}), or null. */
    public InvalidUserException oldImageProblem(Collection<String> fields) {
        InvalidUserException p = oldImage == null ? null : oldImage.problemWith(fields);
        return p == null ? null : p.in("oldImage");
    }
}
