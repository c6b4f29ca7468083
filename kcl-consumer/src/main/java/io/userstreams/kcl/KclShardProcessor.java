package io.userstreams.kcl;

import com.amazonaws.services.dynamodbv2.streamsadapter.adapter.DynamoDBStreamsClientRecord;
import com.amazonaws.services.dynamodbv2.streamsadapter.model.DynamoDBStreamsProcessRecordsInput;
import com.amazonaws.services.dynamodbv2.streamsadapter.processor.DynamoDBStreamsShardRecordProcessor;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.services.dynamodb.model.Record;
import software.amazon.kinesis.exceptions.InvalidStateException;
import software.amazon.kinesis.exceptions.KinesisClientLibDependencyException;
import software.amazon.kinesis.exceptions.ShutdownException;
import software.amazon.kinesis.exceptions.ThrottlingException;
import software.amazon.kinesis.lifecycle.events.InitializationInput;
import software.amazon.kinesis.lifecycle.events.LeaseLostInput;
import software.amazon.kinesis.lifecycle.events.ShardEndedInput;
import software.amazon.kinesis.lifecycle.events.ShutdownRequestedInput;
import software.amazon.kinesis.processor.RecordProcessorCheckpointer;

/**
 * The KCL side of one shard: translates KCL's lifecycle calls and checkpointer into the KCL-free
 * {@link ShardProcessor}. Nothing else in the product sees a KCL type.
 */
final class KclShardProcessor implements DynamoDBStreamsShardRecordProcessor {

    private static final Logger log = LoggerFactory.getLogger(KclShardProcessor.class);

    /** What a shard processor needs from the application. */
    interface Context {
        ShardProcessor newShardProcessor(String shardId);

        void released(String shardId);
    }

    private final Context context;
    private String shardId = "unknown";
    private ShardProcessor shard;

    KclShardProcessor(Context context) {
        this.context = context;
    }

    @Override
    public void initialize(InitializationInput input) {
        shardId = input.shardId();
        shard = context.newShardProcessor(shardId);
        log.atInfo().addKeyValue("shardId", shardId)
                .addKeyValue("checkpoint", String.valueOf(input.extendedSequenceNumber()))
                .log("shard acquired");
    }

    @Override
    public void processRecords(DynamoDBStreamsProcessRecordsInput input) {
        List<Record> records = new ArrayList<>(input.records().size());
        for (DynamoDBStreamsClientRecord r : input.records()) {
            records.add(r.getRecord());
        }
        try {
            shard.process(records, checkpointer(input.checkpointer()));
        } catch (InterruptedException e) {
            // The scheduler is shutting down hard: nothing past the done prefix was checkpointed.
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void leaseLost(LeaseLostInput input) {
        // Another worker owns the shard now; checkpointing is no longer allowed, and not needed.
        log.atInfo().addKeyValue("shardId", shardId).log("lease lost");
        context.released(shardId);
    }

    @Override
    public void shardEnded(ShardEndedInput input) {
        try {
            input.checkpointer().checkpoint();
            log.atInfo().addKeyValue("shardId", shardId).log("shard ended and checkpointed: children may start");
        } catch (ShutdownException e) {
            log.atInfo().addKeyValue("shardId", shardId).log("lease lost at shard end: the next owner ends it");
        } catch (InvalidStateException | KinesisClientLibDependencyException | ThrottlingException e) {
            // KCL retries the shard-end task when this throws: children wait until the parent is closed.
            throw new IllegalStateException("checkpoint at shard end failed for " + shardId, e);
        }
        context.released(shardId);
    }

    @Override
    public void shutdownRequested(ShutdownRequestedInput input) {
        try {
            if (shard != null) {
                shard.checkpointDone(checkpointer(input.checkpointer()));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        log.atInfo().addKeyValue("shardId", shardId)
                .addKeyValue("checkpoint", shard == null ? "none" : String.valueOf(shard.lastCheckpointed()))
                .log("shutdown requested: done records checkpointed");
        context.released(shardId);
    }

    private static ShardProcessor.Checkpointer checkpointer(RecordProcessorCheckpointer checkpointer) {
        return sequenceNumber -> {
            try {
                checkpointer.checkpoint(sequenceNumber);
            } catch (ShutdownException e) {
                throw new ShardProcessor.LeaseLostException("lease lost", e);
            } catch (InvalidStateException | KinesisClientLibDependencyException | ThrottlingException e) {
                throw new ShardProcessor.CheckpointFailedException(e.getMessage(), e);
            } catch (IllegalArgumentException e) {
                // A sequence number below the last checkpoint (a redelivery after a lease move): nothing to do.
                log.atDebug().addKeyValue("sequenceNumber", sequenceNumber).log("checkpoint not advanced");
            }
        };
    }
}
