package io.userstreams.core.user;

/**
 * An item is not a valid user. Names the offending field and why, so a dead letter explains itself.
 * Carries no stack trace: it is an expected outcome on the hot path, not a bug.
 */
public final class InvalidUserException extends RuntimeException {

    private final String field;
    private final String reason;

    public InvalidUserException(String field, String reason) {
        super(field + ": " + reason, null, false, false);
        this.field = field;
        this.reason = reason;
    }

    /** The attribute at fault ({@code item} for whole-item problems, {@code keys} for the key). */
    public String field() {
        return field;
    }

    public String reason() {
        return reason;
    }

    /** The same problem, said of a particular image (e.g. {@code newImage.email}). */
    public InvalidUserException in(String image) {
        return new InvalidUserException(image + "." + field, reason);
    }
}
