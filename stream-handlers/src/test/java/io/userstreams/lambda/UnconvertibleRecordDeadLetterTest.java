package io.userstreams.lambda;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchRuntimeException;

import com.amazonaws.services.lambda.runtime.events.DynamodbEvent;
import com.amazonaws.services.lambda.runtime.tests.EventLoader;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.userstreams.core.processing.SqsUnconvertibleRecords;
import io.userstreams.core.processing.UnconvertibleRecord;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.SendMessageRequest;
import software.amazon.awssdk.services.sqs.model.SendMessageResponse;

/** A record Lambda delivers that cannot be converted, as the dead-letter queue receives it. */
class UnconvertibleRecordDeadLetterTest {

    final List<SendMessageRequest> sent = new ArrayList<>();
    final SqsClient fakeSqs = new SqsClient() {
        @Override
        public SendMessageResponse sendMessage(SendMessageRequest request) {
            sent.add(request);
            return SendMessageResponse.builder().messageId("m-1").build();
        }

        @Override
        public String serviceName() {
            return "sqs";
        }

        @Override
        public void close() {
        }
    };
    final Clock clock = Clock.fixed(Instant.parse("2026-11-25T12:00:00Z"), ZoneOffset.UTC);

    @Test
    void sendsTheRawRecordWithReasonAndPositionToTheDeadLetterQueue() throws Exception {
        DynamodbEvent event = EventLoader.loadDynamoDbEvent("events/malformed.json");
        LambdaRecordAdapter adapter = new LambdaRecordAdapter();
        var delivered = event.getRecords().get(4);
        RuntimeException error = catchRuntimeException(() -> adapter.toChangeRecord(delivered));
        assertThat(error).isNotNull();

        new SqsUnconvertibleRecords(fakeSqs, () -> "http://127.0.0.1:1/000000000000/dlq", clock)
                .send(adapter.unconvertible(delivered, error));

        assertThat(sent).hasSize(1);
        assertThat(sent.get(0).queueUrl()).isEqualTo("http://127.0.0.1:1/000000000000/dlq");
        assertThat(sent.get(0).messageAttributes().get("reaction").stringValue()).isEqualTo("conversion");
        JsonNode body = new ObjectMapper().readTree(sent.get(0).messageBody());
        assertThat(body.get("reaction").asText()).isEqualTo("conversion");
        assertThat(body.get("eventId").asText()).isEqualTo("bad-untyped-attribute");
        assertThat(body.get("sequenceNumber").asText())
                .isEqualTo(event.getRecords().get(4).getDynamodb().getSequenceNumber());
        assertThat(body.get("shardId").asText()).isEqualTo(event.getRecords().get(4).getEventSourceARN());
        assertThat(body.get("error").asText()).contains("Unsupported attributeValue type");
        assertThat(body.get("attempts").asInt()).isEqualTo(1);
        assertThat(body.get("firstFailureAt").asText()).isEqualTo("2026-11-25T12:00:00Z");
        assertThat(body.get("rawRecord").isObject()).as("the record as delivered, replayable by hand").isTrue();
        assertThat(body.get("rawRecord").toString()).contains("u-2004");
    }

    @Test
    void aQueueLookedUpByNameIsResolvedOnFirstUseOnly() {
        java.util.concurrent.atomic.AtomicInteger lookups = new java.util.concurrent.atomic.AtomicInteger();
        SqsUnconvertibleRecords records = new SqsUnconvertibleRecords(fakeSqs, () -> {
            lookups.incrementAndGet();
            return "http://127.0.0.1:1/000000000000/user-streams-dlq";
        }, clock);
        UnconvertibleRecord bad = new UnconvertibleRecord("e", null, "1", "{}", "bad");

        records.send(bad);
        records.send(bad);

        assertThat(lookups).hasValue(1);
        assertThat(sent).extracting(SendMessageRequest::queueUrl).containsOnly("http://127.0.0.1:1/000000000000/user-streams-dlq");
    }

    @Test
    void withoutAQueueTheSendFailsSoTheRecordIsHandedBack() {
        UnconvertibleRecord bad = new UnconvertibleRecord("e", null, "1", "{}", "bad");
        assertThatThrownBy(() -> new SqsUnconvertibleRecords(fakeSqs, () -> null, clock).send(bad))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("DEAD_LETTER_QUEUE_URL");
        assertThat(sent).isEmpty();
    }
}
