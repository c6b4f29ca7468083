package io.userstreams.core.user;

import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.function.UnaryOperator;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.ConditionalCheckFailedException;
import software.amazon.awssdk.services.dynamodb.model.ReturnValuesOnConditionCheckFailure;

/**
 * Versioned writes to the users table, shared by the users API and the CLI. Every write bumps the
 * item's {@code version} with a conditional write, which is what the search index's external
 * versioning relies on: a lost race is a {@link UserConflictException}, never a silent overwrite.
 */
public final class UserStore {

    private final DynamoDbClient dynamoDb;
    private final String table;

    public UserStore(DynamoDbClient dynamoDb, String table) {
        this.dynamoDb = Objects.requireNonNull(dynamoDb);
        this.table = Objects.requireNonNull(table);
    }

    public String table() {
        return table;
    }

    /** Creates a user at version 1; fails with a conflict when the id exists. */
    public User create(User user) {
        User created = user.withVersion(1);
        UserValidator.validate(created);
        try {
            dynamoDb.putItem(b -> b.tableName(table).item(UserItems.toItem(created))
                    .conditionExpression("attribute_not_exists(userId)")
                    .returnValuesOnConditionCheckFailure(ReturnValuesOnConditionCheckFailure.ALL_OLD));
        } catch (ConditionalCheckFailedException e) {
            throw new UserConflictException(user.userId(), "user '" + user.userId() + "' already exists",
                    versionOf(e.item()));
        }
        return created;
    }

    /** The raw item (strongly consistent read), if any. */
    public Optional<Map<String, AttributeValue>> getItem(String userId) {
        var item = dynamoDb.getItem(b -> b.tableName(table).key(UserItems.key(userId)).consistentRead(true)).item();
        return item == null || item.isEmpty() ? Optional.empty() : Optional.of(item);
    }

    /** The user (validated), if any. */
    public Optional<User> get(String userId) {
        return getItem(userId).map(UserItems::fromItem);
    }

    /**
     * Reads the user, applies {@code change}, and writes it back at version + 1 on condition that
     * nobody wrote in between (and, when given, that the version read is {@code expectedVersion}).
     */
    public User update(String userId, OptionalLong expectedVersion, UnaryOperator<User> change) {
        User current = get(userId).orElseThrow(() -> new UserNotFoundException(userId));
        if (expectedVersion.isPresent() && expectedVersion.getAsLong() != current.version()) {
            throw conflict(userId, expectedVersion.getAsLong(), OptionalLong.of(current.version()));
        }
        User next = change.apply(current);
        if (!next.userId().equals(userId)) {
            throw new io.userstreams.core.user.InvalidUserException("userId", "cannot be changed");
        }
        next = next.withVersion(current.version() + 1);
        UserValidator.validate(next);
        Map<String, AttributeValue> values = new HashMap<>();
        String condition;
        if (current.hasVersion()) {
            condition = "version = :expected";
            values.put(":expected", AttributeValue.fromN(Long.toString(current.version())));
        } else {
            // Written by another application without a version: claim version 1 now.
            condition = "attribute_exists(userId) AND attribute_not_exists(version)";
        }
        User written = next;
        try {
            dynamoDb.putItem(b -> {
                b.tableName(table).item(UserItems.toItem(written)).conditionExpression(condition)
                        .returnValuesOnConditionCheckFailure(ReturnValuesOnConditionCheckFailure.ALL_OLD);
                if (!values.isEmpty()) {
                    b.expressionAttributeValues(values);
                }
            });
        } catch (ConditionalCheckFailedException e) {
            if (e.item() == null || e.item().isEmpty()) {
                throw new UserNotFoundException(userId);
            }
            throw conflict(userId, current.version(), versionOf(e.item()));
        }
        return written;
    }

    /** Sets the TTL attribute (epoch seconds), as a versioned update. */
    public User expire(String userId, long epochSeconds) {
        return update(userId, OptionalLong.empty(), u -> u.withExpiresAt(OptionalLong.of(epochSeconds)));
    }

    /** Deletes the user and returns the item it had; with {@code expectedVersion}, only if still at that version. */
    public Map<String, AttributeValue> delete(String userId, OptionalLong expectedVersion) {
        Map<String, AttributeValue> values = new HashMap<>();
        String condition = "attribute_exists(userId)";
        if (expectedVersion.isPresent()) {
            condition += " AND version = :expected";
            values.put(":expected", AttributeValue.fromN(Long.toString(expectedVersion.getAsLong())));
        }
        String c = condition;
        try {
            var old = dynamoDb.deleteItem(b -> {
                b.tableName(table).key(UserItems.key(userId)).conditionExpression(c)
                        .returnValues(software.amazon.awssdk.services.dynamodb.model.ReturnValue.ALL_OLD)
                        .returnValuesOnConditionCheckFailure(ReturnValuesOnConditionCheckFailure.ALL_OLD);
                if (!values.isEmpty()) {
                    b.expressionAttributeValues(values);
                }
            }).attributes();
            return old;
        } catch (ConditionalCheckFailedException e) {
            if (e.item() == null || e.item().isEmpty()) {
                throw new UserNotFoundException(userId);
            }
            throw conflict(userId, expectedVersion.orElse(-1), versionOf(e.item()));
        }
    }

    private static UserConflictException conflict(String userId, long expected, OptionalLong current) {
        return new UserConflictException(userId, "version conflict on user '" + userId + "': expected version "
                + expected + ", the table has " + (current.isPresent() ? current.getAsLong() : "another")
                + " (someone else changed it; re-read and retry)", current);
    }

    private static OptionalLong versionOf(Map<String, AttributeValue> item) {
        if (item == null) {
            return OptionalLong.empty();
        }
        AttributeValue v = item.get("version");
        if (v == null || v.n() == null) {
            return OptionalLong.empty();
        }
        try {
            return OptionalLong.of(Long.parseLong(v.n()));
        } catch (NumberFormatException e) {
            return OptionalLong.empty();
        }
    }
}
