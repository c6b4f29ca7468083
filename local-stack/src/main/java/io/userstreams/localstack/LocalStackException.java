package io.userstreams.localstack;

/** The local stack could not start or do what was asked; the message says what to do. */
public class LocalStackException extends RuntimeException {

    public LocalStackException(String message) {
        super(message);
    }

    public LocalStackException(String message, Throwable cause) {
        super(message, cause);
    }
}
