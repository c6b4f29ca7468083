package io.userstreams.kcl;

import com.amazonaws.services.dynamodbv2.streamsadapter.processor.DynamoDBStreamsShardRecordProcessor;
import io.userstreams.core.processing.BatchProcessor;
import io.userstreams.core.processing.RetryPolicy;
import io.userstreams.core.processing.UnconvertibleRecordQueue;
import java.time.Duration;
import java.util.function.BooleanSupplier;

/**
 * The consumer's shard record processor, standalone: the same conversion, ordering and checkpoint
 * rules the application uses, for feeding recorded records through the KCL adapter's contract
 * (the test kit's replayer) without a scheduler.
 */
public final class ShardProcessors {

    private ShardProcessors() {
    }

    /**
     * @param processor     the core's batch processor
     * @param unconvertible where records go that the converter rejects (the application sends them
     *                      to the dead-letter queue as delivered, with the reason)
     * @param keepGoing     false stops retrying a systemic failure (as a shutdown would)
     */
    public static DynamoDBStreamsShardRecordProcessor standalone(BatchProcessor processor,
                                                                UnconvertibleRecordQueue unconvertible,
                                                                BooleanSupplier keepGoing) {
        ShardProcessor.Listener quiet = new ShardProcessor.Listener() { };
        RetryPolicy backoff = new RetryPolicy(Integer.MAX_VALUE, Duration.ofMillis(50), Duration.ofSeconds(2));
        return new KclShardProcessor(new KclShardProcessor.Context() {
            @Override
            public ShardProcessor newShardProcessor(String shardId) {
                return ShardProcessor.create(shardId, processor, unconvertible, keepGoing, quiet, backoff, 1, null);
            }

            @Override
            public void released(String shardId) {
                // no scheduler, no leases to account for
            }

            @Override
            public void abandon(String shardId) {
                // no lease: the caller sees the records that were not checkpointed
            }
        });
    }
}
