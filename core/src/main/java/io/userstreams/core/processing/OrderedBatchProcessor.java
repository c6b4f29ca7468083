package io.userstreams.core.processing;

import io.userstreams.core.failure.FailureClassifier;
import io.userstreams.core.failure.FailureKind;
import io.userstreams.core.aws.CallRecorder;
import io.userstreams.core.failure.SystemicFailureException;
import io.userstreams.core.change.ChangeRecord;
import io.userstreams.core.reaction.ReactionResult;
import io.userstreams.core.reaction.RecordReaction;
import io.userstreams.core.reaction.UserChange;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.spi.LoggingEventBuilder;

/**
 * The ordered batch processor both runtimes host.
 *
 * <p>Per chunk of the batch (default: up to 1,000 records): every record is parsed and validated
 * once (an invalid record is dead-lettered at once, reaction {@code validation}, and skipped by the
 * reactions); then each enabled reaction runs over the valid records in order, in whatever
 * sub-batches it likes, and reports how many leading records it finished. At the first record a
 * reaction cannot finish:
 * <ul>
 *   <li>a <b>record failure</b> is retried up to {@code maxAttempts} (validation: not retried),
 *       then dead-lettered, and the reaction carries on with the next record;</li>
 *   <li>a <b>systemic failure</b> (throttling, 5xx, timeouts, I/O, an unreachable DLQ) is retried
 *       with exponential backoff and full jitter within {@link RetryPolicy}, then the batch stops:
 *       {@link BatchOutcome#firstUnfinished()} is that record, the records before it are done, and
 *       no later record counts as done (fail fast). Nothing is dead-lettered because a sink is down.</li>
 * </ul>
 * The reactions of a chunk run at the same time (or one after another with
 * {@code parallelReactions(false)}), so when reaction B stops at record k, reaction A may already
 * have applied records after k; they are redelivered with record k and A's idempotency makes the
 * repeat a no-op. Each reaction still sees each item's records in stream order. Metrics and dead
 * letters may be reported from the reaction threads.
 *
 * <p>Logging: one INFO line per batch, one WARN line per failed attempt or dead letter; per-record
 * success only at DEBUG (this is the hot path).
 */
public final class OrderedBatchProcessor implements BatchProcessor {

    private static final Logger log = LoggerFactory.getLogger(OrderedBatchProcessor.class);
    /** Re-check interval while a record is held by a lease. */
    static final Duration HELD_STEP = Duration.ofSeconds(1);

    private final List<RecordReaction> reactions;
    private final DeadLetterQueue deadLetters;
    private final int maxAttempts;
    private final RetryPolicy retry;
    private final ProcessingMetrics metrics;
    private final Sleeper sleeper;
    private final Clock clock;
    private final int chunkSize;
    /** Runs reactions 2..n of a chunk while the caller's thread runs the first; null = one after another. */
    private final ExecutorService executor;

