package io.userstreams.lambda;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Clock;
import java.util.Objects;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.MessageAttributeValue;

/**
 * Sends a record the handler could not convert to the dead-letter queue. The message has the same
 * fields as the core's dead letters ({@code reaction, error, errorType, attempts, firstFailureAt,
 * lastFailureAt, shardId, sequenceNumber, eventId}) with reaction {@value #REACTION}; since there is
 * no change record, {@code rawRecord} carries the record as Lambda delivered it instead of {@code record}.
 * A send that fails throws: the handler then reports this record as the batch item failure.
 */
public final class SqsMalformedRecords implements StreamHandlerRuntime.MalformedRecords, AutoCloseable {

    public static final String REACTION = "conversion";
    private static final ObjectMapper JSON = new ObjectMapper();

    private final SqsClient sqs;
    private final java.util.function.Supplier<String> queueUrlSource;
    private final Clock clock;
    private volatile String queueUrl;

    public SqsMalformedRecords(SqsClient sqs, String queueUrl, Clock clock) {
        this(sqs, () -> queueUrl, clock);
    }

    /** With a queue URL found on first use (local mode looks the queue up by name, like the core). */
    public SqsMalformedRecords(SqsClient sqs, java.util.function.Supplier<String> queueUrl, Clock clock) {
        this.sqs = Objects.requireNonNull(sqs, "sqs");
        this.queueUrlSource = Objects.requireNonNull(queueUrl, "queueUrl");
        this.clock = clock;
    }

    @Override
    public void deadLetter(MalformedRecord record) {
        String queueUrl = this.queueUrl;
        if (queueUrl == null) {
            queueUrl = queueUrlSource.get();
            this.queueUrl = queueUrl;
        }
        if (queueUrl == null || queueUrl.isBlank()) {
            throw new IllegalStateException("DEAD_LETTER_QUEUE_URL is not set: cannot dead-letter malformed record "
                    + record.eventId());
        }
        String url = queueUrl;
        sqs.sendMessage(r -> r.queueUrl(url).messageBody(body(record))
                .messageAttributes(java.util.Map.of("reaction",
                        MessageAttributeValue.builder().dataType("String").stringValue(REACTION).build())));
    }

    @Override
    public void close() {
        sqs.close();
    }

    String body(MalformedRecord record) {
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
        return n.toString();
    }

    private static JsonNode parse(String raw) {
        try {
            return JSON.readTree(raw);
        } catch (Exception e) {
            return JSON.getNodeFactory().textNode(raw);
        }
    }
}
