package io.userstreams.core.failure;

/** Whose fault a failure is, which decides between dead-lettering and handing back to the runtime. */
public enum FailureKind {
    /** The record's: retried up to maxAttempts, then dead-lettered. */
    RECORD,
    /** The record's, and retrying cannot help (validation): dead-lettered at once. */
    RECORD_PERMANENT,
    /** A sink's or the network's: retried with backoff, then the batch stops at this record. */
    SYSTEMIC
}
