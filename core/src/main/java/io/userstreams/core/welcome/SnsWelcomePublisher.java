package io.userstreams.core.welcome;

import io.userstreams.core.failure.RecordFailureException;
import io.userstreams.core.failure.SystemicFailureException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import software.amazon.awssdk.services.sns.SnsClient;
import software.amazon.awssdk.services.sns.model.BatchResultErrorEntry;
import software.amazon.awssdk.services.sns.model.MessageAttributeValue;
import software.amazon.awssdk.services.sns.model.PublishBatchRequestEntry;
import software.amazon.awssdk.services.sns.model.PublishBatchResponse;

/**
 * Publishes welcome messages to the topic with PublishBatch; reads each entry's result. On a FIFO
 * topic (ARN ending in {@code .fifo}) each message carries its user creation's idempotency key as
 * MessageDeduplicationId: a message re-published after a crash between publish and the COMPLETED
 * mark (the claim's lease expired, another worker took over) is accepted by SNS and not delivered
 * again, within SNS's 5-minute deduplication window. The group is the user, so one user's messages
 * stay in order and different users' messages do not wait for each other.
 */
public final class SnsWelcomePublisher implements WelcomePublisher {

    private final SnsClient sns;
    private final String topicArn;
    private final boolean fifo;

    public SnsWelcomePublisher(SnsClient sns, String topicArn) {
        this.sns = sns;
        this.topicArn = topicArn;
        this.fifo = topicArn != null && topicArn.endsWith(".fifo");
    }

    /** SNS takes up to 128 characters of letters, digits and punctuation: a SHA-256 of the key always fits. */
    static String deduplicationId(String idempotencyKey) {
        try {
            byte[] digest = java.security.MessageDigest.getInstance("SHA-256")
                    .digest(idempotencyKey.getBytes(java.nio.charset.StandardCharsets.UTF_8));
            return java.util.HexFormat.of().formatHex(digest);
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is always available", e);
        }
    }

    @Override
    public List<Throwable> publish(List<WelcomeMessage> messages) {
        if (messages.size() > MAX_BATCH) {
            throw new IllegalArgumentException("at most " + MAX_BATCH + " messages per call");
        }
        List<PublishBatchRequestEntry> entries = new ArrayList<>(messages.size());
        for (int i = 0; i < messages.size(); i++) {
            WelcomeMessage m = messages.get(i);
            Map<String, MessageAttributeValue> attributes = new HashMap<>();
            m.attributes().forEach((k, v) -> attributes.put(k,
                    MessageAttributeValue.builder().dataType("String").stringValue(v).build()));
            PublishBatchRequestEntry.Builder entry = PublishBatchRequestEntry.builder().id("m" + i).subject(m.subject())
                    .message(m.body()).messageAttributes(attributes);
            if (fifo) {
                entry.messageGroupId(deduplicationId(m.userId()).substring(0, 32))
                        .messageDeduplicationId(deduplicationId(m.idempotencyKey()));
            }
            entries.add(entry.build());
        }
        PublishBatchResponse response = sns.publishBatch(b -> b.topicArn(topicArn).publishBatchRequestEntries(entries));
        Throwable[] results = new Throwable[messages.size()];
        boolean[] seen = new boolean[messages.size()];
        response.successful().forEach(s -> seen[index(s.id())] = true);
        for (BatchResultErrorEntry f : response.failed()) {
            int i = index(f.id());
            seen[i] = true;
            String text = "SNS refused the welcome message for user " + messages.get(i).userId() + ": " + f.code()
                    + (f.message() == null ? "" : " (" + io.userstreams.core.user.LogSafe.redact(f.message()) + ")");
            results[i] = Boolean.TRUE.equals(f.senderFault())
                    ? new RecordFailureException(f.code(), text, null)
                    : new SystemicFailureException(f.code(), text, null);
        }
        for (int i = 0; i < seen.length; i++) {
            if (!seen[i]) {
                results[i] = new SystemicFailureException("MissingResult", "SNS returned no result for entry m" + i, null);
            }
        }
        return Arrays.asList(results);
    }

    private static int index(String id) {
        return Integer.parseInt(id.substring(1));
    }
}
