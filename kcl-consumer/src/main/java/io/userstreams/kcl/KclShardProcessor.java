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
 *
 * <p>Records KCL handed over and this processor did not finish (a stop request, a lost lease) are
 * never handed over again by this shard consumer: KCL only re-reads them when a new consumer starts
 * from the checkpoint. So once records were dropped, this processor processes and checkpoints
 * nothing more, does not checkpoint SHARD_END (KCL 3.1.1's shard-end task then fails and is retried
 * instead of closing the shard), and asks the application to give the shard up, so a new consumer
 * — here or on another worker — restarts it from its checkpoint.
 */
final class KclShardProcessor implements DynamoDBStreamsShardRecordProcessor {

    private static final Logger log = LoggerFactory.getLogger(KclShardProcessor.class);

    /** What a shard processor needs from the application. */
    interface Context {
        ShardProcessor newShardProcessor(String shardId);

        void released(String shardId);

        /**
         * Records of the shard were dropped: give the lease up (if still ours) so the shard restarts
         * from its checkpoint. Best effort; must not throw.
         */
        void abandon(String shardId);
    }

    private final Context context;
    private String shardId = "unknown";
    private ShardProcessor shard;
    /** Records were handed over and not finished: nothing may be checkpointed past them any more. */
    private boolean dropped;

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
        if (dropped) {
            // Processing these would apply later records before the dropped ones and let a checkpoint pass them.
            log.atInfo().addKeyValue("shardId", shardId).addKeyValue("records", input.records().size())
                    .log("batch not processed: earlier records were dropped, the shard restarts from its checkpoint");
            return;
        }
        List<Record> records = new ArrayList<>(input.records().size());
        for (DynamoDBStreamsClientRecord r : input.records()) {
            records.add(r.getRecord());
        }
        boolean done = false;
        try {
            done = shard.process(records, checkpointer(input.checkpointer()));
        } catch (InterruptedException e) {
            // The scheduler is shutting down hard: nothing past the done prefix was checkpointed.
            Thread.currentThread().interrupt();
        } catch (RuntimeException e) {
            // KCL would log this and hand over the next batch: the unfinished records count as dropped.
            log.atError().setCause(e).addKeyValue("shardId", shardId).log("shard processing failed unexpectedly");
        } finally {
            if (!done) {
                dropped = true;
                log.atInfo().addKeyValue("shardId", shardId)
                        .addKeyValue("checkpoint", String.valueOf(shard.lastCheckpointed()))
                        .log("records dropped: giving the shard up so it restarts from its checkpoint");
                context.abandon(shardId);
            }
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
        if (dropped) {
            // KCL calls this right after processRecords returned, even when records were dropped:
            // SHARD_END now would close the shard with them unprocessed, and children would start.
            context.abandon(shardId);
            throw new IllegalStateException("shard " + shardId + " ended with records not processed: SHARD_END is"
                    + " not checkpointed; the shard restarts from checkpoint " + shard.lastCheckpointed());
        }
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
