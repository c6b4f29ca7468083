/**
 * The runtime-neutral batch pipeline: {@link io.userstreams.core.pipeline.RecordBatchRunner} takes a
 * runtime's records through a {@link io.userstreams.core.pipeline.RecordAdapter} (convert,
 * de-duplicate, process in order, dead-letter the unconvertible in place) and says how many records,
 * from the first, are done. Lambda and KCL each map that done prefix to their own contract.
 */
package io.userstreams.core.pipeline;
