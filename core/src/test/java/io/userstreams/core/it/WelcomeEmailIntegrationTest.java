package io.userstreams.core.it;

import static io.userstreams.core.Fixtures.expire;
import static io.userstreams.core.Fixtures.insert;
import static io.userstreams.core.Fixtures.modify;
import static io.userstreams.core.Fixtures.remove;
import static io.userstreams.core.Fixtures.user;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.userstreams.core.UserStreamsCore;
import io.userstreams.core.change.ChangeRecord;
import io.userstreams.core.processing.BatchOutcome;
import io.userstreams.core.sink.Sinks;
import io.userstreams.core.user.User;
import io.userstreams.core.welcome.DynamoDbIdempotencyStore;
import io.userstreams.core.welcome.SnsWelcomePublisher;
import io.userstreams.core.welcome.WelcomeEmailReaction;
import io.userstreams.localstack.LocalStack;
import io.userstreams.localstack.LocalStackExtension;
import io.userstreams.localsns.SnsFault;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.sqs.model.Message;

/** Welcome email through the real SNS endpoint into a subscribed SQS queue, idempotency in the local DynamoDB. */
@ExtendWith(LocalStackExtension.class)
class WelcomeEmailIntegrationTest {

    static final Map<String, String> WELCOME_ONLY = Map.of("REACTIONS", "welcome-email");

    @Test
    void aWelcomePublishedAgainAfterACrashIsDeduplicatedByTheFifoTopic(LocalStack stack) {
        // What a successor does when a worker died after SNS accepted its welcome but before the
        // claim was marked COMPLETED: publish the same creation's message again.
        String queue = stack.subscribeQueue(stack.resources().welcomeTopicArn(), ItSupport.unique("welcome"), false);
        String run = ItSupport.unique("d");
        WelcomeEmailReaction reaction = new WelcomeEmailReaction(
                new DynamoDbIdempotencyStore(stack.dynamoDb(), stack.resources().idempotencyTable()), messages -> List.of());
        var first = reaction.message(user(run + "-kim"));
        var other = reaction.message(user(run + "-lee"));
        SnsWelcomePublisher publisher = new SnsWelcomePublisher(stack.sns(), stack.resources().welcomeTopicArn());
        assertThat(publisher.publish(List.of(first))).containsOnlyNulls();
        assertThat(publisher.publish(List.of(first, other))).containsOnlyNulls();
        List<Message> messages = ItSupport.drain(stack.sqs(), queue, Duration.ofSeconds(2));
        assertThat(messages).extracting(m -> ItSupport.json(m.body()).at("/MessageAttributes/userId/Value").asText())
                .containsExactlyInAnyOrder(run + "-kim", run + "-lee");
    }

    @Test
    void sameBatchThreeTimesSendsExactlyOneWelcomePerNewUser(LocalStack stack) {
        String queue = stack.subscribeQueue(stack.resources().welcomeTopicArn(), ItSupport.unique("welcome"), false);
        String run = ItSupport.unique("w");
        User kim = user(run + "-kim", "kim@example.com", "pro", "KR", "ko-KR");
        User lee = user(run + "-lee", "lee@example.com", "free", "US", "en-US");
        List<ChangeRecord> batch = new ArrayList<>(List.of(insert(kim), insert(lee),
                modify(kim, kim.withPlan("enterprise").withVersion(2)), remove(lee), expire(kim)));
        for (int i = 0; i < 12; i++) {
            batch.add(insert(user(run + "-u" + i)));
        }
        try (UserStreamsCore core = ItSupport.core(stack, WELCOME_ONLY, b -> { })) {
            for (int i = 0; i < 3; i++) {
                BatchOutcome outcome = core.processor().process(batch);
                assertThat(outcome.isComplete()).isTrue();
                assertThat(outcome.completed()).isEqualTo(batch.size());
            }
        }
        List<Message> messages = ItSupport.drain(stack.sqs(), queue, Duration.ofSeconds(2));
        assertThat(messages).hasSize(14);
        JsonNode kimMail = messages.stream().map(m -> ItSupport.json(m.body()))
                .filter(n -> n.at("/MessageAttributes/userId/Value").asText().equals(kim.userId()))
                .findFirst().orElseThrow();
        assertThat(kimMail.path("Type").asText()).isEqualTo("Notification");
        assertThat(kimMail.path("Subject").asText()).isEqualTo("Welcome to User Streams, Name " + kim.userId() + "!");
        assertThat(kimMail.at("/MessageAttributes/subject/Value").asText())
                .isEqualTo("Name " + kim.userId() + "님, User Streams에 오신 것을 환영합니다!");
        assertThat(kimMail.path("Message").asText()).contains("pro 요금제");
        assertThat(kimMail.at("/MessageAttributes/email/Value").asText()).isEqualTo("kim@example.com");
        assertThat(kimMail.at("/MessageAttributes/locale/Value").asText()).isEqualTo("ko-KR");
        assertThat(kimMail.at("/MessageAttributes/eventType/Value").asText()).isEqualTo("USER_CREATED");

        Map<String, AttributeValue> claim = stack.dynamoDb().getItem(r -> r.tableName(stack.resources().idempotencyTable())
                .key(Map.of("idempotencyKey", AttributeValue.fromS(WelcomeEmailReaction.key(kim))))).item();
        assertThat(claim.get("status").s()).isEqualTo("COMPLETED");
        long expiresAt = Long.parseLong(claim.get("expiresAt").n());
        assertThat(expiresAt).isGreaterThanOrEqualTo(java.time.Instant.now().plus(Duration.ofDays(7)).getEpochSecond());
    }

