package io.userstreams.core.processing;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.function.Supplier;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.MessageAttributeValue;

/**
 * Dead letters as JSON messages on the SQS dead-letter queue, with message attributes
 * {@code reaction} and {@code errorType} for filtering. A letter bigger than SQS allows keeps the
 * keys and replaces the images with their size (the table still has the item).
 */
public final class SqsDeadLetterQueue implements DeadLetterQueue {

    /** SQS allows 256 KiB per message; leave room for attributes. */
    static final int MAX_BODY_BYTES = 250 * 1024;
    private static final ObjectMapper JSON = new ObjectMapper();

    private final SqsClient sqs;
    private final Supplier<String> queueUrl;

    public SqsDeadLetterQueue(SqsClient sqs, String queueUrl) {
        this(sqs, () -> queueUrl);
    }

    /** With a queue URL resolved on first use (e.g. GetQueueUrl by name in local mode). */
    public SqsDeadLetterQueue(SqsClient sqs, Supplier<String> queueUrl) {
        this.sqs = sqs;
        this.queueUrl = queueUrl;
    }

    @Override
    public void send(DeadLetter letter) {
        String body = body(letter);
        sqs.sendMessage(b -> b.queueUrl(queueUrl.get()).messageBody(body).messageAttributes(Map.of(
                "reaction", MessageAttributeValue.builder().dataType("String").stringValue(letter.reaction()).build(),
                "errorType", MessageAttributeValue.builder().dataType("String").stringValue(letter.errorType()).build())));
    }

    static String body(DeadLetter letter) {
        try {
            ObjectNode json = letter.toJson();
            String body = SqsMessageBodies.sqsSafe(JSON.writeValueAsString(json));
            if (body.getBytes(StandardCharsets.UTF_8).length <= MAX_BODY_BYTES) {
                return body;
            }
            ObjectNode record = (ObjectNode) json.get("record");
            for (String image : new String[] {"oldImage", "newImage"}) {
                int size = JSON.writeValueAsString(record.get(image)).length();
                record.putObject(image).put("truncated", true).put("jsonChars", size);
            }
            json.put("truncated", true);
            return SqsMessageBodies.sqsSafe(JSON.writeValueAsString(json));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("dead letter could not be written as JSON", e);
        }
    }
}
