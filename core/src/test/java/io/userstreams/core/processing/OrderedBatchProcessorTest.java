package io.userstreams.core.processing;

import io.userstreams.core.failure.FailureClassifier;
import io.userstreams.core.failure.FailureKind;
import static io.userstreams.core.Fixtures.insert;
import static io.userstreams.core.Fixtures.modify;
import static io.userstreams.core.Fixtures.poison;
import static io.userstreams.core.Fixtures.user;
import static org.assertj.core.api.Assertions.assertThat;

import io.userstreams.core.change.ChangeRecord;
import io.userstreams.core.config.ReactionId;
import io.userstreams.core.reaction.ReactionResult;
import io.userstreams.core.failure.RecordFailureException;
import io.userstreams.core.reaction.RecordReaction;
import io.userstreams.core.failure.SystemicFailureException;
import io.userstreams.core.reaction.UserChange;
import io.userstreams.core.sink.InMemorySinks;
import java.net.ConnectException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.awscore.exception.AwsErrorDetails;
import software.amazon.awssdk.awscore.exception.AwsServiceException;
import software.amazon.awssdk.core.exception.SdkClientException;

class OrderedBatchProcessorTest {

    /** A reaction that records what it applied, failing on demand per user id. */
    static final class ScriptedReaction implements RecordReaction {
        final ReactionId reaction;
        final List<String> applied = new ArrayList<>();
        final Map<String, Integer> calls = new ConcurrentHashMap<>();
        volatile Function<UserChange, RuntimeException> failure = c -> null;
        final int subBatch;

        ScriptedReaction(ReactionId reaction, int subBatch) {
            this.reaction = reaction;
            this.subBatch = subBatch;
        }

        @Override
        public ReactionId reaction() {
            return reaction;
        }

        @Override
        public ReactionResult apply(List<UserChange> changes) {
            // Works in sub-batches like a bulk sink: a failing item stops the report there.
            int n = Math.min(changes.size(), subBatch);
            for (int i = 0; i < n; i++) {
                UserChange c = changes.get(i);
                calls.merge(c.record().eventId(), 1, Integer::sum);
                RuntimeException f = failure.apply(c);
                if (f != null) {
                    return ReactionResult.failedAt(i, f);
                }
                applied.add(c.record().eventId());
            }
            return n == changes.size() ? ReactionResult.all(n)
                    : ReactionResult.failedAt(n, new SystemicFailureException("SubBatch", "next sub-batch", null));
        }
    }

    final InMemorySinks sinks = new InMemorySinks();
    final List<Duration> sleeps = java.util.Collections.synchronizedList(new ArrayList<>());

    OrderedBatchProcessor processor(int maxAttempts, int systemicAttempts, RecordReaction... reactions) {
        return processor(true, maxAttempts, systemicAttempts, reactions);
    }

    OrderedBatchProcessor processor(boolean parallel, int maxAttempts, int systemicAttempts,
                                    RecordReaction... reactions) {
        return OrderedBatchProcessor.builder().reactions(List.of(reactions)).deadLetters(sinks.deadLetters)
                .parallelReactions(parallel)
                .maxAttempts(maxAttempts).retryPolicy(new RetryPolicy(systemicAttempts, Duration.ofMillis(10),
                        Duration.ofMillis(40)))
                .sleeper(sleeps::add).build();
    }

