package io.userstreams.core.failure;

import java.time.Duration;
import java.util.Optional;

/**
 * Not the record's fault: a sink is unreachable, throttling, failing, or the work is held by
 * another worker. Retried with backoff, then handed back to the runtime; never dead-lettered.
 */
public class SystemicFailureException extends RuntimeException {

    private final String errorType;
    private final Duration retryAfter;

    public SystemicFailureException(String errorType, String message, Throwable cause) {
        this(errorType, message, cause, null);
    }

    /**
     * @param retryAfter how long the hold lasts at most (e.g. another worker's lease): the processor
     *                   waits for it, within the batch's deadline, instead of spending its retries
     */
    public SystemicFailureException(String errorType, String message, Throwable cause, Duration retryAfter) {
        super(message, cause);
        this.errorType = errorType;
        this.retryAfter = retryAfter;
    }

    /** When a retry can succeed at the latest, if the failure knows (a lease that expires). */
    public Optional<Duration> retryAfter() {
        return Optional.ofNullable(retryAfter);
    }

    public String errorType() {
        return errorType;
    }
}
