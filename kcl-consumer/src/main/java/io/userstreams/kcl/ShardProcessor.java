package io.userstreams.kcl;

import io.userstreams.core.change.ChangeRecord;
import io.userstreams.core.pipeline.RecordBatchRunner;
import io.userstreams.core.processing.BatchProcessor;
import io.userstreams.core.processing.RetryPolicy;
import io.userstreams.core.processing.UnconvertibleRecordQueue;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ExecutorService;
import java.util.function.BooleanSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.services.dynamodb.model.Record;

/**
 * One shard's processing, free of KCL types: hands each delivered batch to the core's
 * {@link RecordBatchRunner} and checkpoints its done prefix, never more.
 *
 * <p>Why it does not return on a systemic failure: when {@code processRecords} returns, KCL
 * fetches the NEXT batch; records it handed over and were not checkpointed are only redelivered
 * after a restart or a lease move. Returning early would therefore skip records (and break per-item
 * order) for as long as this worker lives. So the unfinished tail is retried here with the core's
 * backoff ({@link RetryPolicy}: exponential, full jitter) until it is done, the lease is lost, or
 * shutdown is requested — and in those last two cases nothing past the last completed record is
 * checkpointed, so the next owner starts exactly at the first unfinished record.
 */
final class ShardProcessor {

    private static final Logger log = LoggerFactory.getLogger(ShardProcessor.class);

    /** Records per pass of the runner: bounds how long a shutdown waits for the batch in flight. */
    static final int CHUNK = 500;

    /** What the shard processor needs from the runtime's checkpointer. */
    interface Checkpointer {
        /** Records everything up to and including {@code sequenceNumber} as done. */
        void checkpoint(String sequenceNumber) throws LeaseLostException, CheckpointFailedException;
    }

    /** The lease moved to another worker: stop at once, checkpoint nothing more. */
    static final class LeaseLostException extends Exception {
        LeaseLostException(String message, Throwable cause) {
            super(message, cause);
        }
    }

    /** A transient checkpoint failure (throttling, DynamoDB unavailable): worth retrying. */
    static final class CheckpointFailedException extends Exception {
        CheckpointFailedException(String message, Throwable cause) {
            super(message, cause);
        }
    }

    /** Progress observers: metrics, the terminal reporter. */
    interface Listener {
        default void delivered(String shardId, List<Record> records) { }

        default void completed(String shardId, List<ChangeRecord> done) { }

        default void checkpointed(String shardId, String sequenceNumber) { }
    }

    private final String shardId;
    private final RecordBatchRunner<Record> runner;
    private final BooleanSupplier keepGoing;
    private final Listener listener;
    private final RetryPolicy backoff;

    private String lastDone;
    private String lastCheckpointed;

    /**
     * @param runner    the core's runner with this shard's record adapter
     * @param keepGoing false once the lease is gone or shutdown is requested
     * @param backoff   the delays between retries of an unfinished batch (its attempt count is not used)
     */
    ShardProcessor(String shardId, RecordBatchRunner<Record> runner, BooleanSupplier keepGoing, Listener listener,
                   RetryPolicy backoff) {
        this.shardId = Objects.requireNonNull(shardId);
        this.runner = Objects.requireNonNull(runner);
        this.keepGoing = Objects.requireNonNull(keepGoing);
        this.listener = Objects.requireNonNull(listener);
        this.backoff = Objects.requireNonNull(backoff);
    }

    /**
     * The consumer's shard processor for {@code shardId}: the core's runner with the KCL record
     * adapter, at most {@link #CHUNK} records per pass, {@code lanes} ordered lanes on {@code lanePool}.
     */
    static ShardProcessor create(String shardId, BatchProcessor processor, UnconvertibleRecordQueue unconvertible,
                                 BooleanSupplier keepGoing, Listener listener, RetryPolicy backoff, int lanes,
                                 ExecutorService lanePool) {
        RecordBatchRunner<Record> runner = RecordBatchRunner.builder(new KclRecordAdapter(shardId), processor,
                unconvertible).lanes(lanes, lanePool).maxRecordsPerPass(CHUNK).build();
        return new ShardProcessor(shardId, runner, keepGoing, listener, backoff);
    }

