package io.userstreams.core.failure;

/**
 * Not the record's fault: a sink is unreachable, throttling, failing, or the work is held by
 * another worker. Retried with backoff, then handed back to the runtime; never dead-lettered.
 */
public class SystemicFailureException extends RuntimeException {

    private final String errorType;

    public SystemicFailureException(String errorType, String message, Throwable cause) {
        super(message, cause);
        this.errorType = errorType;
    }

    public String errorType() {
        return errorType;
    }
}
