package io.userstreams.core.user;

/** No user with this id (HTTP 404). */
public final class UserNotFoundException extends RuntimeException {

    private final String userId;

    public UserNotFoundException(String userId) {
        super("user '" + userId + "' not found", null, false, false);
        this.userId = userId;
    }

    public String userId() {
        return userId;
    }
}
