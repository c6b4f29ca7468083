package io.userstreams.kcl;

import io.userstreams.core.change.ChangeRecord;
import io.userstreams.core.processing.BatchOutcome;
import io.userstreams.core.processing.BatchProcessor;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.BooleanSupplier;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.services.dynamodb.model.Record;

/**
 * One shard's processing loop, free of KCL types: converts stream records, runs the core processor
 * and checkpoints only what is done.
 *
 * <p>Why the loop does not return on a systemic failure: when {@code processRecords} returns, KCL
 * fetches the NEXT batch; records it handed over and were not checkpointed are only redelivered
 * after a restart or a lease move. Returning early would therefore skip records (and break per-item
 * order) for as long as this worker lives. So the unfinished tail is retried here with capped
 * exponential backoff and jitter until it is done, the lease is lost, or shutdown is requested —
 * and in those last two cases nothing past the last completed record is checkpointed, so the next
 * owner starts exactly at the first unfinished record.
 */
final class ShardWorker {

    private static final Logger log = LoggerFactory.getLogger(ShardWorker.class);

    /** Records per core call: bounds how long a shutdown waits for the batch in flight. */
    static final int CHUNK = 500;

    /** What the worker needs from the runtime's checkpointer. */
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
    private final BatchProcessor processor;
    private final Function<Record, ChangeRecord> converter;
    private final BooleanSupplier keepGoing;
    private final Unconvertible unconvertible;
    private final int parallelism;
    private final java.util.concurrent.ExecutorService lanePool;
    private final Listener listener;
    private final Duration firstBackoff;
    private final Duration maxBackoff;

    private String lastDone;
    private String lastCheckpointed;

    /** Where records go that cannot even be converted (the core never sees them). */
    interface Unconvertible {
        void deadLetter(String shardId, Record record, Exception error);
    }

    ShardWorker(String shardId, BatchProcessor processor, Function<Record, ChangeRecord> converter,
                Unconvertible unconvertible, BooleanSupplier keepGoing, Listener listener,
                Duration firstBackoff, Duration maxBackoff) {
        this(shardId, processor, converter, unconvertible, keepGoing, listener, firstBackoff, maxBackoff, 1, null);
    }

    /** @param parallelism ordered lanes per batch (1 = strictly sequential); lanePool runs them */
    ShardWorker(String shardId, BatchProcessor processor, Function<Record, ChangeRecord> converter,
                Unconvertible unconvertible, BooleanSupplier keepGoing, Listener listener,
                Duration firstBackoff, Duration maxBackoff, int parallelism,
                java.util.concurrent.ExecutorService lanePool) {
        this.parallelism = Math.max(1, parallelism);
        this.lanePool = lanePool;
        this.unconvertible = Objects.requireNonNull(unconvertible);
        this.shardId = Objects.requireNonNull(shardId);
        this.processor = Objects.requireNonNull(processor);
        this.converter = Objects.requireNonNull(converter);
        this.keepGoing = Objects.requireNonNull(keepGoing);
        this.listener = Objects.requireNonNull(listener);
        this.firstBackoff = firstBackoff;
        this.maxBackoff = maxBackoff;
    }

    /**
     * Processes one delivered batch in order. Returns when every record is done and checkpointed,
     * or early (checkpointing only the done prefix) when the lease is lost or shutdown is requested.
     *
     * @return true if the whole batch was done
     */
    boolean process(List<Record> records, Checkpointer checkpointer) throws InterruptedException {
        listener.delivered(shardId, records);
        int next = 0;
        while (next < records.size()) {
            // Gather the next run of convertible records (at most CHUNK); stop before one that is not.
            List<ChangeRecord> run = new ArrayList<>(Math.min(CHUNK, records.size() - next));
            RuntimeException conversionError = null;
            while (next + run.size() < records.size() && run.size() < CHUNK) {
                try {
                    run.add(converter.apply(records.get(next + run.size())));
                } catch (RuntimeException e) {
                    conversionError = e;
                    break;
                }
            }
            if (!run.isEmpty()) {
                if (!processRun(run, checkpointer)) {
                    return false;
                }
                next += run.size();
            }
            if (conversionError != null) {
                Record bad = records.get(next);
                if (!deadLetterUnconvertible(bad, conversionError, checkpointer)) {
                    return false;
                }
                next++;
            }
        }
        return true;
    }

