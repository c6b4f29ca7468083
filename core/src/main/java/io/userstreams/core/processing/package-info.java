/**
 * The ordered batch processor ({@link io.userstreams.core.processing.OrderedBatchProcessor}): each
 * enabled reaction over a shard's records in order, fail fast, retries with
 * {@link io.userstreams.core.processing.RetryPolicy}; dead letters and where they are sent.
 */
package io.userstreams.core.processing;