    static List<ChangeRecord> inserts(int n) {
        List<ChangeRecord> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            out.add(insert(user("u" + i)));
        }
        return out;
    }

    static List<String> ids(List<ChangeRecord> records) {
        return records.stream().map(ChangeRecord::eventId).toList();
    }

    @Test
    void appliesEveryRecordInOrderForEachReaction() {
        ScriptedReaction a = new ScriptedReaction(ReactionId.WELCOME_EMAIL, 1000);
        ScriptedReaction b = new ScriptedReaction(ReactionId.SEARCH_INDEX, 3);
        List<ChangeRecord> records = inserts(10);
        BatchOutcome outcome = processor(3, 3, a, b).process(records);

        assertThat(outcome.isComplete()).isTrue();
        assertThat(outcome.completed()).isEqualTo(10);
        assertThat(outcome.deadLettered()).isZero();
        assertThat(a.applied).containsExactlyElementsOf(ids(records));
        assertThat(b.applied).containsExactlyElementsOf(ids(records));
    }

    @Test
    void aRecordHeldByALeaseIsWaitedForWithoutSpendingRetries() {
        // A welcome claim left IN_PROGRESS by a crashed invocation: held for up to 3 s, then free.
        ScriptedReaction a = new ScriptedReaction(ReactionId.WELCOME_EMAIL, 1000);
        List<ChangeRecord> records = inserts(4);
        int[] held = {3};
        a.failure = c -> c.record() == records.get(1) && held[0]-- > 0
                ? new SystemicFailureException("WelcomeInProgress", "held", null, Duration.ofSeconds(3)) : null;
        // One systemic attempt only: without the wait the batch would stop at the first refusal.
        BatchOutcome outcome = processor(3, 1, a).process(records);

        assertThat(outcome.isComplete()).isTrue();
        assertThat(a.applied).containsExactlyElementsOf(ids(records));
        assertThat(sleeps).hasSize(3).allSatisfy(d -> assertThat(d).isEqualTo(OrderedBatchProcessor.HELD_STEP));
    }

    @Test
    void aHoldThatOutlastsTheDeadlineHandsTheRecordBack() {
        ScriptedReaction a = new ScriptedReaction(ReactionId.WELCOME_EMAIL, 1000);
        List<ChangeRecord> records = inserts(3);
        a.failure = c -> c.record() == records.get(1)
                ? new SystemicFailureException("WelcomeInProgress", "held", null, Duration.ofSeconds(30)) : null;
        BatchOutcome outcome = processor(3, 1, a).process(records, java.time.Instant.now().plusMillis(500));

        assertThat(outcome.isComplete()).isFalse();
        assertThat(outcome.firstUnfinished()).containsSame(records.get(1));
        assertThat(sleeps).isEmpty();
    }

    @Test
    void systemicFailureIsRetriedWithBackoffThenStopsTheBatchAtThatRecord() {
        ScriptedReaction a = new ScriptedReaction(ReactionId.DERIVED_TABLES, 1000);
        List<ChangeRecord> records = inserts(6);
        String bad = records.get(3).eventId();
        a.failure = c -> c.record().eventId().equals(bad)
                ? SdkClientException.create("Unable to execute HTTP request", new ConnectException("Connection refused"))
                : null;
        BatchOutcome outcome = processor(3, 4, a).process(records);

        assertThat(outcome.isComplete()).isFalse();
        assertThat(outcome.completed()).isEqualTo(3);
        assertThat(outcome.firstUnfinished()).containsSame(records.get(3));
        assertThat(outcome.failure()).get().isInstanceOf(SdkClientException.class);
        assertThat(a.calls.get(bad)).isEqualTo(4);
        assertThat(sleeps).hasSize(3).allSatisfy(d -> assertThat(d).isLessThanOrEqualTo(Duration.ofMillis(40)));
        // Never dead-lettered because a sink is down, and nothing after it was applied.
        assertThat(sinks.deadLetters.letters()).isEmpty();
        assertThat(a.applied).containsExactlyElementsOf(ids(records.subList(0, 3)));
    }

    @Test
    void systemicFailureThatClearsWithinTheBoundFinishesTheBatch() {
        ScriptedReaction a = new ScriptedReaction(ReactionId.DERIVED_TABLES, 1000);
        List<ChangeRecord> records = inserts(4);
        int[] throttles = {2};
        a.failure = c -> c.record() == records.get(1) && throttles[0]-- > 0
                ? AwsServiceException.builder().statusCode(400).awsErrorDetails(AwsErrorDetails.builder()
                        .errorCode("ThrottlingException").build()).build()
                : null;
        BatchOutcome outcome = processor(3, 5, a).process(records);

        assertThat(outcome.isComplete()).isTrue();
        assertThat(a.applied).containsExactlyElementsOf(ids(records));
        assertThat(sleeps).hasSize(2);
    }

    @Test
    void recordFailureIsRetriedUpToMaxAttemptsThenDeadLetteredAndProcessingMovesOn() {
        ScriptedReaction a = new ScriptedReaction(ReactionId.SEARCH_INDEX, 1000);
        ScriptedReaction b = new ScriptedReaction(ReactionId.WELCOME_EMAIL, 1000);
        List<ChangeRecord> records = inserts(5);
        ChangeRecord bad = records.get(2);
        a.failure = c -> c.record() == bad
                ? new RecordFailureException("mapper_parsing_exception", "failed to parse field [name]", null) : null;
        BatchOutcome outcome = processor(3, 5, a, b).process(records);

        assertThat(outcome.isComplete()).isTrue();
        assertThat(outcome.completed()).isEqualTo(5);
        assertThat(outcome.deadLettered()).isEqualTo(1);
        assertThat(a.calls.get(bad.eventId())).isEqualTo(3);
        assertThat(a.applied).containsExactlyElementsOf(ids(List.of(records.get(0), records.get(1), records.get(3),
                records.get(4))));
        // The other reaction is not affected by search's dead letter.
        assertThat(b.applied).containsExactlyElementsOf(ids(records));
        DeadLetter letter = sinks.deadLetters.letters().get(0);
        assertThat(letter.record()).isSameAs(bad);
        assertThat(letter.reaction()).isEqualTo("search-index");
        assertThat(letter.errorType()).isEqualTo("mapper_parsing_exception");
        assertThat(letter.error()).contains("failed to parse field [name]");
        assertThat(letter.attempts()).isEqualTo(3);
        assertThat(letter.firstFailureAt()).isBeforeOrEqualTo(letter.lastFailureAt());
        assertThat(sleeps).isEmpty();
    }

    @Test
    void invalidRecordIsDeadLetteredOnceWithItsReasonAndSkippedByEveryReaction() {
        ScriptedReaction a = new ScriptedReaction(ReactionId.WELCOME_EMAIL, 1000);
        ScriptedReaction b = new ScriptedReaction(ReactionId.DERIVED_TABLES, 1000);
        List<ChangeRecord> records = new ArrayList<>(inserts(2));
        ChangeRecord bad = poison("p1");
        records.add(1, bad);
        BatchOutcome outcome = processor(3, 3, a, b).process(records);

        assertThat(outcome.isComplete()).isTrue();
        assertThat(outcome.deadLettered()).isEqualTo(1);
        assertThat(a.applied).containsExactly(records.get(0).eventId(), records.get(2).eventId());
        assertThat(b.applied).containsExactly(records.get(0).eventId(), records.get(2).eventId());
        assertThat(sinks.deadLetters.letters()).singleElement().satisfies(l -> {
            assertThat(l.reaction()).isEqualTo("validation");
            assertThat(l.errorType()).isEqualTo("validation");
            assertThat(l.error()).startsWith("newImage:").contains("NEW_AND_OLD_IMAGES");
            assertThat(l.attempts()).isEqualTo(1);
        });
    }

    @Test
    void unreachableDeadLetterQueueIsSystemic() {
        ScriptedReaction a = new ScriptedReaction(ReactionId.WELCOME_EMAIL, 1000);
        List<ChangeRecord> records = new ArrayList<>(inserts(3));
        records.add(1, poison("p2"));
        sinks.deadLetters.faults.failNext(Integer.MAX_VALUE,
                () -> new UncheckedIOException(new java.io.IOException("Connection refused")));
        BatchOutcome outcome = processor(3, 3, a).process(records);

        assertThat(outcome.completed()).isEqualTo(1);
        assertThat(outcome.deadLettered()).isZero();
        assertThat(outcome.firstUnfinished()).containsSame(records.get(1));
        assertThat(a.applied).containsExactly(records.get(0).eventId());
        assertThat(sleeps).hasSize(2);
    }

    @Test
    void laterReactionStoppingLimitsTheOutcomeAndEarlierReactionRepeatsAreIdempotentlyRedelivered() {
        ScriptedReaction a = new ScriptedReaction(ReactionId.WELCOME_EMAIL, 1000);
        ScriptedReaction b = new ScriptedReaction(ReactionId.SEARCH_INDEX, 1000);
        ScriptedReaction c = new ScriptedReaction(ReactionId.DERIVED_TABLES, 1000);
        List<ChangeRecord> records = inserts(5);
        b.failure = x -> x.record() == records.get(2) ? new SystemicFailureException("HTTP503", "down", null) : null;
        BatchOutcome outcome = processor(false, 3, 2, a, b, c).process(records);

        assertThat(outcome.completed()).isEqualTo(2);
        assertThat(outcome.firstUnfinished()).containsSame(records.get(2));
        // One after another: the reaction after the stop only saw the finished prefix.
        assertThat(c.applied).containsExactlyElementsOf(ids(records.subList(0, 2)));
    }

    @Test
    void parallelReactionsStopAtTheEarliestFailureAndEachKeepsItsOrder() {
        ScriptedReaction a = new ScriptedReaction(ReactionId.WELCOME_EMAIL, 2);
        ScriptedReaction b = new ScriptedReaction(ReactionId.SEARCH_INDEX, 3);
        ScriptedReaction c = new ScriptedReaction(ReactionId.DERIVED_TABLES, 1000);
        List<ChangeRecord> records = inserts(9);
        a.failure = x -> x.record() == records.get(6) ? new SystemicFailureException("HTTP503", "down", null) : null;
        c.failure = x -> x.record() == records.get(4) ? new SystemicFailureException("HTTP503", "down", null) : null;
        BatchOutcome outcome = processor(true, 3, 2, a, b, c).process(records);

        assertThat(outcome.completed()).isEqualTo(4);
        assertThat(outcome.firstUnfinished()).containsSame(records.get(4));
        assertThat(a.applied).containsExactlyElementsOf(ids(records.subList(0, 6)));
        assertThat(b.applied).containsExactlyElementsOf(ids(records));
        assertThat(c.applied).containsExactlyElementsOf(ids(records.subList(0, 4)));
    }

    @Test
    void deadLetterCountsOnlyRecordsBeforeTheStop() {
        ScriptedReaction a = new ScriptedReaction(ReactionId.WELCOME_EMAIL, 1000);
        ScriptedReaction b = new ScriptedReaction(ReactionId.SEARCH_INDEX, 1000);
        List<ChangeRecord> records = inserts(5);
        a.failure = x -> x.record() == records.get(3) ? new RecordFailureException("X", "bad", null, false) : null;
        b.failure = x -> x.record() == records.get(1) ? new SystemicFailureException("HTTP503", "down", null) : null;
        BatchOutcome outcome = processor(3, 1, a, b).process(records);

        assertThat(outcome.completed()).isEqualTo(1);
        assertThat(outcome.deadLettered()).isZero();
    }

    @Test
    void chunksBoundTheWorkOfEarlierReactions() {
        ScriptedReaction a = new ScriptedReaction(ReactionId.WELCOME_EMAIL, 1000);
        ScriptedReaction b = new ScriptedReaction(ReactionId.SEARCH_INDEX, 1000);
        List<ChangeRecord> records = inserts(10);
        b.failure = x -> x.record() == records.get(5) ? new SystemicFailureException("HTTP503", "down", null) : null;
        OrderedBatchProcessor p = OrderedBatchProcessor.builder().reaction(a).reaction(b).deadLetters(sinks.deadLetters)
                .retryPolicy(RetryPolicy.fast(1)).sleeper(sleeps::add).chunkSize(4).build();
        BatchOutcome outcome = p.process(records);

        assertThat(outcome.completed()).isEqualTo(5);
        // Chunks [0,4) and [4,8): the first reaction never ran on the third chunk.
        assertThat(a.applied).containsExactlyElementsOf(ids(records.subList(0, 8)));
    }

    @Test
    void unexpectedExceptionFromAReactionIsARecordFailure() {
        RecordReaction throwing = new RecordReaction() {
            @Override
            public ReactionId reaction() {
                return ReactionId.DERIVED_TABLES;
            }

            @Override
            public ReactionResult apply(List<UserChange> changes) {
                if (changes.get(0).newUser().userId().equals("u1")) {
                    throw new NullPointerException("bug");
                }
                return ReactionResult.failedAt(1, new SystemicFailureException("one", "one at a time", null));
            }
        };
        List<ChangeRecord> records = List.of(insert(user("u0")), insert(user("u1")),
                modify(user("u0"), user("u0").withPlan("pro")));
        RetryPolicy patient = new RetryPolicy(100, Duration.ZERO, Duration.ZERO);
        OrderedBatchProcessor p = OrderedBatchProcessor.builder().reaction(throwing).deadLetters(sinks.deadLetters)
                .maxAttempts(2).retryPolicy(patient).sleeper(sleeps::add).build();
        BatchOutcome outcome = p.process(records);

        assertThat(outcome.isComplete()).isTrue();
        assertThat(outcome.deadLettered()).isEqualTo(1);
        assertThat(sinks.deadLetters.letters().get(0).errorType()).isEqualTo("NullPointerException");
    }

    @Test
    void aDeadlineCutsSystemicRetriesShortAndStopsBetweenChunks() {
        ScriptedReaction a = new ScriptedReaction(ReactionId.DERIVED_TABLES, 1000);
        List<ChangeRecord> records = inserts(4);
        a.failure = c -> c.record() == records.get(2) ? new SystemicFailureException("HTTP503", "down", null) : null;
        OrderedBatchProcessor p = OrderedBatchProcessor.builder().reaction(a).deadLetters(sinks.deadLetters)
                .retryPolicy(new RetryPolicy(50, Duration.ofSeconds(10), Duration.ofSeconds(10)))
                .sleeper(sleeps::add).build();
        BatchOutcome outcome = p.process(records, java.time.Instant.now().plusMillis(200));
        assertThat(outcome.completed()).isEqualTo(2);
        // A 10 s backoff would pass the deadline: no sleep at all.
        assertThat(sleeps.stream().filter(d -> d.toMillis() > 200)).isEmpty();

        ScriptedReaction b = new ScriptedReaction(ReactionId.WELCOME_EMAIL, 1000);
        OrderedBatchProcessor chunked = OrderedBatchProcessor.builder().reaction(b).deadLetters(sinks.deadLetters)
                .chunkSize(2).build();
        BatchOutcome late = chunked.process(inserts(6), java.time.Instant.now().minusSeconds(1));
        assertThat(late.completed()).isEqualTo(2);
        assertThat(late.failure()).get().isInstanceOf(OrderedBatchProcessor.DeadlineException.class);
    }

    @Test
    void metricsAreReportedOnTheCallersThreadEvenWithParallelReactions() {
        ScriptedReaction a = new ScriptedReaction(ReactionId.WELCOME_EMAIL, 1000);
        ScriptedReaction b = new ScriptedReaction(ReactionId.SEARCH_INDEX, 1000);
        ScriptedReaction c = new ScriptedReaction(ReactionId.DERIVED_TABLES, 1000);
        List<ChangeRecord> records = inserts(5);
        c.failure = x -> x.record() == records.get(1) ? new RecordFailureException("X", "bad", null, false) : null;
        java.util.Set<String> threads = java.util.concurrent.ConcurrentHashMap.newKeySet();
        java.util.concurrent.atomic.AtomicInteger processed = new java.util.concurrent.atomic.AtomicInteger();
        java.util.concurrent.atomic.AtomicInteger dead = new java.util.concurrent.atomic.AtomicInteger();
        List<String> calls = java.util.Collections.synchronizedList(new ArrayList<>());
        ProcessingMetrics m = new ProcessingMetrics() {
            @Override
            public void recordProcessed(ReactionId reaction, ChangeRecord record) {
                threads.add(Thread.currentThread().getName());
                processed.incrementAndGet();
            }

            @Override
            public void recordDeadLettered(ReactionId reaction, ChangeRecord record, Throwable error) {
                threads.add(Thread.currentThread().getName());
                dead.incrementAndGet();
            }

            @Override
            public void reactionCalled(ReactionId reaction, int count, Duration took) {
                threads.add(Thread.currentThread().getName());
                calls.add(reaction.name() + ":" + count);
                assertThat(took.isNegative()).isFalse();
            }
        };
        OrderedBatchProcessor p = OrderedBatchProcessor.builder().reaction(a).reaction(b).reaction(c)
                .deadLetters(sinks.deadLetters).metrics(m).build();
        assertThat(p.process(records).isComplete()).isTrue();
        assertThat(threads).containsExactly(Thread.currentThread().getName());
        assertThat(processed).hasValue(14);
        assertThat(dead).hasValue(1);
        // one timed call per reaction call: a and b take the 5 records at once; c fails at record 1
        // (not retryable: dead-lettered at once) and is called again on the 3 after it
        assertThat(calls).filteredOn(x -> !x.startsWith("DERIVED_TABLES"))
                .containsExactlyInAnyOrder("WELCOME_EMAIL:5", "SEARCH_INDEX:5");
        assertThat(calls).filteredOn(x -> x.startsWith("DERIVED_TABLES"))
                .containsExactly("DERIVED_TABLES:5", "DERIVED_TABLES:3");
        p.close();
    }

    @Test
    void emptyBatchIsComplete() {
        BatchOutcome outcome = processor(3, 3, new ScriptedReaction(ReactionId.WELCOME_EMAIL, 10)).process(List.of());
        assertThat(outcome.isComplete()).isTrue();
        assertThat(outcome.completed()).isZero();
    }

    @Test
    void classification() {
        assertThat(FailureClassifier.classify(AwsServiceException.builder().statusCode(500).build())).isEqualTo(FailureKind.SYSTEMIC);
        assertThat(FailureClassifier.classify(SdkClientException.create("timeout"))).isEqualTo(FailureKind.SYSTEMIC);
        assertThat(FailureClassifier.classify(new UncheckedIOException(new java.net.SocketTimeoutException("read timed out"))))
                .isEqualTo(FailureKind.SYSTEMIC);
        assertThat(FailureClassifier.classify(new RecordFailureException("x", "y", null))).isEqualTo(FailureKind.RECORD);
        assertThat(FailureClassifier.classify(new io.userstreams.core.user.InvalidUserException("email", "bad")))
                .isEqualTo(FailureKind.RECORD_PERMANENT);
        assertThat(FailureClassifier.classify(new IllegalStateException("bug"))).isEqualTo(FailureKind.RECORD);
    }

    @Test
    void backoffIsBoundedFullJitter() {
        RetryPolicy p = new RetryPolicy(10, Duration.ofMillis(100), Duration.ofMillis(800));
        for (int retry = 1; retry < 10; retry++) {
            long ceiling = Math.min(800, 100L << (retry - 1));
            for (int k = 0; k < 50; k++) {
                assertThat(p.delayBefore(retry).toMillis()).isBetween(0L, ceiling);
            }
        }
    }
}