    /**
     * Runs the core over {@code run} until all of it is done; false if stopped first.
     *
     * <p>With parallelism &gt; 1 the records are split by item key into that many ordered lanes run
     * concurrently (like Lambda's parallelization factor): one item's records stay in one lane, in
     * stream order, so per-item order holds; a failure stops only its lane. The checkpoint only ever
     * moves over the contiguous prefix of done records, so after a crash the first unfinished record
     * and everything after it come back (done ones are skipped by the reactions' idempotency).
     */
    private boolean processRun(List<ChangeRecord> run, Checkpointer checkpointer) throws InterruptedException {
        boolean[] done = new boolean[run.size()];
        int prefix = 0;
        int failures = 0;
        while (prefix < run.size()) {
            if (!keepGoing.getAsBoolean()) {
                log.atInfo().addKeyValue("shardId", shardId).addKeyValue("abandoned", run.size() - prefix)
                        .log("stopping mid-batch: checkpointing the done prefix, the rest is redelivered");
                checkpointDone(checkpointer);
                return false;
            }
            List<List<Integer>> lanes = lanes(run, done, prefix);
            List<BatchOutcome> outcomes = runLanes(run, lanes);
            List<Integer> newlyDone = new ArrayList<>();
            BatchOutcome failed = null;
            for (int l = 0; l < lanes.size(); l++) {
                List<Integer> lane = lanes.get(l);
                BatchOutcome o = outcomes.get(l);
                int laneDone = Math.max(0, Math.min(o.completed(), lane.size()));
                for (int k = 0; k < laneDone; k++) {
                    done[lane.get(k)] = true;
                    newlyDone.add(lane.get(k));
                }
                if (laneDone < lane.size() && failed == null) {
                    failed = new BatchOutcome(laneDone, 0,
                            Optional.of(o.firstUnfinished().orElse(run.get(lane.get(laneDone)))), o.failure());
                }
            }
            if (!newlyDone.isEmpty()) {
                newlyDone.sort(null);
                List<ChangeRecord> doneRecords = new ArrayList<>(newlyDone.size());
                newlyDone.forEach(i -> doneRecords.add(run.get(i)));
                listener.completed(shardId, doneRecords);
            }
            int before = prefix;
            while (prefix < run.size() && done[prefix]) {
                prefix++;
            }
            if (prefix > before) {
                lastDone = run.get(prefix - 1).sequenceNumber();
                if (!checkpointDone(checkpointer)) {
                    return false;
                }
            }
            if (failed != null) {
                failures++;
                Duration wait = backoff(failures);
                ChangeRecord first = failed.firstUnfinished().orElseThrow();
                log.atWarn().addKeyValue("shardId", shardId).addKeyValue("eventId", first.eventId())
                        .addKeyValue("sequenceNumber", first.sequenceNumber()).addKeyValue("attempt", failures)
                        .addKeyValue("retryInMs", wait.toMillis())
                        .addKeyValue("error", failed.failure().map(Throwable::toString).orElse("unknown"))
                        .log("systemic failure: not checkpointing past the unfinished record, retrying");
                sleepUnlessStopped(wait);
            } else {
                failures = 0;
            }
        }
        return true;
    }

