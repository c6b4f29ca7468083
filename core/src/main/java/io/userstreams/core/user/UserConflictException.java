package io.userstreams.core.user;

import java.util.OptionalLong;

/**
 * A conditional write lost (HTTP 409): the user already exists, or someone else changed it since
 * the version the caller read. Re-read and retry.
 */
public final class UserConflictException extends RuntimeException {

    private final String userId;
    private final OptionalLong currentVersion;

    public UserConflictException(String userId, String message, OptionalLong currentVersion) {
        super(message, null, false, false);
        this.userId = userId;
        this.currentVersion = currentVersion;
    }

    public String userId() {
        return userId;
    }

    /** The version now in the table, when known. */
    public OptionalLong currentVersion() {
        return currentVersion;
    }
}