    @Test
    void crashAfterClaimBeforePublishSendsExactlyOnceAfterTheLeaseExpires(LocalStack stack) throws Exception {
        String queue = stack.subscribeQueue(stack.resources().welcomeTopicArn(), ItSupport.unique("crash"), true);
        User kim = user(ItSupport.unique("crash-kim"));
        ChangeRecord record = insert(kim);
        DynamoDbIdempotencyStore store = new DynamoDbIdempotencyStore(stack.dynamoDb(), stack.resources().idempotencyTable());
        Sinks noop = Sinks.noOp();

        // Process 1 claims, then dies inside publish (an Error no handler catches: the "kill").
        Sinks dying = new Sinks(store, messages -> {
            throw new Error("process killed between claim and publish");
        }, noop.derived(), noop.search(), noop.deadLetters());
        try (UserStreamsCore first = ItSupport.core(stack, WELCOME_ONLY, b -> b.sinks(dying)
                .welcomeLease(Duration.ofSeconds(2)))) {
            first.processor().process(List.of(record));
        } catch (Error killed) {
            assertThat(killed).hasMessageContaining("process killed");
        }
        Map<String, AttributeValue> claim = stack.dynamoDb().getItem(r -> r.tableName(stack.resources().idempotencyTable())
                .consistentRead(true)
                .key(Map.of("idempotencyKey", AttributeValue.fromS(WelcomeEmailReaction.key(kim))))).item();
        assertThat(claim.get("status").s()).isEqualTo("IN_PROGRESS");

        // Process 2 (a new worker) gets the redelivery.
        Sinks real = new Sinks(store, new SnsWelcomePublisher(stack.sns(), stack.resources().welcomeTopicArn()),
                noop.derived(), noop.search(), noop.deadLetters());
        try (UserStreamsCore second = ItSupport.core(stack, WELCOME_ONLY, b -> b.sinks(real)
                .welcomeLease(Duration.ofSeconds(2)))) {
            // The crashed claim's lease is still live: the core waits it out (it says how long) rather
            // than failing the record, then publishes once.
            BatchOutcome afterLease = second.processor().process(List.of(record));
            assertThat(afterLease.isComplete()).isTrue();
            assertThat(second.processor().process(List.of(record)).isComplete()).isTrue();
        }
        List<Message> messages = ItSupport.drain(stack.sqs(), queue, Duration.ofSeconds(2));
        assertThat(messages).hasSize(1);
        assertThat(messages.get(0).body()).startsWith("Name " + kim.userId() + "님, 안녕하세요.");
    }

    @Test
    void snsFailingIsSystemicNothingIsDeadLetteredAndTheRetrySendsOnce(LocalStack stack) {
        String queue = stack.subscribeQueue(stack.resources().welcomeTopicArn(), ItSupport.unique("down"), true);
        String run = ItSupport.unique("down");
        List<ChangeRecord> batch = List.of(insert(user(run + "-a")), insert(user(run + "-b")));
        try (UserStreamsCore core = ItSupport.core(stack, WELCOME_ONLY, b -> { })) {
            stack.snsServer().faults().failAll(SnsFault.UNAVAILABLE);
            BatchOutcome down;
            try {
                down = core.processor().process(batch);
            } finally {
                stack.snsServer().faults().clear();
            }
            assertThat(down.completed()).isZero();
            assertThat(down.firstUnfinished()).containsSame(batch.get(0));
            assertThat(core.processor().process(batch).isComplete()).isTrue();
        }
        assertThat(ItSupport.drain(stack.sqs(), queue, Duration.ofSeconds(2))).hasSize(2);
    }
}