    /** The not-yet-done records from {@code from}, split into ordered lanes by item key. */
    private List<List<Integer>> lanes(List<ChangeRecord> run, boolean[] done, int from) {
        int count = Math.max(1, Math.min(parallelism, run.size() - from));
        List<List<Integer>> lanes = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            lanes.add(new ArrayList<>());
        }
        for (int i = from; i < run.size(); i++) {
            if (!done[i]) {
                ChangeRecord r = run.get(i);
                String key = r.userId().orElseGet(() -> r.keys().toString());
                lanes.get(Math.floorMod(key.hashCode(), count)).add(i);
            }
        }
        lanes.removeIf(List::isEmpty);
        return lanes;
    }

    private List<BatchOutcome> runLanes(List<ChangeRecord> run, List<List<Integer>> lanes) throws InterruptedException {
        List<BatchOutcome> outcomes = new ArrayList<>(lanes.size());
        if (lanes.size() == 1 || lanePool == null) {
            for (List<Integer> lane : lanes) {
                outcomes.add(runLane(run, lane));
            }
            return outcomes;
        }
        List<java.util.concurrent.Future<BatchOutcome>> futures = new ArrayList<>(lanes.size());
        for (List<Integer> lane : lanes) {
            futures.add(lanePool.submit(() -> runLane(run, lane)));
        }
        for (int l = 0; l < futures.size(); l++) {
            try {
                outcomes.add(futures.get(l).get());
            } catch (java.util.concurrent.ExecutionException e) {
                List<Integer> lane = lanes.get(l);
                outcomes.add(new BatchOutcome(0, 0, Optional.of(run.get(lane.get(0))), Optional.of(e.getCause())));
            }
        }
        return outcomes;
    }

    private BatchOutcome runLane(List<ChangeRecord> run, List<Integer> lane) {
        List<ChangeRecord> records = new ArrayList<>(lane.size());
        lane.forEach(i -> records.add(run.get(i)));
        try {
            return processor.process(records);
        } catch (RuntimeException e) {
            // The processor promises not to throw; if it does, treat it as systemic: retry, never skip.
            return new BatchOutcome(0, 0, Optional.of(records.get(0)), Optional.of(e));
        }
    }

    /** A record the converter rejects cannot reach the core: dead-letter it raw, then move past it. */
    private boolean deadLetterUnconvertible(Record bad, RuntimeException error, Checkpointer checkpointer)
            throws InterruptedException {
        for (int attempt = 1; ; attempt++) {
            if (!keepGoing.getAsBoolean()) {
                checkpointDone(checkpointer);
                return false;
            }
            try {
                unconvertible.deadLetter(shardId, bad, error);
                log.atError().addKeyValue("shardId", shardId).addKeyValue("eventId", bad.eventID())
                        .addKeyValue("error", error.toString()).log("unconvertible record dead-lettered");
                lastDone = bad.dynamodb() == null ? lastDone : bad.dynamodb().sequenceNumber();
                return checkpointDone(checkpointer);
            } catch (RuntimeException e) {
                Duration wait = backoff(attempt);
                log.atWarn().addKeyValue("shardId", shardId).addKeyValue("eventId", bad.eventID())
                        .addKeyValue("error", e.toString()).addKeyValue("retryInMs", wait.toMillis())
                        .log("dead-lettering an unconvertible record failed, retrying");
                sleepUnlessStopped(wait);
            }
        }
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
                Thread.sleep(backoff(attempt).toMillis());
            }
        }
    }

    String lastDone() {
        return lastDone;
    }

    String lastCheckpointed() {
        return lastCheckpointed;
    }

    private Duration backoff(int attempt) {
        long base = firstBackoff.toMillis() << Math.min(attempt - 1, 16);
        long capped = Math.min(base, maxBackoff.toMillis());
        // Full jitter on the upper half keeps many shards from retrying in lockstep.
        return Duration.ofMillis(capped / 2 + ThreadLocalRandom.current().nextLong(capped / 2 + 1));
    }

    private void sleepUnlessStopped(Duration wait) throws InterruptedException {
        long until = System.nanoTime() + wait.toNanos();
        while (keepGoing.getAsBoolean() && System.nanoTime() < until) {
            Thread.sleep(Math.min(100, Math.max(1, (until - System.nanoTime()) / 1_000_000)));
        }
    }
}
