package io.userstreams.core.processing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Clock;
import java.util.Map;
import java.util.Objects;
import java.util.function.Supplier;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.MessageAttributeValue;

/**
 * Sends {@link UnconvertibleRecord}s to the dead-letter queue, for both runtimes. The message has
 * the same fields as a {@link DeadLetter} ({@code reaction, error, errorType, attempts,
 * firstFailureAt, lastFailureAt, shardId, sequenceNumber, eventId}) with reaction {@value #REACTION};
 * since there is no change record, {@code rawRecord} carries the record as delivered instead of
 * {@code record}. A send that fails throws: the runtime then stops at this record (systemic).
 */
public final class SqsUnconvertibleRecords implements UnconvertibleRecordQueue {

    public static final String REACTION = "conversion";
    private static final ObjectMapper JSON = new ObjectMapper();

    private final SqsClient sqs;
    private final Supplier<String> queueUrlSource;
    private final Clock clock;
    private volatile String queueUrl;

    /** @param queueUrl resolved on first use (local mode looks the queue up by name) */
    public SqsUnconvertibleRecords(SqsClient sqs, Supplier<String> queueUrl, Clock clock) {
        this.sqs = Objects.requireNonNull(sqs, "sqs");
        this.queueUrlSource = Objects.requireNonNull(queueUrl, "queueUrl");
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    @Override
    public void send(UnconvertibleRecord record) {
        String url = queueUrl;
        if (url == null) {
            url = queueUrlSource.get();
            queueUrl = url;
        }
        if (url == null || url.isBlank()) {
            throw new IllegalStateException("DEAD_LETTER_QUEUE_URL is not set: cannot dead-letter the unconvertible"
                    + " record " + record.eventId() + " (" + record.reason() + "); set it so the record can be parked");
        }
        String target = url;
        sqs.sendMessage(r -> r.queueUrl(target).messageBody(body(record)).messageAttributes(Map.of("reaction",
                MessageAttributeValue.builder().dataType("String").stringValue(REACTION).build())));
    }

    public String body(UnconvertibleRecord record) {
        String now = clock.instant().toString();
        ObjectNode n = JSON.createObjectNode();
        n.set("rawRecord", parse(record.rawJson()));
        n.put("reaction", REACTION);
        n.put("error", record.reason());
        n.put("errorType", "MalformedStreamRecord");
        n.put("attempts", 1);
        n.put("firstFailureAt", now);
        n.put("lastFailureAt", now);
        n.put("shardId", record.shardId());
        n.put("sequenceNumber", record.sequenceNumber());
        n.put("eventId", record.eventId());
        String body = SqsMessageBodies.sqsSafe(n.toString());
        if (body.getBytes(java.nio.charset.StandardCharsets.UTF_8).length <= SqsDeadLetterQueue.MAX_BODY_BYTES) {
            return body;
        }
        // Too big for SQS: keep the ids, sequence number and reason; the size says what was dropped.
        n.putObject("rawRecord").put("truncated", true).put("jsonChars", record.rawJson().length());
        n.put("truncated", true);
        return SqsMessageBodies.sqsSafe(n.toString());
    }

    private static JsonNode parse(String raw) {
        try {
            return JSON.readTree(raw);
        } catch (Exception e) {
            return JSON.getNodeFactory().textNode(raw);
        }
    }
}
