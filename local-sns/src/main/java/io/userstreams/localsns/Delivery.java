package io.userstreams.localsns;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.net.URI;
import java.net.URLEncoder;
import java.net.HttpURLConnection;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Base64;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.MessageAttributeValue;
import software.amazon.awssdk.services.sqs.model.QueueDoesNotExistException;
import software.amazon.awssdk.services.sqs.model.BatchResultErrorEntry;
import software.amazon.awssdk.services.sqs.model.SendMessageBatchRequestEntry;
import software.amazon.awssdk.services.sqs.model.SendMessageBatchResponse;

/**
 * Delivers notifications to SQS queues (the ElasticMQ server) and HTTP endpoints, synchronously,
 * so a test that publishes and then receives sees the message. A failed delivery is logged and
 * counted, never reported to the publisher, as with the real service.
 */
final class Delivery implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(Delivery.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    private final SqsClient sqs;              // null when no SQS endpoint is configured
    private final URI selfEndpoint;
    private final Map<String, String> queueUrls = new ConcurrentHashMap<>();
    private final AtomicLong delivered = new AtomicLong();
    private final AtomicLong failed = new AtomicLong();

    Delivery(SqsClient sqs, URI selfEndpoint) {
        this.sqs = sqs;
        this.selfEndpoint = selfEndpoint;
    }

    boolean hasSqs() {
        return sqs != null;
    }

    long delivered() {
        return delivered.get();
    }

    long failed() {
        return failed.get();
    }

    void deliver(Subscription sub, Notification n) {
        deliverAll(sub, List.of(n));
    }

    /**
     * Delivers {@code ns} (in this order) to one subscription: to an SQS queue in SendMessageBatch
     * calls of up to 10 messages, so a PublishBatch costs one SQS request rather than ten.
     */
    void deliverAll(Subscription sub, List<Notification> ns) {
        Subscription.Settings s = sub.settings();
        List<Notification> matching = new ArrayList<>(ns.size());
        for (Notification n : ns) {
            if (s.filterPolicy() == null || (s.bodyScope() ? s.filterPolicy().matchesBody(n.message())
                    : s.filterPolicy().matchesAttributes(n.attributes()))) {
                matching.add(n);
            }
        }
        if (matching.isEmpty()) {
            return;
        }
        if (sub.protocol.equals("sqs")) {
            toSqs(sub, s.raw(), matching);
            return;
        }
        for (Notification n : matching) {
            long start = System.nanoTime();
            try {
                switch (sub.protocol) {
                    case "http", "https" -> toHttp(sub, s.raw(), n);
                    default -> throw new IllegalStateException("unsupported protocol " + sub.protocol);
                }
                delivered(sub, n, start);
            } catch (RuntimeException e) {
                failed(sub, n, e.toString());
            }
        }
    }

    private void delivered(Subscription sub, Notification n, long startNanos) {
        delivered.incrementAndGet();
        log.atDebug().addKeyValue("messageId", n.messageId()).addKeyValue("subscriptionArn", sub.arn)
                .addKeyValue("durationMicros", (System.nanoTime() - startNanos) / 1000).log("sns delivery");
    }

    private void failed(Subscription sub, Notification n, String error) {
        failed.incrementAndGet();
        log.atWarn().addKeyValue("messageId", n.messageId()).addKeyValue("subscriptionArn", sub.arn)
                .addKeyValue("endpoint", sub.endpoint).addKeyValue("error", error)
                .log("sns delivery failed; message dropped for this subscription");
    }

    /** SQS's limits for one SendMessageBatch: 10 entries, 262,144 bytes of bodies and attributes together. */
    static final int SQS_BATCH_ENTRIES = 10;
    static final int SQS_BATCH_BYTES = 262_144;

    private void toSqs(Subscription sub, boolean raw, List<Notification> ns) {
        if (sqs == null) {
            ns.forEach(n -> failed(sub, n, "no SQS endpoint configured"));
            return;
        }
        String queueName = queueName(sub.endpoint);
        boolean fifoQueue = queueName.endsWith(".fifo");
        List<SendMessageBatchRequestEntry> entries = new ArrayList<>();
        List<Notification> sent = new ArrayList<>();
        long bytes = 0;
        for (Notification n : ns) {
            SendMessageBatchRequestEntry.Builder e = SendMessageBatchRequestEntry.builder();
            String body;
            long size;
            if (raw) {
                body = bodyFor("sqs", n);
                size = body.getBytes(StandardCharsets.UTF_8).length;
                Map<String, MessageAttributeValue> attrs = new LinkedHashMap<>();
                for (Map.Entry<String, MessageAttribute> a : n.attributes().entrySet()) {
                    attrs.put(a.getKey(), sqsAttribute(a.getValue()));
                    size += a.getValue().size(a.getKey());
                }
                if (!attrs.isEmpty()) {
                    e.messageAttributes(attrs);
                }
            } else {
                body = envelope(sub, n, "sqs");
                size = body.getBytes(StandardCharsets.UTF_8).length;
            }
            e.messageBody(body);
            if (fifoQueue && n.messageGroupId() != null) {
                // A FIFO topic passes its group and deduplication ids on to a FIFO queue, as SNS does.
                e.messageGroupId(n.messageGroupId()).messageDeduplicationId(n.messageDeduplicationId());
            }
            if (!entries.isEmpty() && (entries.size() == SQS_BATCH_ENTRIES || bytes + size > SQS_BATCH_BYTES)) {
                sendBatch(sub, queueName, entries, sent);
                entries = new ArrayList<>();
                sent = new ArrayList<>();
                bytes = 0;
            }
            entries.add(e.id(Integer.toString(entries.size())).build());
            sent.add(n);
            bytes += size;
        }
        sendBatch(sub, queueName, entries, sent);
    }

    /** Entries in order: a FIFO queue keeps a batch's order within each message group. */
    private void sendBatch(Subscription sub, String queueName, List<SendMessageBatchRequestEntry> entries,
                           List<Notification> ns) {
        long start = System.nanoTime();
        SendMessageBatchResponse response;
        try {
            String url = queueUrl(sub.endpoint, queueName);
            response = sqs.sendMessageBatch(r -> r.queueUrl(url).entries(entries));
        } catch (RuntimeException e) {
            if (e instanceof QueueDoesNotExistException) {
                queueUrls.remove(queueName); // the queue may be created again later
            }
            ns.forEach(n -> failed(sub, n, e.toString()));
            return;
        }
        Map<String, String> failures = new HashMap<>();
        for (BatchResultErrorEntry f : response.failed()) {
            failures.put(f.id(), f.code() + ": " + f.message());
        }
        for (int i = 0; i < ns.size(); i++) {
            String error = failures.get(Integer.toString(i));
            if (error == null) {
                delivered(sub, ns.get(i), start);
            } else {
                failed(sub, ns.get(i), error);
            }
        }
    }

    private static MessageAttributeValue sqsAttribute(MessageAttribute a) {
        MessageAttributeValue.Builder b = MessageAttributeValue.builder().dataType(a.dataType());
        if (a.isBinary()) {
            b.binaryValue(SdkBytes.fromByteArray(a.binaryValue()));
        } else {
            b.stringValue(a.stringValue());
        }
        return b.build();
    }

    private String queueUrl(String endpoint, String queueName) {
        if (endpoint.startsWith("http://") || endpoint.startsWith("https://")) {
            return endpoint;
        }
        return queueUrls.computeIfAbsent(queueName, q -> sqs.getQueueUrl(r -> r.queueName(q)).queueUrl());
    }

    /** The queue name from a queue ARN ({@code arn:aws:sqs:region:account:name}) or a queue URL. */
    static String queueName(String endpoint) {
        String s = endpoint.endsWith("/") ? endpoint.substring(0, endpoint.length() - 1) : endpoint;
        int cut = s.startsWith("arn:") ? s.lastIndexOf(':') : s.lastIndexOf('/');
        return s.substring(cut + 1);
    }

    /** HttpURLConnection rather than java.net.http.HttpClient: on JDK 17 the latter keeps a thread until GC. */
    private void toHttp(Subscription sub, boolean raw, Notification n) {
        String body = raw ? bodyFor(sub.protocol, n) : envelope(sub, n, sub.protocol);
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        try {
            HttpURLConnection c = (HttpURLConnection) URI.create(sub.endpoint).toURL().openConnection();
            c.setConnectTimeout(2_000);
            c.setReadTimeout(5_000);
            c.setDoOutput(true);
            c.setRequestMethod("POST");
            c.setRequestProperty("Content-Type", "text/plain; charset=UTF-8");
            c.setRequestProperty("x-amz-sns-message-type", "Notification");
            c.setRequestProperty("x-amz-sns-message-id", n.messageId());
            c.setRequestProperty("x-amz-sns-topic-arn", n.topicArn());
            c.setRequestProperty("x-amz-sns-subscription-arn", sub.arn);
            c.setRequestProperty("User-Agent", "Amazon Simple Notification Service Agent");
            if (raw) {
                c.setRequestProperty("x-amz-sns-rawdelivery", "true");
            }
            c.setFixedLengthStreamingMode(bytes.length);
            try (var out = c.getOutputStream()) {
                out.write(bytes);
            }
            int status = c.getResponseCode();
            try (var in = status >= 400 ? c.getErrorStream() : c.getInputStream()) {
                if (in != null) {
                    in.readAllBytes();
                }
            }
            if (status / 100 != 2) {
                throw new IllegalStateException("HTTP endpoint answered " + status);
            }
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        // No disconnect(): the body was read to the end, so the JDK keeps the connection for the next delivery.
    }

    /** With MessageStructure=json the body is the protocol's own entry, or "default". */
    private static String bodyFor(String protocol, Notification n) {
        if (!"json".equals(n.messageStructure())) {
            return n.message();
        }
        try {
            JsonNode node = JSON.readTree(n.message());
            JsonNode own = node.get(protocol);
            return (own != null && own.isTextual() ? own : node.get("default")).textValue();
        } catch (Exception e) {
            throw new IllegalStateException("message structure was validated on publish", e);
        }
    }

    /** The standard SNS JSON envelope, fields in the service's order. */
    String envelope(Subscription sub, Notification n, String protocol) {
        ObjectNode o = JSON.createObjectNode();
        o.put("Type", "Notification");
        o.put("MessageId", n.messageId());
        if (n.sequenceNumber() != null) {
            o.put("SequenceNumber", n.sequenceNumber()); // FIFO topics only
        }
        o.put("TopicArn", n.topicArn());
        if (n.subject() != null) {
            o.put("Subject", n.subject());
        }
        String message = bodyFor(protocol, n);
        o.put("Message", message);
        o.put("Timestamp", n.timestampText());
        o.put("SignatureVersion", "1");
        // Not a verifiable signature (no AWS key here): a stable digest so the field has the real shape.
        o.put("Signature", Base64.getEncoder().encodeToString(sha256(n.messageId() + "\n" + message)));
        o.put("SigningCertURL", selfEndpoint.resolve("/SimpleNotificationService-local.pem").toString());
        o.put("UnsubscribeURL", selfEndpoint.resolve("/?Action=Unsubscribe&SubscriptionArn="
                + URLEncoder.encode(sub.arn, StandardCharsets.UTF_8)).toString());
        if (!n.attributes().isEmpty()) {
            ObjectNode attrs = o.putObject("MessageAttributes");
            n.attributes().forEach((name, a) -> {
                ObjectNode v = attrs.putObject(name);
                v.put("Type", a.dataType());
                v.put("Value", a.envelopeValue());
            });
        }
        return o.toString();
    }

    private static byte[] sha256(String s) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public void close() {
        if (sqs != null) {
            sqs.close();
        }
    }
}
