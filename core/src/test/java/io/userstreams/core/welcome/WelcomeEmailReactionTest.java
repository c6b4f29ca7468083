package io.userstreams.core.welcome;

import static io.userstreams.core.Fixtures.expire;
import static io.userstreams.core.Fixtures.insert;
import static io.userstreams.core.Fixtures.modify;
import static io.userstreams.core.Fixtures.remove;
import static io.userstreams.core.Fixtures.user;
import static org.assertj.core.api.Assertions.assertThat;

import io.userstreams.core.UserStreamsCore;
import io.userstreams.core.change.ChangeRecord;
import io.userstreams.core.config.CoreSettings;
import io.userstreams.core.config.ReactionId;
import io.userstreams.core.processing.BatchOutcome;
import io.userstreams.core.processing.RetryPolicy;
import io.userstreams.core.failure.RecordFailureException;
import io.userstreams.core.sink.InMemorySinks;
import io.userstreams.core.user.User;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class WelcomeEmailReactionTest {

    /** A clock tests can move. */
    static final class MutableClock extends Clock {
        volatile Instant now = Instant.parse("2026-11-25T12:00:00Z");

        @Override
        public ZoneOffset getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(java.time.ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return now;
        }
    }

    final InMemorySinks sinks = new InMemorySinks();
    final MutableClock clock = new MutableClock();

    UserStreamsCore core() {
        CoreSettings settings = CoreSettings.fromEnvironment(Map.of()).withReactions(EnumSet.of(ReactionId.WELCOME_EMAIL));
        return UserStreamsCore.builder().settings(settings).sinks(sinks.sinks()).clock(clock)
                .retryPolicy(RetryPolicy.fast(2)).sleeper(d -> { }).welcomeLease(Duration.ofSeconds(30)).build();
    }

    @Test
    void onlyInsertsSendAndTheSameBatchThreeTimesSendsOncePerUser() {
        User kim = user("kim", "kim@example.com", "pro", "KR", "ko-KR");
        User lee = user("lee", "lee@example.com", "free", "US", "en-US");
        List<ChangeRecord> batch = List.of(insert(kim), insert(lee), modify(kim, kim.withPlan("enterprise").withVersion(2)),
                remove(lee), expire(kim));
        UserStreamsCore core = core();
        for (int i = 0; i < 3; i++) {
            assertThat(core.processor().process(batch).isComplete()).isTrue();
        }
        List<WelcomeMessage> sent = sinks.welcome.published();
        assertThat(sent).extracting(WelcomeMessage::userId).containsExactly("kim", "lee");
        WelcomeMessage m = sent.get(0);
        // SNS subjects are ASCII only: the Korean subject travels as an attribute, the SNS one falls back to English.
        assertThat(m.subject()).isEqualTo("Welcome to User Streams, Name kim!");
        assertThat(m.body()).contains("pro 요금제");
        assertThat(m.attributes()).containsExactlyInAnyOrderEntriesOf(Map.of("email", "kim@example.com",
                "locale", "ko-KR", "userId", "kim", "eventType", "USER_CREATED",
                "subject", "Name kim님, User Streams에 오신 것을 환영합니다!",
                "welcomeKey", WelcomeEmailReaction.key(kim)));
        assertThat(sent.get(1).subject()).startsWith("Welcome to User Streams");
        assertThat(sinks.idempotency.entries().get(WelcomeEmailReaction.key(kim)).status()).isEqualTo("COMPLETED");
        assertThat(sinks.idempotency.entries().get(WelcomeEmailReaction.key(kim)).expiresAt())
                .isAfterOrEqualTo(clock.now.plus(Duration.ofDays(7)));
        // One PublishBatch for both users on the first delivery; redeliveries publish nothing.
        assertThat(sinks.welcome.calls()).isEqualTo(1);
    }

    @Test
    void snsSubjectIsAlwaysAValidAsciiSubject() {
        WelcomeEmailReaction reaction = (WelcomeEmailReaction) core().reactions().get(0);
        User korean = new User("k", "k@example.com", "김민수", "free", "KR", "ko", Instant.EPOCH, 1,
                java.util.OptionalLong.empty());
        assertThat(reaction.message(korean).subject()).isEqualTo(WelcomeEmailReaction.FIXED_SUBJECT);
        assertThat(reaction.message(korean).attributes().get("subject")).isEqualTo("김민수님, User Streams에 오신 것을 환영합니다!");
        User english = user("e", "e@example.com", "free", "US", "en");
        assertThat(reaction.message(english).subject()).isEqualTo("Welcome to User Streams, Name e!");
        assertThat(WelcomeEmailReaction.validSnsSubject("x".repeat(100))).isFalse();
        assertThat(WelcomeEmailReaction.validSnsSubject("Hi\nthere")).isFalse();
        assertThat(WelcomeEmailReaction.validSnsSubject(" leading space")).isFalse();
    }

    @Test
    void aRecordDuplicatedInsideOneBatchSendsOnce() {
        ChangeRecord kim = insert(user("kim"));
        assertThat(core().processor().process(List.of(kim, insert(user("lee")), kim)).isComplete()).isTrue();
        assertThat(sinks.welcome.published()).extracting(WelcomeMessage::userId).containsExactly("kim", "lee");
    }

    @Test
    void publishesInBatchesOfTen() {
        List<ChangeRecord> batch = new ArrayList<>();
        for (int i = 0; i < 25; i++) {
            batch.add(insert(user("u" + i)));
        }
        assertThat(core().processor().process(batch).isComplete()).isTrue();
        assertThat(sinks.welcome.published()).hasSize(25);
        assertThat(sinks.welcome.calls()).isEqualTo(3);
    }

    @Test
    void crashBetweenClaimAndPublishIsRecoveredAfterTheLeaseExactlyOnce() {
        User kim = user("kim");
        ChangeRecord record = insert(kim);
        // A worker claimed, then died before publishing: its claim is IN_PROGRESS with a lease.
        sinks.idempotency.put(WelcomeEmailReaction.key(kim), new InMemorySinks.Idempotency.Entry("IN_PROGRESS",
                "dead-worker", clock.now.plusSeconds(30), clock.now.plus(Duration.ofDays(30))));
        UserStreamsCore core = core();

        BatchOutcome during = core.processor().process(List.of(record));
        assertThat(during.isComplete()).isFalse();
        assertThat(during.firstUnfinished()).containsSame(record);
        assertThat(sinks.welcome.published()).isEmpty();
        assertThat(sinks.deadLetters.letters()).isEmpty();

        clock.now = clock.now.plusSeconds(31);
        assertThat(core.processor().process(List.of(record)).isComplete()).isTrue();
        assertThat(core.processor().process(List.of(record)).isComplete()).isTrue();
        assertThat(sinks.welcome.published()).extracting(WelcomeMessage::userId).containsExactly("kim");
    }

    @Test
    void crashOfThisProcessAfterClaimIsRecoveredByAnotherWorker() {
        User kim = user("kim");
        ChangeRecord record = insert(kim);
        UserStreamsCore first = core();
        // The publish "crashes" the process: the claim stays IN_PROGRESS (nothing released).
        sinks.welcome.perMessage = m -> {
            throw new Error("process killed");
        };
        try {
            first.processor().process(List.of(record));
        } catch (Error expected) {
            // the process died here
        }
        sinks.welcome.perMessage = m -> null;
        assertThat(sinks.idempotency.entries().get(WelcomeEmailReaction.key(kim)).status()).isEqualTo("IN_PROGRESS");

        UserStreamsCore second = core();
        assertThat(second.processor().process(List.of(record)).isComplete()).isFalse();
        clock.now = clock.now.plusSeconds(31);
        assertThat(second.processor().process(List.of(record)).isComplete()).isTrue();
        assertThat(second.processor().process(List.of(record)).isComplete()).isTrue();
        assertThat(sinks.welcome.published()).hasSize(1);
    }

    @Test
    void refusedMessageIsRetriedThenDeadLetteredAndTheOthersInItsBatchAreSentOnce() {
        List<ChangeRecord> batch = List.of(insert(user("a")), insert(user("b")), insert(user("c")));
        sinks.welcome.perMessage = m -> m.userId().equals("b")
                ? new RecordFailureException("InvalidParameter", "bad attribute", null) : null;
        BatchOutcome outcome = core().processor().process(batch);

        assertThat(outcome.isComplete()).isTrue();
        assertThat(outcome.deadLettered()).isEqualTo(1);
        assertThat(sinks.welcome.published()).extracting(WelcomeMessage::userId).containsExactly("a", "c");
        assertThat(sinks.deadLetters.letters()).singleElement().satisfies(l -> {
            assertThat(l.reaction()).isEqualTo("welcome-email");
            assertThat(l.errorType()).isEqualTo("InvalidParameter");
            assertThat(l.attempts()).isEqualTo(3);
        });
    }

    @Test
    void failedCompletionMarkIsRetriedWithoutPublishingAgain() {
        User kim = user("kim");
        sinks.idempotency.completeFaults.failNext(1, () -> software.amazon.awssdk.core.exception.SdkClientException
                .create("connection reset"));
        assertThat(core().processor().process(List.of(insert(kim))).isComplete()).isTrue();
        assertThat(sinks.welcome.published()).hasSize(1);
        assertThat(sinks.idempotency.entries().get(WelcomeEmailReaction.key(kim)).status()).isEqualTo("COMPLETED");
    }

    @Test
    void snsDownHandsTheRecordBackAndLaterSendsOnce() {
        User kim = user("kim");
        ChangeRecord record = insert(kim);
        UserStreamsCore core = core();
        sinks.welcome.faults.failNext(Integer.MAX_VALUE, () -> software.amazon.awssdk.awscore.exception
                .AwsServiceException.builder().statusCode(503).message("Service Unavailable").build());
        BatchOutcome outcome = core.processor().process(List.of(insert(user("first")), record));
        assertThat(outcome.completed()).isZero();
        assertThat(sinks.deadLetters.letters()).isEmpty();
        sinks.welcome.faults.clear();
        // The released claim lets a retry publish at once.
        assertThat(core.processor().process(List.of(insert(user("first")), record)).isComplete()).isTrue();
        assertThat(sinks.welcome.published()).extracting(WelcomeMessage::userId).containsExactly("first", "kim");
    }

    @Test
    void aRecreatedUserIsWelcomedAgain() {
        User first = user("kim");
        User again = new User("kim", "kim@example.com", "Kim", "free", "KR", "ko", first.createdAt().plusSeconds(60), 1,
                first.expiresAt());
        assertThat(core().processor().process(List.of(insert(first), remove(first), insert(again))).isComplete()).isTrue();
        assertThat(sinks.welcome.published()).hasSize(2);
    }

    /** Counts the claim and mark round trips (each call is one DynamoDB request in the real store). */
    static final class CountingStore implements IdempotencyStore {
        final IdempotencyStore delegate;
        final List<Integer> claimCalls = new ArrayList<>();
        final List<Integer> completeCalls = new ArrayList<>();
        volatile RuntimeException claimFault;

        CountingStore(IdempotencyStore delegate) {
            this.delegate = delegate;
        }

        @Override
        public ClaimStatus claim(String key, String owner, Instant now, Instant leaseUntil, Instant expiresAt) {
            return delegate.claim(key, owner, now, leaseUntil, expiresAt);
        }

        @Override
        public synchronized List<ClaimStatus> claimAll(List<String> keys, String owner, Instant now,
                                                       Instant leaseUntil, Instant expiresAt) {
            claimCalls.add(keys.size());
            if (claimFault != null) {
                throw claimFault;
            }
            return IdempotencyStore.super.claimAll(keys, owner, now, leaseUntil, expiresAt);
        }

        @Override
        public void complete(String key, Instant now, Instant expiresAt) {
            delegate.complete(key, now, expiresAt);
        }

        @Override
        public synchronized void completeAll(List<String> keys, Instant now, Instant expiresAt) {
            completeCalls.add(keys.size());
            IdempotencyStore.super.completeAll(keys, now, expiresAt);
        }

        @Override
        public void release(String key, String owner) {
            delegate.release(key, owner);
        }
    }

    static List<io.userstreams.core.reaction.UserChange> inserts(int n) {
        List<io.userstreams.core.reaction.UserChange> changes = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            changes.add(io.userstreams.core.reaction.UserChange.of(insert(user("u" + i))));
        }
        return changes;
    }

    @Test
    void claimsUpToAHundredKeysPerCallAndMarksTheWholeBatchTogether() {
        CountingStore store = new CountingStore(sinks.idempotency);
        WelcomeEmailReaction reaction = new WelcomeEmailReaction(store, sinks.welcome);
        var changes = inserts(105);
        assertThat(reaction.apply(changes).failure()).isNull();
        // 11 groups of at most 10: the first 10 groups claim in one call, the last alone.
        assertThat(store.claimCalls).containsExactly(100, 5);
        assertThat(store.completeCalls).containsExactly(105);
        assertThat(sinks.welcome.calls()).isEqualTo(11);
        assertThat(sinks.welcome.published()).hasSize(105);
        assertThat(sinks.idempotency.entries().values()).hasSize(105)
                .allSatisfy(e -> assertThat(e.status()).isEqualTo("COMPLETED"));
        // A redelivery claims again (all COMPLETED) and publishes nothing.
        assertThat(reaction.apply(changes).failure()).isNull();
        assertThat(sinks.welcome.published()).hasSize(105);
    }

    @Test
    void aFailedSharedClaimFailsAtTheFirstRecordAndPublishesNothing() {
        CountingStore store = new CountingStore(sinks.idempotency);
        WelcomeEmailReaction reaction = new WelcomeEmailReaction(store, sinks.welcome);
        store.claimFault = new IllegalStateException("DynamoDB down");
        var result = reaction.apply(inserts(25));
        assertThat(result.done()).isZero();
        assertThat(result.failure()).hasMessage("DynamoDB down");
        assertThat(sinks.welcome.published()).isEmpty();
        store.claimFault = null;
        assertThat(reaction.apply(inserts(25)).failure()).isNull();
        assertThat(sinks.welcome.published()).hasSize(25);
    }
}
