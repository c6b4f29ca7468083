package io.userstreams.kcl;

import com.amazonaws.services.dynamodbv2.streamsadapter.processor.DynamoDBStreamsShardRecordProcessor;
import io.userstreams.core.change.StreamRecordConverter;
import io.userstreams.core.processing.BatchProcessor;
import java.time.Duration;
import java.util.function.BiConsumer;
import java.util.function.BooleanSupplier;
import software.amazon.awssdk.services.dynamodb.model.Record;

/**
 * The consumer's shard record processor, standalone: the same conversion, ordering and checkpoint
 * rules the application uses, for feeding recorded records through the KCL adapter's contract
 * (the test kit's replayer) without a scheduler.
 */
public final class ShardProcessors {

    private ShardProcessors() {
    }

    /**
     * As {@link #standalone(BatchProcessor, BiConsumer, BooleanSupplier)}, with rejected records
     * dead-lettered exactly as the application does it (the record as delivered, and the reason).
     */
    public static DynamoDBStreamsShardRecordProcessor standalone(BatchProcessor processor,
                                                                io.userstreams.core.processing.SqsUnconvertibleRecords deadLetters,
                                                                BooleanSupplier keepGoing) {
        return standalone(processor, (shardId, record, error) -> ConsumerApplication.deadLetterRaw(deadLetters, shardId,
                record, error), keepGoing);
    }

    /**
     * @param processor     the core's batch processor
     * @param unconvertible receives records the converter rejects, with the reason
     * @param keepGoing     false stops retrying a systemic failure (as a shutdown would)
     */
    public static DynamoDBStreamsShardRecordProcessor standalone(BatchProcessor processor,
                                                                BiConsumer<Record, Exception> unconvertible,
                                                                BooleanSupplier keepGoing) {
        return standalone(processor, (ShardWorker.Unconvertible) (shardId, record, error) -> unconvertible.accept(record,
                error), keepGoing);
    }

    private static DynamoDBStreamsShardRecordProcessor standalone(BatchProcessor processor, ShardWorker.Unconvertible sink,
                                                                 BooleanSupplier keepGoing) {
        ShardWorker.Listener quiet = new ShardWorker.Listener() { };
        return new KclShardProcessor(new KclShardProcessor.Context() {
            @Override
            public ShardWorker newWorker(String shardId) {
                return new ShardWorker(shardId, processor, r -> StreamRecordConverter.convert(r, shardId), sink,
                        keepGoing, quiet, Duration.ofMillis(50), Duration.ofSeconds(2));
            }

            @Override
            public void released(String shardId) {
                // no scheduler, no leases to account for
            }
        });
    }
}