    private OrderedBatchProcessor(Builder b) {
        this.reactions = List.copyOf(b.reactions);
        this.deadLetters = Objects.requireNonNull(b.deadLetters, "deadLetters");
        this.maxAttempts = b.maxAttempts;
        this.retry = b.retry;
        this.metrics = b.metrics;
        this.sleeper = b.sleeper;
        this.clock = b.clock;
        this.chunkSize = b.chunkSize;
        this.executor = b.parallelReactions && reactions.size() > 1 ? Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r, "user-streams-reaction");
            t.setDaemon(true);
            return t;
        }) : null;
    }

    /** Stops the reaction threads (idle ones also end by themselves after a minute). */
    public void close() {
        if (executor != null) {
            executor.shutdownNow();
        }
    }

    public static Builder builder() {
        return new Builder();
    }

    public List<RecordReaction> reactions() {
        return reactions;
    }

    @Override
    public BatchOutcome process(List<ChangeRecord> records) {
        return process(records, null);
    }

    @Override
    public BatchOutcome process(List<ChangeRecord> records, Instant deadline) {
        long started = System.nanoTime();
        Run run = new Run(records, deadline);
        for (int from = 0; from < run.limit(); from += chunkSize) {
            if (from > 0 && run.pastDeadline(clock.instant())) {
                run.stop(from, new DeadlineException("the batch's deadline passed before record " + from));
                break;
            }
            runChunk(run, from, Math.min(from + chunkSize, run.limit()));
        }
        BatchOutcome outcome = run.outcome();
        Duration took = Duration.ofNanos(System.nanoTime() - started);
        metrics.batchFinished(outcome, took);
        logBatch(records, outcome, took);
        return outcome;
    }

    private void runChunk(Run run, int from, int to) {
        List<UserChange> valid = new ArrayList<>(to - from);
        int[] index = new int[to - from];
        for (int i = from; i < to && i < run.limit(); i++) {
            ChangeRecord record = run.records.get(i);
            UserChange change;
            try {
                change = UserChange.of(record);
            } catch (RuntimeException e) {
                Instant now = clock.instant();
                if (!deadLetter(run, i, DeadLetter.VALIDATION, e, 1, now, now)) {
                    break; // the records before it still go through the reactions
                }
                metrics.recordInvalid(record, e);
                continue;
            }
            index[valid.size()] = i;
            valid.add(change);
        }
        if (executor != null && reactions.size() > 1) {
            runInParallel(run, valid, index);
            return;
        }
        for (RecordReaction reaction : reactions) {
            runReaction(run, reaction, valid, index, validBefore(run, valid, index), metrics);
        }
    }

    private static int validBefore(Run run, List<UserChange> valid, int[] index) {
        int limit = run.limit();
        int end = 0;
        while (end < valid.size() && index[end] < limit) {
            end++;
        }
        return end;
    }

    /**
     * The reactions are independent (each keeps its own order), so their sink I/O overlaps: the
     * chunk takes as long as the slowest reaction, not the sum. The outcome is the earliest stop.
     */
    private void runInParallel(Run run, List<UserChange> valid, int[] index) {
        int end = validBefore(run, valid, index);
        List<Future<?>> futures = new ArrayList<>(reactions.size());
        // Metrics are buffered per reaction and reported on the caller's thread afterwards, so a
        // ProcessingMetrics implementation never sees two threads for one batch.
        List<BufferedMetrics> buffers = new ArrayList<>(reactions.size());
        for (int r = 0; r < reactions.size(); r++) {
            buffers.add(metrics == ProcessingMetrics.NONE ? null : new BufferedMetrics());
        }
        for (int r = 1; r < reactions.size(); r++) {
            RecordReaction reaction = reactions.get(r);
            BufferedMetrics buffer = buffers.get(r);
            ProcessingMetrics target = buffer == null ? ProcessingMetrics.NONE : buffer;
            futures.add(executor.submit(() -> runReaction(run, reaction, valid, index, end, target)));
        }
        Throwable thrown = null;
        try {
            runReaction(run, reactions.get(0), valid, index, end, metrics);
        } catch (RuntimeException | Error e) {
            thrown = e;
        }
        for (Future<?> f : futures) {
            try {
                f.get();
            } catch (ExecutionException e) {
                thrown = thrown != null ? thrown : e.getCause();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                futures.forEach(x -> x.cancel(true));
                run.stop(index.length == 0 ? run.limit() : index[0], e);
                break;
            }
        }
        for (BufferedMetrics buffer : buffers) {
            if (buffer != null) {
                buffer.replay(metrics);
            }
        }
        if (thrown instanceof RuntimeException re) {
            throw re;
        }
        if (thrown instanceof Error err) {
            throw err;
        }
    }

    /** Metric events of one reaction thread, replayed in order on the caller's thread. */
    private static final class BufferedMetrics implements ProcessingMetrics {
        private final List<java.util.function.Consumer<ProcessingMetrics>> events = new ArrayList<>();

        @Override
        public void recordProcessed(io.userstreams.core.config.ReactionId reaction, ChangeRecord record) {
            events.add(m -> m.recordProcessed(reaction, record));
        }

        @Override
        public void recordFailed(io.userstreams.core.config.ReactionId reaction, ChangeRecord record, Throwable error) {
            events.add(m -> m.recordFailed(reaction, record, error));
        }

        @Override
        public void recordDeadLettered(io.userstreams.core.config.ReactionId reaction, ChangeRecord record,
                                       Throwable error) {
            events.add(m -> m.recordDeadLettered(reaction, record, error));
        }

        @Override
        public void reactionCalled(io.userstreams.core.config.ReactionId reaction, int records, Duration took) {
            events.add(m -> m.reactionCalled(reaction, records, took));
        }

        void replay(ProcessingMetrics target) {
            for (var e : events) {
                e.accept(target);
            }
        }
    }

    private void runReaction(Run run, RecordReaction reaction, List<UserChange> valid, int[] index, int end,
                             ProcessingMetrics metrics) {
        String reactionId = reaction.reaction().id();
        int position = 0;
        int recordAttempts = 0;
        int systemicAttempts = 0;
        Instant firstFailure = null;
        long heldWaits = 0;
        while (position < end) {
            ReactionResult result;
            long callStarted = System.nanoTime();
            try (CallRecorder.Scope scope = CallRecorder.scope(reactionId)) {
                result = reaction.apply(valid.subList(position, end));
            } catch (RuntimeException e) {
                result = ReactionResult.failedAt(0, e);
            }
            metrics.reactionCalled(reaction.reaction(), end - position, Duration.ofNanos(System.nanoTime() - callStarted));
            int done = Math.max(0, Math.min(result.done(), end - position));
            if (done > 0) {
                for (int k = position; k < position + done; k++) {
                    metrics.recordProcessed(reaction.reaction(), valid.get(k).record());
                }
                if (log.isDebugEnabled()) {
                    log.atDebug().addKeyValue("reaction", reactionId).addKeyValue("records", done)
                            .addKeyValue("lastSequenceNumber", valid.get(position + done - 1).record().sequenceNumber())
                            .log("records applied");
                }
                position += done;
                recordAttempts = 0;
                systemicAttempts = 0;
                firstFailure = null;
                heldWaits = 0;
            }
            if (position >= end) {
                return;
            }
            Throwable failure = result.failure() != null ? result.failure()
                    : new IllegalStateException("reaction " + reactionId + " stopped without saying why");
            ChangeRecord record = valid.get(position).record();
            Instant now = clock.instant();
            if (firstFailure == null) {
                firstFailure = now;
            }
            metrics.recordFailed(reaction.reaction(), record, failure);
            FailureKind kind = FailureClassifier.classify(failure);
            if (kind == FailureKind.SYSTEMIC && heldFor(failure) != null) {
                // A hold that ends by itself (a lease): wait for it in short steps, within the
                // deadline, without spending retries; past that it is an ordinary systemic failure.
                Duration hold = heldFor(failure);
                Duration step = hold.compareTo(HELD_STEP) < 0 ? hold : HELD_STEP;
                long maxWaits = hold.toMillis() / Math.max(1, step.toMillis()) + 1;
                if (heldWaits < maxWaits && !run.pastDeadline(clock.instant().plus(step))) {
                    heldWaits++;
                    logFailure(record, reactionId, "wait-for-hold", (int) heldWaits, failure);
                    if (pause(step)) {
                        continue;
                    }
                }
            }
            if (kind == FailureKind.SYSTEMIC) {
                systemicAttempts++;
                Duration delay = retry.delayBefore(systemicAttempts);
                if (systemicAttempts < retry.attempts() && !run.pastDeadline(clock.instant().plus(delay))) {
                    logFailure(record, reactionId, "retry", systemicAttempts, failure);
                    if (!pause(delay)) {
                        run.stop(index[position], failure);
                        logFailure(record, reactionId, "batch-stopped", systemicAttempts, failure);
                        return;
                    }
                    continue;
                }
                run.stop(index[position], failure);
                logFailure(record, reactionId, "batch-stopped", systemicAttempts, failure);
                return;
            }
            recordAttempts++;
            if (kind == FailureKind.RECORD && recordAttempts < maxAttempts) {
                logFailure(record, reactionId, "retry", recordAttempts, failure);
                continue;
            }
            if (!deadLetter(run, index[position], reactionId, failure, recordAttempts, firstFailure, now)) {
                return;
            }
            metrics.recordDeadLettered(reaction.reaction(), record, failure);
            position++;
            recordAttempts = 0;
            systemicAttempts = 0;
            firstFailure = null;
            heldWaits = 0;
        }
    }

    /** How long a lease-like hold lasts at most, when the failure says so. */
    private static Duration heldFor(Throwable failure) {
        return failure instanceof SystemicFailureException s ? s.retryAfter().orElse(null) : null;
    }

    /** Sends a dead letter, retrying a failing queue like any sink; false (batch stopped) if it stays down. */
    private boolean deadLetter(Run run, int recordIndex, String reaction, Throwable error, int attempts,
                               Instant firstFailure, Instant lastFailure) {
        ChangeRecord record = run.records.get(recordIndex);
        DeadLetter letter = new DeadLetter(record, reaction, FailureClassifier.message(error), FailureClassifier.errorType(error),
                attempts, firstFailure, lastFailure);
        for (int attempt = 1; ; attempt++) {
            try {
                deadLetters.send(letter);
                run.deadLettered(recordIndex);
                logFailure(record, reaction, "dead-lettered", attempts, error);
                return true;
            } catch (RuntimeException e) {
                if (attempt >= retry.attempts() || !pause(retry.delayBefore(attempt))) {
                    run.stop(recordIndex, e);
                    log.atError().addKeyValue("eventId", record.eventId()).addKeyValue("shardId", record.shardId())
                            .addKeyValue("sequenceNumber", record.sequenceNumber()).addKeyValue("reaction", reaction)
                            .addKeyValue("outcome", "batch-stopped").addKeyValue("errorType", FailureClassifier.errorType(e))
                            .addKeyValue("error", FailureClassifier.message(e))
                            .log("dead-letter queue unreachable; record handed back to the runtime");
                    return false;
                }
            }
        }
    }

    private boolean pause(Duration delay) {
        try {
            sleeper.sleep(delay);
            return true;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    private static void logFailure(ChangeRecord record, String reaction, String outcome, int attempt, Throwable error) {
        LoggingEventBuilder b = "dead-lettered".equals(outcome) || "batch-stopped".equals(outcome)
                ? log.atError() : log.atWarn();
        b.addKeyValue("eventId", record.eventId())
                .addKeyValue("shardId", record.shardId())
                .addKeyValue("sequenceNumber", record.sequenceNumber())
                .addKeyValue("reaction", reaction)
                .addKeyValue("outcome", outcome)
                .addKeyValue("attempt", attempt)
                .addKeyValue("errorType", FailureClassifier.errorType(error))
                .addKeyValue("error", FailureClassifier.message(error))
                .log("record failed");
    }

    private static void logBatch(List<ChangeRecord> records, BatchOutcome outcome, Duration took) {
        if (records.isEmpty()) {
            return;
        }
        LoggingEventBuilder b = outcome.isComplete() ? log.atInfo() : log.atWarn();
        b = b.addKeyValue("shardId", records.get(0).shardId())
                .addKeyValue("records", records.size())
                .addKeyValue("done", outcome.completed())
                .addKeyValue("deadLettered", outcome.deadLettered())
                .addKeyValue("durationMs", took.toMillis());
        if (outcome.firstUnfinished().isPresent()) {
            b = b.addKeyValue("firstUnfinishedSequenceNumber", outcome.firstUnfinished().get().sequenceNumber());
        }
        b.log(outcome.isComplete() ? "batch processed" : "batch stopped at a systemic failure");
    }

    /** The batch ran out of time: a systemic stop, the rest is redelivered. */
    public static final class DeadlineException extends RuntimeException {
        public DeadlineException(String message) {
            super(message, null, false, false);
        }
    }

    /** One call's state. */
    private static final class Run {
        final List<ChangeRecord> records;
        final BitSet deadLettered = new BitSet();
        final Instant deadline;
        int limit;
        Throwable failure;

        Run(List<ChangeRecord> records, Instant deadline) {
            this.records = records;
            this.deadline = deadline;
            this.limit = records.size();
        }

        boolean pastDeadline(Instant at) {
            return deadline != null && at.isAfter(deadline);
        }

        synchronized void stop(int at, Throwable why) {
            if (at < limit) {
                limit = at;
                failure = why;
            }
        }

        synchronized int limit() {
            return limit;
        }

        synchronized void deadLettered(int index) {
            deadLettered.set(index);
        }

        synchronized BatchOutcome outcome() {
            int dead = deadLettered.get(0, limit).cardinality();
            if (limit >= records.size()) {
                return BatchOutcome.allDone(limit, dead);
            }
            return new BatchOutcome(limit, dead, Optional.of(records.get(limit)), Optional.ofNullable(failure));
        }
    }

    public static final class Builder {
        private final List<RecordReaction> reactions = new ArrayList<>();
        private DeadLetterQueue deadLetters;
        private int maxAttempts = 3;
        private RetryPolicy retry = RetryPolicy.DEFAULT;
        private ProcessingMetrics metrics = ProcessingMetrics.NONE;
        private Sleeper sleeper = Sleeper.REAL;
        private Clock clock = Clock.systemUTC();
        private int chunkSize = 1000;
        private boolean parallelReactions = true;

        /**
         * Whether the reactions of a chunk run at the same time (default) or one after another.
         * Either way each reaction sees the records in order and the outcome is the earliest stop.
         */
        public Builder parallelReactions(boolean parallel) {
            this.parallelReactions = parallel;
            return this;
        }

        public Builder reaction(RecordReaction reaction) {
            reactions.add(Objects.requireNonNull(reaction));
            return this;
        }

        public Builder reactions(List<? extends RecordReaction> list) {
            list.forEach(this::reaction);
            return this;
        }

        public Builder deadLetters(DeadLetterQueue queue) {
            this.deadLetters = queue;
            return this;
        }

        /** Attempts for a record failure before it is dead-lettered (CoreSettings.maxAttempts). */
        public Builder maxAttempts(int attempts) {
            if (attempts < 1) {
                throw new IllegalArgumentException("maxAttempts must be at least 1");
            }
            this.maxAttempts = attempts;
            return this;
        }

        public Builder retryPolicy(RetryPolicy policy) {
            this.retry = Objects.requireNonNull(policy);
            return this;
        }

        public Builder metrics(ProcessingMetrics metrics) {
            this.metrics = Objects.requireNonNull(metrics);
            return this;
        }

        public Builder sleeper(Sleeper sleeper) {
            this.sleeper = Objects.requireNonNull(sleeper);
            return this;
        }

        public Builder clock(Clock clock) {
            this.clock = Objects.requireNonNull(clock);
            return this;
        }

        /** Records per chunk: bounds the work a reaction may redo after another reaction stops the batch. */
        public Builder chunkSize(int size) {
            if (size < 1) {
                throw new IllegalArgumentException("chunkSize must be at least 1");
            }
            this.chunkSize = size;
            return this;
        }

        public OrderedBatchProcessor build() {
            return new OrderedBatchProcessor(this);
        }
    }
}
