package io.userstreams.core.pipeline;

import io.userstreams.core.change.ChangeRecord;
import io.userstreams.core.processing.BatchOutcome;
import io.userstreams.core.processing.BatchProcessor;
import io.userstreams.core.processing.OrderedBatchProcessor;
import io.userstreams.core.processing.UnconvertibleRecord;
import io.userstreams.core.processing.UnconvertibleRecordQueue;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The at-least-once contract of one delivered batch, the same for every runtime: convert each
 * record, skip a record whose eventID came earlier in the batch, run the convertible records through
 * the {@link BatchProcessor} in order, dead-letter each unconvertible record in its place, and keep
 * the <b>done prefix</b> — how many records, from the first, are finished. A runtime maps the
 * prefix to its own contract (Lambda: the first unfinished record is the batch item failure; KCL:
 * checkpoint the last record of the prefix, retry the rest).
 *
 * <pre>{@code
 * RecordBatchRunner<R> runner = RecordBatchRunner.builder(adapter, core.processor(), unconvertibleQueue).build();
 * RecordBatchRunner.Batch<R> batch = runner.start(records);
 * batch.runPass(deadline);          // null: no deadline
 * if (!batch.isComplete()) { ... records.get(batch.donePrefix()) is the first to redeliver ... }
 * }</pre>
 *
 * <p>A pass stops at the first record it cannot finish (a systemic failure, an unreachable
 * dead-letter queue, the deadline); a runtime that retries calls {@link Batch#runPass} again and
 * only the unfinished records run. With lanes (KCL's PARALLELISM), the not-yet-done records of a
 * stretch of convertible records are split by item key into ordered lanes run at the same time: one
 * item's records stay in one lane and in stream order, a failure stops only its lane, and records
 * after it in other lanes may be done while the prefix still stops at the failure.
 *
 * <p>Thread-safe for different batches; one {@link Batch} belongs to one thread.
 *
 * @param <R> the runtime's record type
 */
public final class RecordBatchRunner<R> {

    private static final Logger log = LoggerFactory.getLogger(RecordBatchRunner.class);

    private final RecordAdapter<R> adapter;
    private final BatchProcessor processor;
    private final UnconvertibleRecordQueue unconvertible;
    private final int lanes;
    private final ExecutorService lanePool;
    private final int maxRecordsPerPass;
    private final Clock clock;

    private RecordBatchRunner(Builder<R> b) {
        this.adapter = b.adapter;
        this.processor = b.processor;
        this.unconvertible = b.unconvertible;
        this.lanes = b.lanes;
        this.lanePool = b.lanePool;
        this.maxRecordsPerPass = b.maxRecordsPerPass;
        this.clock = b.clock;
    }

    /**
     * @param adapter       the runtime's record ↔ change record conversion
     * @param processor     the core's ordered batch processor
     * @param unconvertible where records go that cannot be converted
     */
    public static <R> Builder<R> builder(RecordAdapter<R> adapter, BatchProcessor processor,
                                         UnconvertibleRecordQueue unconvertible) {
        return new Builder<>(adapter, processor, unconvertible);
    }

    /** Converts the records and de-duplicates them by eventID; nothing runs until {@link Batch#runPass}. */
    public Batch<R> start(List<R> records) {
        // Not List.copyOf: it refuses nulls, and a null record is unconvertible, not a crash.
        return new Batch<>(this, records == null ? List.of()
                : java.util.Collections.unmodifiableList(new ArrayList<>(records)));
    }

    /** What one pass finished. */
    public record Pass(List<ChangeRecord> completed, int donePrefix, Optional<Throwable> failure) {
        /** True if the pass stopped at a record it could not finish. */
        public boolean stopped() {
            return failure.isPresent();
        }
    }

    /** One delivered batch and how far it got. */
    public static final class Batch<R> {
        private final RecordBatchRunner<R> runner;
        private final List<R> records;
        private final ChangeRecord[] changes;
        private final RuntimeException[] conversionErrors;
        private final boolean[] done;
        private int prefix;
        private int duplicates;
        private int deadLettered;
        private int unconvertible;
        private Throwable lastFailure;

        private Batch(RecordBatchRunner<R> runner, List<R> records) {
            this.runner = runner;
            this.records = records;
            int n = records.size();
            this.changes = new ChangeRecord[n];
            this.conversionErrors = new RuntimeException[n];
            this.done = new boolean[n];
            Set<String> seen = new HashSet<>();
            for (int i = 0; i < n; i++) {
                try {
                    changes[i] = Objects.requireNonNull(runner.adapter.toChangeRecord(records.get(i)),
                            "the adapter returned no change record");
                } catch (RuntimeException e) {
                    conversionErrors[i] = e;
                    continue;
                }
                // The same eventID twice in one batch is one change delivered twice (a merged
                // redelivery or replay): its first copy does the work, in order.
                if (!seen.add(changes[i].eventId())) {
                    done[i] = true;
                    duplicates++;
                }
            }
            advancePrefix();
        }

        /**
         * Runs the unfinished records once, in order, from the first unfinished one, and stops at the
         * first record it cannot finish. With {@code maxRecordsPerPass} set, at most that many
         * records are attempted.
         *
         * @param deadline when to stop starting new work and hand the rest back (null: none); also
         *                 passed to the processor so it stops retrying in time
         */
        public Pass runPass(Instant deadline) {
            lastFailure = null;
            List<ChangeRecord> completed = new ArrayList<>();
            int n = records.size();
            int budget = runner.maxRecordsPerPass;
            int i = prefix;
            boolean first = true;
            while (i < n && budget > 0 && lastFailure == null) {
                if (done[i]) {
                    i++;
                    continue;
                }
                if (!first && deadline != null && runner.clock.instant().isAfter(deadline)) {
                    lastFailure = new OrderedBatchProcessor.DeadlineException(
                            "the batch's deadline passed before record " + i);
                    break;
                }
                first = false;
                if (changes[i] == null) {
                    deadLetterUnconvertible(i);
                    budget--;
                    i++;
                    continue;
                }
                List<Integer> stretch = new ArrayList<>();
                int j = i;
                while (j < n && changes[j] != null && stretch.size() < budget) {
                    if (!done[j]) {
                        stretch.add(j);
                    }
                    j++;
                }
                budget -= stretch.size();
                runStretch(stretch, deadline, completed);
                i = j;
            }
            advancePrefix();
            return new Pass(List.copyOf(completed), prefix, Optional.ofNullable(lastFailure));
        }

        private void deadLetterUnconvertible(int i) {
            UnconvertibleRecord letter = runner.adapter.unconvertible(records.get(i), conversionErrors[i]);
            try {
                runner.unconvertible.send(letter);
            } catch (RuntimeException e) {
                lastFailure = e;
                log.atWarn().addKeyValue("eventId", letter.eventId()).addKeyValue("shardId", letter.shardId())
                        .addKeyValue("sequenceNumber", letter.sequenceNumber()).addKeyValue("error", e.toString())
                        .log("dead-lettering an unconvertible record failed; the batch stops here");
                return;
            }
            done[i] = true;
            unconvertible++;
            deadLettered++;
            log.atWarn().addKeyValue("eventId", letter.eventId()).addKeyValue("shardId", letter.shardId())
                    .addKeyValue("sequenceNumber", letter.sequenceNumber()).addKeyValue("reason", letter.reason())
                    .log("unconvertible stream record dead-lettered");
        }

        /** Runs the given record indexes (convertible, not done) in lanes; marks what got done. */
        private void runStretch(List<Integer> stretch, Instant deadline, List<ChangeRecord> completed) {
            if (stretch.isEmpty()) {
                return;
            }
            List<List<Integer>> lanes = lanes(stretch);
            List<BatchOutcome> outcomes = runLanes(lanes, deadline);
            List<Integer> newlyDone = new ArrayList<>();
            for (int l = 0; l < lanes.size(); l++) {
                List<Integer> lane = lanes.get(l);
                BatchOutcome o = outcomes.get(l);
                int laneDone = Math.max(0, Math.min(o.completed(), lane.size()));
                for (int k = 0; k < laneDone; k++) {
                    done[lane.get(k)] = true;
                    newlyDone.add(lane.get(k));
                }
                deadLettered += o.deadLettered();
                if (laneDone < lane.size() && lastFailure == null) {
                    lastFailure = o.failure().orElseGet(() -> new IllegalStateException(
                            "the processor stopped without saying why"));
                }
            }
            newlyDone.sort(null);
            newlyDone.forEach(k -> completed.add(changes[k]));
        }

        private List<List<Integer>> lanes(List<Integer> stretch) {
            int count = Math.max(1, Math.min(runner.lanes, stretch.size()));
            List<List<Integer>> lanes = new ArrayList<>(count);
            for (int l = 0; l < count; l++) {
                lanes.add(new ArrayList<>());
            }
            for (int i : stretch) {
                ChangeRecord r = changes[i];
                String key = r.userId().orElseGet(() -> r.keys().toString());
                lanes.get(count == 1 ? 0 : Math.floorMod(key.hashCode(), count)).add(i);
            }
            lanes.removeIf(List::isEmpty);
            return lanes;
        }

        private List<BatchOutcome> runLanes(List<List<Integer>> lanes, Instant deadline) {
            List<BatchOutcome> outcomes = new ArrayList<>(lanes.size());
            if (lanes.size() == 1 || runner.lanePool == null) {
                for (List<Integer> lane : lanes) {
                    outcomes.add(runLane(lane, deadline));
                }
                return outcomes;
            }
            List<Future<BatchOutcome>> futures = new ArrayList<>(lanes.size());
            for (List<Integer> lane : lanes) {
                futures.add(runner.lanePool.submit(() -> runLane(lane, deadline)));
            }
            for (int l = 0; l < futures.size(); l++) {
                try {
                    outcomes.add(futures.get(l).get());
                } catch (ExecutionException e) {
                    outcomes.add(stoppedAtFirst(lanes.get(l), e.getCause()));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    outcomes.add(stoppedAtFirst(lanes.get(l), e));
                }
            }
            return outcomes;
        }

        private BatchOutcome runLane(List<Integer> lane, Instant deadline) {
            List<ChangeRecord> batch = new ArrayList<>(lane.size());
            lane.forEach(i -> batch.add(changes[i]));
            try {
                return deadline == null ? runner.processor.process(batch) : runner.processor.process(batch, deadline);
            } catch (RuntimeException e) {
                // The processor promises not to throw; if it does, it is systemic: retry, never skip.
                return stoppedAtFirst(lane, e);
            }
        }

        private BatchOutcome stoppedAtFirst(List<Integer> lane, Throwable why) {
            return new BatchOutcome(0, 0, Optional.of(changes[lane.get(0)]), Optional.of(why));
        }

        private void advancePrefix() {
            while (prefix < done.length && done[prefix]) {
                prefix++;
            }
        }

        /** The records as delivered. */
        public List<R> records() {
            return records;
        }

        /** How many records, from the first, are finished; {@code records().get(donePrefix())} is the first to redeliver. */
        public int donePrefix() {
            return prefix;
        }

        public boolean isComplete() {
            return prefix == records.size();
        }

        /** Why the last pass stopped, if it did. */
        public Optional<Throwable> failure() {
            return Optional.ofNullable(lastFailure);
        }

        /** The change record at {@code index}, if it could be converted. */
        public Optional<ChangeRecord> change(int index) {
            return Optional.ofNullable(changes[index]);
        }

        /** Records skipped because their eventID came earlier in the batch. */
        public int duplicates() {
            return duplicates;
        }

        /** Records dead-lettered so far (by the reactions, by validation, or as unconvertible). */
        public int deadLettered() {
            return deadLettered;
        }

        /** Records that could not be converted and were dead-lettered as delivered. */
        public int unconvertible() {
            return unconvertible;
        }

        /** How many records are finished, in or out of the prefix. */
        public int completed() {
            int c = 0;
            for (boolean d : done) {
                c += d ? 1 : 0;
            }
            return c;
        }
    }

    public static final class Builder<R> {
        private final RecordAdapter<R> adapter;
        private final BatchProcessor processor;
        private final UnconvertibleRecordQueue unconvertible;
        private int lanes = 1;
        private ExecutorService lanePool;
        private int maxRecordsPerPass = Integer.MAX_VALUE;
        private Clock clock = Clock.systemUTC();

        private Builder(RecordAdapter<R> adapter, BatchProcessor processor, UnconvertibleRecordQueue unconvertible) {
            this.adapter = Objects.requireNonNull(adapter, "adapter");
            this.processor = Objects.requireNonNull(processor, "processor");
            this.unconvertible = Objects.requireNonNull(unconvertible, "unconvertible");
        }

        /**
         * Ordered lanes per stretch of records, split by item key and run on {@code pool}
         * (1, the default, or a null pool: strictly sequential).
         */
        public Builder<R> lanes(int lanes, ExecutorService pool) {
            this.lanes = Math.max(1, lanes);
            this.lanePool = pool;
            return this;
        }

        /** At most this many records per pass: bounds how long a stop request waits for a pass. */
        public Builder<R> maxRecordsPerPass(int max) {
            if (max < 1) {
                throw new IllegalArgumentException("maxRecordsPerPass must be at least 1");
            }
            this.maxRecordsPerPass = max;
            return this;
        }

        /** The clock the deadline is checked against. */
        public Builder<R> clock(Clock clock) {
            this.clock = Objects.requireNonNull(clock);
            return this;
        }

        public RecordBatchRunner<R> build() {
            return new RecordBatchRunner<>(this);
        }
    }
}
