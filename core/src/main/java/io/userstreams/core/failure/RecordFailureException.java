package io.userstreams.core.failure;

/**
 * The record itself cannot be applied (a 4xx naming it, a document the index rejects): retried a
 * few times, then dead-lettered. Not for sinks being down — that is {@link SystemicFailureException}.
 */
public class RecordFailureException extends RuntimeException {

    private final String errorType;
    private final boolean retryable;

    public RecordFailureException(String errorType, String message, Throwable cause) {
        this(errorType, message, cause, true);
    }

    /** @param retryable false when another attempt cannot help (dead-letter at once) */
    public RecordFailureException(String errorType, String message, Throwable cause, boolean retryable) {
        super(message, cause);
        this.errorType = errorType;
        this.retryable = retryable;
    }

    /** A short machine-readable code (e.g. {@code mapper_parsing_exception}, {@code InvalidParameter}). */
    public String errorType() {
        return errorType;
    }

    public boolean retryable() {
        return retryable;
    }
}
