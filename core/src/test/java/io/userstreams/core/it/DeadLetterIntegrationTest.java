package io.userstreams.core.it;

import static io.userstreams.core.Fixtures.insert;
import static io.userstreams.core.Fixtures.poison;
import static io.userstreams.core.Fixtures.user;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.userstreams.core.UserStreamsCore;
import io.userstreams.core.change.ChangeRecord;
import io.userstreams.core.processing.BatchOutcome;
import io.userstreams.core.processing.DeadLetter;
import io.userstreams.core.processing.UnconvertibleRecord;
import io.userstreams.localstack.LocalStack;
import io.userstreams.localstack.LocalStackExtension;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import software.amazon.awssdk.services.sqs.model.Message;

/** Dead letters land in the real SQS queue as JSON and read back as the same record. */
@ExtendWith(LocalStackExtension.class)
class DeadLetterIntegrationTest {

    @Test
    void poisonRecordIsDeadLetteredWithItsReasonAndTheRecordsAfterItAreProcessed(LocalStack stack) {
        String queue = stack.sqs().createQueue(r -> r.queueName(ItSupport.unique("dlq"))).queueUrl();
        String run = ItSupport.unique("p");
        ChangeRecord bad = poison(run + "-bad");
        List<ChangeRecord> batch = List.of(insert(user(run + "-a")), bad, insert(user(run + "-b")));
        Map<String, String> env = new HashMap<>(Map.of("REACTIONS", "derived-tables", "DEAD_LETTER_QUEUE_URL", queue));
        try (UserStreamsCore core = ItSupport.core(stack, env, b -> { })) {
            BatchOutcome outcome = core.processor().process(batch);
            assertThat(outcome.isComplete()).isTrue();
            assertThat(outcome.deadLettered()).isEqualTo(1);
        }
        List<Message> letters = ItSupport.drain(stack.sqs(), queue, Duration.ofSeconds(1));
        assertThat(letters).hasSize(1);
        Message m = letters.get(0);
        JsonNode json = ItSupport.json(m.body());
        assertThat(json.path("reaction").asText()).isEqualTo("validation");
        assertThat(json.path("errorType").asText()).isEqualTo("validation");
        assertThat(json.path("error").asText()).startsWith("newImage: missing for a INSERT record");
        assertThat(json.path("attempts").asInt()).isEqualTo(1);
        assertThat(json.path("eventId").asText()).isEqualTo(bad.eventId());
        assertThat(json.path("sequenceNumber").asText()).isEqualTo(bad.sequenceNumber());
        assertThat(json.path("shardId").asText()).isEqualTo(bad.shardId());
        assertThat(json.at("/record/keys/userId/S").asText()).isEqualTo(run + "-bad");
        assertThat(m.messageAttributes().get("reaction").stringValue()).isEqualTo("validation");
        assertThat(DeadLetter.fromJson(json).record()).isEqualTo(bad);
        // The record after the poison was applied.
        assertThat(stack.dynamoDb().getItem(r -> r.tableName(stack.resources().usersByEmailTable()).key(Map.of("email",
                software.amazon.awssdk.services.dynamodb.model.AttributeValue.fromS(run + "-b@example.com")))).item())
                .isNotEmpty();
    }

    @Test
    void unreachableQueueHandsTheRecordBackInsteadOfLosingIt(LocalStack stack) {
        String run = ItSupport.unique("q");
        List<ChangeRecord> batch = List.of(insert(user(run + "-a")), poison(run + "-bad"), insert(user(run + "-b")));
        Map<String, String> env = Map.of("REACTIONS", "derived-tables",
                "DEAD_LETTER_QUEUE_URL", stack.sqsEndpoint() + "/000000000000/" + run + "-missing");
        try (UserStreamsCore core = ItSupport.core(stack, env, b -> { })) {
            BatchOutcome outcome = core.processor().process(batch);
            assertThat(outcome.completed()).isEqualTo(1);
            assertThat(outcome.firstUnfinished()).containsSame(batch.get(1));
        }
    }

    @Test
    void aRedeliveredBatchDeadLettersEachRecordOncePerReactionAcrossRuntimes(LocalStack stack) {
        String queue = stack.sqs().createQueue(r -> r.queueName(ItSupport.unique("dlq"))).queueUrl();
        String run = ItSupport.unique("r");
        ChangeRecord bad = poison(run + "-bad");
        List<ChangeRecord> batch = List.of(insert(user(run + "-a")), bad, insert(user(run + "-b")));
        Map<String, String> env = Map.of("REACTIONS", "derived-tables", "DEAD_LETTER_QUEUE_URL", queue);
        UnconvertibleRecord unconvertible = new UnconvertibleRecord(run + "-raw", "shard-1", "100", "{}",
                "no type on an attribute");
        // Four deliveries of the same batch: two on one core (a Lambda container's retries), one on a
        // second core (the other runtime, another owner), one more on the first.
        try (UserStreamsCore lambda = ItSupport.core(stack, env, b -> { });
             UserStreamsCore kcl = ItSupport.core(stack, env, b -> { })) {
            for (UserStreamsCore core : List.of(lambda, lambda, kcl, lambda)) {
                assertThat(core.processor().process(batch).isComplete()).isTrue();
                core.unconvertibleRecords().send(unconvertible);
            }
        }
        List<Message> letters = ItSupport.drain(stack.sqs(), queue, Duration.ofSeconds(1));
        assertThat(letters).extracting(m -> ItSupport.json(m.body()).path("eventId").asText()
                + "/" + m.messageAttributes().get("reaction").stringValue())
                .containsExactlyInAnyOrder(bad.eventId() + "/validation", run + "-raw/conversion");
    }
}
