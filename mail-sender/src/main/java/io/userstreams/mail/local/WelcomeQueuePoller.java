package io.userstreams.mail.local;

import com.amazonaws.services.lambda.runtime.RequestHandler;
import com.amazonaws.services.lambda.runtime.events.SQSBatchResponse;
import com.amazonaws.services.lambda.runtime.events.SQSEvent;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.DeleteMessageBatchRequestEntry;
import software.amazon.awssdk.services.sqs.model.Message;
import software.amazon.awssdk.services.sqs.model.MessageAttributeValue;
import software.amazon.awssdk.services.sqs.model.MessageSystemAttributeName;

/**
 * Lambda's SQS event source, locally: long-polls a queue, hands each batch to the same handler
 * that runs in AWS as an {@link SQSEvent}, deletes what the handler did not report as a batch item
 * failure and leaves the failures for redelivery. One local deviation: a failure becomes visible
 * again after {@code retryDelay} (Lambda leaves it for the queue's visibility timeout), so local
 * retries take seconds, not minutes.
 */
public final class WelcomeQueuePoller implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(WelcomeQueuePoller.class);

    private final SqsClient sqs;
    private final String queueUrl;
    private final String queueArn;
    private final String region;
    private final RequestHandler<SQSEvent, SQSBatchResponse> handler;
    private final Duration retryDelay;
    private final AtomicBoolean running = new AtomicBoolean();
    private Thread thread;

    public WelcomeQueuePoller(SqsClient sqs, String queueUrl, String region,
                              RequestHandler<SQSEvent, SQSBatchResponse> handler, Duration retryDelay) {
        this.sqs = Objects.requireNonNull(sqs);
        this.queueUrl = Objects.requireNonNull(queueUrl);
        this.region = region;
        this.handler = Objects.requireNonNull(handler);
        this.retryDelay = retryDelay;
        this.queueArn = sqs.getQueueAttributes(r -> r.queueUrl(queueUrl).attributeNamesWithStrings("QueueArn"))
                .attributesAsStrings().get("QueueArn");
    }

    /** Polls on a daemon thread until {@link #close()}. */
    public synchronized WelcomeQueuePoller start() {
        if (running.compareAndSet(false, true)) {
            thread = new Thread(this::loop, "welcome-queue-poller");
            thread.setDaemon(true);
            thread.start();
        }
        return this;
    }

    private void loop() {
        while (running.get()) {
            try {
                pollOnce(Duration.ofSeconds(1));
            } catch (RuntimeException e) {
                if (!running.get()) {
                    return;
                }
                log.atWarn().addKeyValue("error", e.toString()).log("welcome queue poll failed; retrying in 1 s");
                sleep(1_000);
            } catch (Error e) {
                // A crash in the handler (tests simulate one): the batch stays in flight, as with a dead Lambda.
                log.atError().addKeyValue("error", e.toString()).log("welcome handler crashed; its batch will be redelivered");
            }
        }
    }

    /** One receive → handle → delete round; returns how many messages were handled. */
    public int pollOnce(Duration wait) {
        List<Message> messages = sqs.receiveMessage(r -> r.queueUrl(queueUrl).maxNumberOfMessages(10)
                .waitTimeSeconds((int) wait.toSeconds())
                .messageSystemAttributeNames(MessageSystemAttributeName.ALL)
                .messageAttributeNames("All")).messages();
        if (messages.isEmpty()) {
            return 0;
        }
        SQSEvent event = toEvent(messages, queueArn, region);
        SQSBatchResponse response = handler.handleRequest(event, null);
        Set<String> failed = new HashSet<>();
        if (response != null && response.getBatchItemFailures() != null) {
            response.getBatchItemFailures().forEach(f -> failed.add(f.getItemIdentifier()));
        }
        List<DeleteMessageBatchRequestEntry> done = new ArrayList<>();
        for (Message m : messages) {
            if (failed.contains(m.messageId())) {
                if (retryDelay != null) {
                    sqs.changeMessageVisibility(r -> r.queueUrl(queueUrl).receiptHandle(m.receiptHandle())
                            .visibilityTimeout((int) retryDelay.toSeconds()));
                }
            } else {
                done.add(DeleteMessageBatchRequestEntry.builder().id("d" + done.size()).receiptHandle(m.receiptHandle()).build());
            }
        }
        if (!done.isEmpty()) {
            sqs.deleteMessageBatch(r -> r.queueUrl(queueUrl).entries(done));
        }
        return messages.size();
    }

    /** SQS messages as the Lambda service hands them to a function. */
    public static SQSEvent toEvent(List<Message> messages, String queueArn, String region) {
        SQSEvent event = new SQSEvent();
        List<SQSEvent.SQSMessage> records = new ArrayList<>(messages.size());
        for (Message m : messages) {
            records.add(toLambda(m, queueArn, region));
        }
        event.setRecords(records);
        return event;
    }

    private static SQSEvent.SQSMessage toLambda(Message m, String queueArn, String region) {
        SQSEvent.SQSMessage s = new SQSEvent.SQSMessage();
        s.setMessageId(m.messageId());
        s.setReceiptHandle(m.receiptHandle());
        s.setBody(m.body());
        s.setMd5OfBody(m.md5OfBody());
        s.setEventSource("aws:sqs");
        s.setEventSourceArn(queueArn);
        s.setAwsRegion(region);
        Map<String, String> attributes = new HashMap<>();
        m.attributesAsStrings().forEach(attributes::put);
        s.setAttributes(attributes);
        Map<String, SQSEvent.MessageAttribute> messageAttributes = new HashMap<>();
        for (Map.Entry<String, MessageAttributeValue> e : m.messageAttributes().entrySet()) {
            SQSEvent.MessageAttribute a = new SQSEvent.MessageAttribute();
            a.setDataType(e.getValue().dataType());
            a.setStringValue(e.getValue().stringValue());
            messageAttributes.put(e.getKey(), a);
        }
        s.setMessageAttributes(messageAttributes);
        return s;
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() {
        running.set(false);
        Thread t;
        synchronized (this) {
            t = thread;
        }
        if (t != null) {
            try {
                t.join(5_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