    /**
     * Processes one delivered batch in order. Returns when every record is done and checkpointed,
     * or early (checkpointing only the done prefix) when the lease is lost or shutdown is requested.
     *
     * @return true if the whole batch was done
     */
    boolean process(List<Record> records, Checkpointer checkpointer) throws InterruptedException {
        listener.delivered(shardId, records);
        RecordBatchRunner.Batch<Record> batch = runner.start(records);
        int failures = 0;
        while (!batch.isComplete()) {
            if (!keepGoing.getAsBoolean()) {
                log.atInfo().addKeyValue("shardId", shardId)
                        .addKeyValue("abandoned", records.size() - batch.donePrefix())
                        .log("stopping mid-batch: checkpointing the done prefix, the rest is redelivered");
                checkpointDone(checkpointer);
                return false;
            }
            int before = batch.donePrefix();
            RecordBatchRunner.Pass pass = batch.runPass(null);
            if (!pass.completed().isEmpty()) {
                listener.completed(shardId, pass.completed());
            }
            if (pass.donePrefix() > before) {
                String seq = lastSequenceNumber(records, pass.donePrefix());
                lastDone = seq != null ? seq : lastDone;
                if (!checkpointDone(checkpointer)) {
                    return false;
                }
            }
            if (pass.stopped()) {
                failures++;
                Duration wait = backoff.delayBefore(failures);
                Record first = records.get(batch.donePrefix());
                log.atWarn().addKeyValue("shardId", shardId).addKeyValue("eventId", first == null ? null : first.eventID())
                        .addKeyValue("sequenceNumber", sequenceNumber(first)).addKeyValue("attempt", failures)
                        .addKeyValue("retryInMs", wait.toMillis())
                        .addKeyValue("error", pass.failure().map(Throwable::toString).orElse("unknown"))
                        .log("systemic failure: not checkpointing past the unfinished record, retrying");
                sleepUnlessStopped(wait);
            } else {
                failures = 0;
            }
        }
        return true;
    }

    /** The sequence number of the last record of the done prefix that has one. */
    private static String lastSequenceNumber(List<Record> records, int donePrefix) {
        for (int i = donePrefix - 1; i >= 0; i--) {
            String seq = sequenceNumber(records.get(i));
            if (seq != null) {
                return seq;
            }
        }
        return null;
    }

    private static String sequenceNumber(Record r) {
        return r == null || r.dynamodb() == null ? null : r.dynamodb().sequenceNumber();
    }

    /** Checkpoints the last done record if not yet checkpointed; false if the lease is gone. */
    boolean checkpointDone(Checkpointer checkpointer) throws InterruptedException {
        if (lastDone == null || lastDone.equals(lastCheckpointed)) {
            return true;
        }
        for (int attempt = 1; ; attempt++) {
            try {
                checkpointer.checkpoint(lastDone);
                lastCheckpointed = lastDone;
                listener.checkpointed(shardId, lastDone);
                return true;
            } catch (LeaseLostException e) {
                log.atInfo().addKeyValue("shardId", shardId).addKeyValue("sequenceNumber", lastDone)
                        .log("lease lost before checkpoint: the next owner redoes the uncheckpointed records");
                return false;
            } catch (CheckpointFailedException e) {
                if (attempt >= 5 || !keepGoing.getAsBoolean()) {
                    // Not fatal: the next checkpoint covers these records; a crash now only redelivers them.
                    log.atWarn().addKeyValue("shardId", shardId).addKeyValue("sequenceNumber", lastDone)
                            .addKeyValue("error", e.toString()).log("checkpoint failed, will retry with the next batch");
                    return true;
                }
                Thread.sleep(backoff.delayBefore(attempt).toMillis());
            }
        }
    }

    String lastDone() {
        return lastDone;
    }

    String lastCheckpointed() {
        return lastCheckpointed;
    }

    private void sleepUnlessStopped(Duration wait) throws InterruptedException {
        long until = System.nanoTime() + wait.toNanos();
        while (keepGoing.getAsBoolean() && System.nanoTime() < until) {
            Thread.sleep(Math.min(100, Math.max(1, (until - System.nanoTime()) / 1_000_000)));
        }
    }
}
