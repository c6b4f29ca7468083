package io.userstreams.core.failure;

import io.userstreams.core.user.InvalidUserException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.concurrent.TimeoutException;
import org.opensearch.client.opensearch._types.OpenSearchException;
import software.amazon.awssdk.awscore.exception.AwsServiceException;
import software.amazon.awssdk.core.exception.SdkClientException;

/**
 * Decides whose fault a failure is ({@link FailureKind}): the record's (retry a few times, then
 * dead-letter) or a sink's (back off, hand the batch back). Reactions wrap record-specific errors
 * in {@link RecordFailureException}; everything else is classified here.
 */
public final class FailureClassifier {

    private FailureClassifier() {
    }

    public static FailureKind classify(Throwable t) {
        if (t instanceof InvalidUserException) {
            return FailureKind.RECORD_PERMANENT;
        }
        if (t instanceof RecordFailureException r) {
            return r.retryable() ? FailureKind.RECORD : FailureKind.RECORD_PERMANENT;
        }
        if (t instanceof SystemicFailureException) {
            return FailureKind.SYSTEMIC;
        }
        // A service error that a reaction did not attribute to the record (access denied, missing
        // table, throttling, 5xx) is about the sink or its configuration, not the record.
        if (t instanceof AwsServiceException || t instanceof SdkClientException) {
            return FailureKind.SYSTEMIC;
        }
        if (t instanceof OpenSearchException) {
            return FailureKind.SYSTEMIC;
        }
        for (Throwable c = t; c != null; c = c.getCause()) {
            if (c instanceof IOException || c instanceof UncheckedIOException || c instanceof TimeoutException
                    || c instanceof InterruptedException) {
                return FailureKind.SYSTEMIC;
            }
            if (c.getCause() == c) {
                break;
            }
        }
        // Anything else is a bug triggered by this record's data: dead-letter it rather than
        // block the shard in a crash loop.
        return FailureKind.RECORD;
    }

    /** A short code for logs, metrics and dead letters. */
    public static String errorType(Throwable t) {
        if (t instanceof InvalidUserException) {
            return "validation";
        }
        if (t instanceof RecordFailureException r && r.errorType() != null) {
            return r.errorType();
        }
        if (t instanceof SystemicFailureException s && s.errorType() != null) {
            return s.errorType();
        }
        if (t instanceof AwsServiceException a && a.awsErrorDetails() != null && a.awsErrorDetails().errorCode() != null) {
            return a.awsErrorDetails().errorCode();
        }
        if (t instanceof OpenSearchException o && o.error() != null && o.error().type() != null) {
            return o.error().type();
        }
        return t.getClass().getSimpleName();
    }

    /** The message, without the SDK's request-id noise, for a dead letter's {@code error}. */
    public static String message(Throwable t) {
        String m = t.getMessage();
        return m == null ? t.getClass().getName() : m;
    }
}
