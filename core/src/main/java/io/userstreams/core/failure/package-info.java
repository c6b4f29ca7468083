/**
 * Whose fault a failure is: {@link io.userstreams.core.failure.FailureClassifier} sorts a throwable into
 * a {@link io.userstreams.core.failure.FailureKind} (record: dead-letter after a few tries; systemic:
 * back off and hand the batch back); reactions throw {@link io.userstreams.core.failure.RecordFailureException}
 * or {@link io.userstreams.core.failure.SystemicFailureException} to say it themselves.
 */
package io.userstreams.core.failure;
