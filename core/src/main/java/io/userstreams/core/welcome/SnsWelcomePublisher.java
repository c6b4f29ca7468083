package io.userstreams.core.welcome;

import io.userstreams.core.reaction.RecordFailureException;
import io.userstreams.core.reaction.SystemicFailureException;
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

/** Publishes welcome messages to the topic with PublishBatch; reads each entry's result. */
public final class SnsWelcomePublisher implements WelcomePublisher {

    private final SnsClient sns;
    private final String topicArn;

    public SnsWelcomePublisher(SnsClient sns, String topicArn) {
        this.sns = sns;
        this.topicArn = topicArn;
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
            entries.add(PublishBatchRequestEntry.builder().id("m" + i).subject(m.subject()).message(m.body())
                    .messageAttributes(attributes).build());
        }
        PublishBatchResponse response = sns.publishBatch(b -> b.topicArn(topicArn).publishBatchRequestEntries(entries));
        Throwable[] results = new Throwable[messages.size()];
        boolean[] seen = new boolean[messages.size()];
        response.successful().forEach(s -> seen[index(s.id())] = true);
        for (BatchResultErrorEntry f : response.failed()) {
            int i = index(f.id());
            seen[i] = true;
            String text = "SNS refused the welcome message for user " + messages.get(i).userId() + ": " + f.code()
                    + (f.message() == null ? "" : " (" + f.message() + ")");
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
