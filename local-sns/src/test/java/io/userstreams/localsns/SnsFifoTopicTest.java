package io.userstreams.localsns;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import java.math.BigInteger;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.sns.SnsClient;
import software.amazon.awssdk.services.sns.model.InvalidParameterException;
import software.amazon.awssdk.services.sns.model.PublishBatchRequestEntry;
import software.amazon.awssdk.services.sns.model.PublishBatchResponse;
import software.amazon.awssdk.services.sns.model.PublishResponse;
import software.amazon.awssdk.services.sns.model.SnsException;
import software.amazon.awssdk.services.sqs.model.Message;
import software.amazon.awssdk.services.sqs.model.MessageSystemAttributeName;
import software.amazon.awssdk.services.sqs.model.QueueAttributeName;

/** FIFO topics through the real SDK v2 SnsClient, delivering into a real ElasticMQ. */
class SnsFifoTopicTest extends SnsWithElasticMq {

    private static final String SEQUENCE = "\\d{20,}";

    /** A clock the tests move by hand. */
    private static final class MovableClock extends Clock {
        final AtomicReference<Instant> now = new AtomicReference<>(Instant.parse("2025-01-01T00:00:00Z"));

        @Override
        public ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return now.get();
        }

        void advance(Duration d) {
            now.updateAndGet(i -> i.plus(d));
        }
    }

    private static final MovableClock CLOCK = new MovableClock();
    private String topicArn;
    private String queueUrl;

    @BeforeAll
    static void movableClock() {
        server.clock(CLOCK);
    }

    /** A fresh FIFO topic with a standard queue subscribed (raw delivery), as the product's welcome topic. */
    @BeforeEach
    void freshFifoTopic() {
        server.faults().clear();
        topicArn = createFifoTopic(Map.of());
        queueUrl = newQueue();
        sns.subscribe(r -> r.topicArn(topicArn).protocol("sqs").endpoint(queueArn(queueUrl))
                .attributes(Map.of("RawMessageDelivery", "true")));
    }

    // ---- CreateTopic / attributes ----

    @Test
    void fifoTopicNeedsBothTheSuffixAndFifoTopicTrue() {
        String name = "welcome-" + UUID.randomUUID() + ".fifo";
        String arn = sns.createTopic(r -> r.name(name).attributes(Map.of("FifoTopic", "true"))).topicArn();
        assertThat(arn).isEqualTo("arn:aws:sns:us-east-1:000000000000:" + name);
        assertThat(sns.createTopic(r -> r.name(name).attributes(Map.of("FifoTopic", "true"))).topicArn())
                .as("idempotent by name").isEqualTo(arn);
        assertThat(sns.getTopicAttributes(r -> r.topicArn(arn)).attributes())
                .containsEntry("FifoTopic", "true").containsEntry("ContentBasedDeduplication", "false");

        assertThatThrownBy(() -> sns.createTopic(r -> r.name("no-attr-" + UUID.randomUUID() + ".fifo")))
                .isInstanceOf(InvalidParameterException.class).hasMessageContaining("Invalid parameter: Topic Name");
        assertThatThrownBy(() -> sns.createTopic(r -> r.name("false-" + UUID.randomUUID() + ".fifo")
                .attributes(Map.of("FifoTopic", "false"))))
                .isInstanceOf(InvalidParameterException.class).hasMessageContaining("Invalid parameter: Topic Name");
        assertThatThrownBy(() -> sns.createTopic(r -> r.name("no-suffix-" + UUID.randomUUID())
                .attributes(Map.of("FifoTopic", "true"))))
                .isInstanceOf(InvalidParameterException.class)
                .hasMessageContaining("Invalid parameter: Attributes Reason: FifoTopic");
        assertThatThrownBy(() -> sns.createTopic(r -> r.name("x-" + UUID.randomUUID() + ".fifo")
                .attributes(Map.of("FifoTopic", "yes"))))
                .isInstanceOf(InvalidParameterException.class).hasMessageContaining("FifoTopic");
        assertThatThrownBy(() -> sns.createTopic(r -> r.name(name)
                .attributes(Map.of("FifoTopic", "true", "ContentBasedDeduplication", "true"))))
                .isInstanceOf(InvalidParameterException.class).hasMessageContaining("different attributes");

        // Standard topics are unchanged: no FIFO attributes shown.
        String standard = sns.createTopic(r -> r.name("std-" + UUID.randomUUID())).topicArn();
        assertThat(sns.getTopicAttributes(r -> r.topicArn(standard)).attributes())
                .doesNotContainKeys("FifoTopic", "ContentBasedDeduplication");
    }

    @Test
    void contentBasedDeduplicationIsSettableButFifoTopicIsNot() {
        sns.setTopicAttributes(r -> r.topicArn(topicArn).attributeName("ContentBasedDeduplication")
                .attributeValue("true"));
        assertThat(sns.getTopicAttributes(r -> r.topicArn(topicArn)).attributes())
                .containsEntry("ContentBasedDeduplication", "true").containsEntry("FifoTopic", "true");
        assertThatThrownBy(() -> sns.setTopicAttributes(r -> r.topicArn(topicArn).attributeName("FifoTopic")
                .attributeValue("false"))).isInstanceOf(InvalidParameterException.class);
        assertThatThrownBy(() -> sns.setTopicAttributes(r -> r.topicArn(topicArn)
                .attributeName("ContentBasedDeduplication").attributeValue("maybe")))
                .isInstanceOf(InvalidParameterException.class);
    }

    // ---- Publish ----

    @Test
    void aRepeatedDeduplicationIdIsAcceptedWithTheSameMessageIdButDeliveredOnce() {
        PublishResponse first = publish("welcome u-1", "g-1", "welcome#u-1");
        PublishResponse again = publish("welcome u-1", "g-1", "welcome#u-1");

        assertThat(first.messageId()).isNotBlank();
        assertThat(again.messageId()).isEqualTo(first.messageId());
        assertThat(first.sequenceNumber()).matches(SEQUENCE);
        assertThat(again.sequenceNumber()).isEqualTo(first.sequenceNumber());
        assertThat(receive(queueUrl, 1)).extracting(Message::body).containsExactly("welcome u-1");

        PublishResponse other = publish("welcome u-2", "g-1", "welcome#u-2");
        assertThat(other.messageId()).isNotEqualTo(first.messageId());
        assertThat(new BigInteger(other.sequenceNumber())).isGreaterThan(new BigInteger(first.sequenceNumber()));
        assertThat(receive(queueUrl, 1)).extracting(Message::body).containsExactly("welcome u-2");
        assertNothingMore(queueUrl);
    }

    @Test
    void groupIdAndDeduplicationIdAreRequired() {
        assertThatThrownBy(() -> sns.publish(r -> r.topicArn(topicArn).message("m").messageDeduplicationId("d")))
                .isInstanceOf(InvalidParameterException.class)
                .hasMessageContaining("Invalid parameter: The MessageGroupId parameter is required for FIFO topics");
        assertThatThrownBy(() -> sns.publish(r -> r.topicArn(topicArn).message("m").messageGroupId("g")))
                .isInstanceOf(InvalidParameterException.class)
                .hasMessageContaining("Invalid parameter: The topic should either have ContentBasedDeduplication "
                        + "enabled or MessageDeduplicationId provided explicitly");
        PublishBatchResponse batch = sns.publishBatch(r -> r.topicArn(topicArn).publishBatchRequestEntries(
                PublishBatchRequestEntry.builder().id("nogroup").message("m").messageDeduplicationId("d").build()));
        assertThat(batch.successful()).isEmpty();
        assertThat(batch.failed()).singleElement().satisfies(f -> {
            assertThat(f.code()).isEqualTo("InvalidParameter");
            assertThat(f.message()).contains("MessageGroupId parameter is required");
            assertThat(f.senderFault()).isTrue();
        });
        assertNothingMore(queueUrl);
    }

    @Test
    void contentBasedDeduplicationUsesTheBody() {
        String arn = createFifoTopic(Map.of("ContentBasedDeduplication", "true"));
        String q = newQueue();
        sns.subscribe(r -> r.topicArn(arn).protocol("sqs").endpoint(q).attributes(Map.of("RawMessageDelivery", "true")));

        String id1 = sns.publish(r -> r.topicArn(arn).message("same body").messageGroupId("g")).messageId();
        String id2 = sns.publish(r -> r.topicArn(arn).message("same body").messageGroupId("g")).messageId();
        String id3 = sns.publish(r -> r.topicArn(arn).message("other body").messageGroupId("g")).messageId();
        // An explicit id wins over the body hash.
        String id4 = sns.publish(r -> r.topicArn(arn).message("same body").messageGroupId("g")
                .messageDeduplicationId("explicit")).messageId();

        assertThat(id2).isEqualTo(id1);
        assertThat(id3).isNotEqualTo(id1);
        assertThat(id4).isNotIn(id1, id3);
        assertThat(receive(q, 3)).extracting(Message::body).containsExactly("same body", "other body", "same body");
        assertNothingMore(q);
    }

    @Test
    void publishBatchDeduplicatesAgainstEarlierPublishes() {
        String earlier = publish("first", "g", "d-1").messageId();
        assertThat(receive(queueUrl, 1)).extracting(Message::body).containsExactly("first");

        PublishBatchResponse resp = sns.publishBatch(r -> r.topicArn(topicArn).publishBatchRequestEntries(
                PublishBatchRequestEntry.builder().id("dup").message("first again").messageGroupId("g")
                        .messageDeduplicationId("d-1").build(),
                PublishBatchRequestEntry.builder().id("new").message("second").messageGroupId("g")
                        .messageDeduplicationId("d-2").build(),
                PublishBatchRequestEntry.builder().id("dupInBatch").message("second again").messageGroupId("g")
                        .messageDeduplicationId("d-2").build()));

        assertThat(resp.failed()).isEmpty();
        assertThat(resp.successful()).extracting(s -> s.id()).containsExactly("dup", "new", "dupInBatch");
        assertThat(resp.successful()).allSatisfy(s -> assertThat(s.sequenceNumber()).matches(SEQUENCE));
        assertThat(resp.successful().get(0).messageId()).isEqualTo(earlier);
        assertThat(resp.successful().get(2).messageId()).isEqualTo(resp.successful().get(1).messageId());
        assertThat(receive(queueUrl, 1)).extracting(Message::body).containsExactly("second");
        assertNothingMore(queueUrl);
    }

    @Test
    void theDeduplicationWindowIsFiveMinutes() {
        String id1 = publish("m", "g", "d").messageId();
        receive(queueUrl, 1);

        CLOCK.advance(Duration.ofMinutes(5).minusSeconds(1));
        assertThat(publish("m", "g", "d").messageId()).isEqualTo(id1);
        assertNothingMore(queueUrl);

        CLOCK.advance(Duration.ofSeconds(1));
        String id2 = publish("m", "g", "d").messageId();
        assertThat(id2).isNotEqualTo(id1);
        assertThat(receive(queueUrl, 1)).extracting(Message::body).containsExactly("m");
    }

    @Test
    void forgettingDeduplicationLetsTheSameIdDeliverAgainAsARecreatedTopicWould() {
        String id1 = publish("reset", "g", "same").messageId();
        receive(queueUrl, 1);
        server.forgetDeduplication();
        assertThat(publish("reset", "g", "same").messageId()).isNotEqualTo(id1);
        assertThat(receive(queueUrl, 1)).extracting(Message::body).containsExactly("reset");
    }

    @Test
    void aPublishFailedByInjectionDoesNotRecordItsDeduplicationId() {
        server.faults().failNext(1, SnsFault.UNAVAILABLE);
        assertThatThrownBy(() -> snsNoRetry.publish(r -> r.topicArn(topicArn).message("retried")
                .messageGroupId("g").messageDeduplicationId("crash-1")))
                .isInstanceOfSatisfying(SnsException.class, e -> assertThat(e.statusCode()).isEqualTo(503));
        assertNothingMore(queueUrl);

        publish("retried", "g", "crash-1");
        assertThat(receive(queueUrl, 1)).extracting(Message::body).containsExactly("retried");
    }

    @Test
    void fifoQueueSubscribersGetTheGroupAndDeduplicationIds() throws Exception {
        String fifoQueue = sqs.createQueue(r -> r.queueName("q-" + UUID.randomUUID() + ".fifo")
                .attributes(Map.of(QueueAttributeName.FIFO_QUEUE, "true"))).queueUrl();
        sns.subscribe(r -> r.topicArn(topicArn).protocol("sqs").endpoint(queueArn(fifoQueue)));
        PublishResponse p = publish("to fifo", "group-7", "dedup-7");

        List<Message> got = sqs.receiveMessage(r -> r.queueUrl(fifoQueue).maxNumberOfMessages(10).waitTimeSeconds(1)
                .messageSystemAttributeNames(MessageSystemAttributeName.MESSAGE_GROUP_ID,
                        MessageSystemAttributeName.MESSAGE_DEDUPLICATION_ID)).messages();
        assertThat(got).hasSize(1);
        assertThat(got.get(0).attributes()).containsEntry(MessageSystemAttributeName.MESSAGE_GROUP_ID, "group-7")
                .containsEntry(MessageSystemAttributeName.MESSAGE_DEDUPLICATION_ID, "dedup-7");
        JsonNode env = JSON.readTree(got.get(0).body());
        assertThat(env.get("MessageId").asText()).isEqualTo(p.messageId());
        assertThat(env.get("SequenceNumber").asText()).isEqualTo(p.sequenceNumber());
        assertThat(env.get("Message").asText()).isEqualTo("to fifo");
        assertThat(receive(queueUrl, 1)).extracting(Message::body).containsExactly("to fifo");
    }

    @Test
    void standardTopicsStillRefuseFifoParametersAndFifoQueues() {
        String standard = sns.createTopic(r -> r.name("std-" + UUID.randomUUID())).topicArn();
        assertThatThrownBy(() -> sns.publish(r -> r.topicArn(standard).message("m").messageGroupId("g")))
                .isInstanceOf(InvalidParameterException.class).hasMessageContaining("MessageGroupId");
        assertThatThrownBy(() -> sns.publish(r -> r.topicArn(standard).message("m").messageDeduplicationId("d")))
                .isInstanceOf(InvalidParameterException.class).hasMessageContaining("MessageGroupId");
        assertThat(sns.publish(r -> r.topicArn(standard).message("m")).sequenceNumber()).isNull();
        assertThatThrownBy(() -> sns.subscribe(r -> r.topicArn(standard).protocol("sqs")
                .endpoint("arn:aws:sqs:us-east-1:000000000000:q.fifo")))
                .isInstanceOf(InvalidParameterException.class).hasMessageContaining("FIFO SQS Queues");
    }

    @Test
    void awsJsonProtocolReturnsTheSequenceNumber() throws Exception {
        java.net.http.HttpResponse<String> resp = RAW.send(java.net.http.HttpRequest.newBuilder(server.endpoint())
                .header("Content-Type", "application/x-amz-json-1.0")
                .header("X-Amz-Target", "AmazonSimpleNotificationService.Publish")
                .POST(java.net.http.HttpRequest.BodyPublishers.ofString("{\"TopicArn\":\"" + topicArn
                        + "\",\"Message\":\"json\",\"MessageGroupId\":\"g\",\"MessageDeduplicationId\":\"j\"}"))
                .build(), java.net.http.HttpResponse.BodyHandlers.ofString());
        assertThat(resp.statusCode()).isEqualTo(200);
        JsonNode body = JSON.readTree(resp.body());
        assertThat(body.get("MessageId").asText()).isNotBlank();
        assertThat(body.get("SequenceNumber").asText()).matches(SEQUENCE);
        assertThat(receive(queueUrl, 1)).extracting(Message::body).containsExactly("json");
    }

    // ---- concurrent publishers ----

    @Test
    void concurrentPublishersKeepTheSequenceOrderWithinEachMessageGroup() throws Exception {
        String fifoQueue = sqs.createQueue(r -> r.queueName("q-" + UUID.randomUUID() + ".fifo")
                .attributes(Map.of(QueueAttributeName.FIFO_QUEUE, "true"))).queueUrl();
        sns.subscribe(r -> r.topicArn(topicArn).protocol("sqs").endpoint(queueArn(fifoQueue))
                .attributes(Map.of("RawMessageDelivery", "true")));
        int publishers = 6;
        int batchesEach = 5;
        int groups = 3;
        Map<String, BigInteger> sequenceByBody = new java.util.concurrent.ConcurrentHashMap<>();
        Map<String, String> groupByBody = new java.util.concurrent.ConcurrentHashMap<>();
        java.util.concurrent.CyclicBarrier start = new java.util.concurrent.CyclicBarrier(publishers);
        java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(publishers);
        try {
            List<java.util.concurrent.Future<?>> done = new java.util.ArrayList<>();
            for (int p = 0; p < publishers; p++) {
                int publisher = p;
                done.add(pool.submit(() -> {
                    start.await();
                    for (int b = 0; b < batchesEach; b++) {
                        List<PublishBatchRequestEntry> entries = new java.util.ArrayList<>();
                        for (int e = 0; e < 4; e++) {
                            String body = "p" + publisher + "-b" + b + "-e" + e;
                            String group = "g-" + ((publisher + e) % groups);
                            groupByBody.put(body, group);
                            entries.add(PublishBatchRequestEntry.builder().id("e" + e).message(body)
                                    .messageGroupId(group).messageDeduplicationId(body).build());
                        }
                        PublishBatchResponse resp = sns.publishBatch(r -> r.topicArn(topicArn)
                                .publishBatchRequestEntries(entries));
                        assertThat(resp.failed()).isEmpty();
                        resp.successful().forEach(ok -> sequenceByBody.put(
                                entries.get(Integer.parseInt(ok.id().substring(1))).message(),
                                new BigInteger(ok.sequenceNumber())));
                    }
                    return null;
                }));
            }
            for (java.util.concurrent.Future<?> f : done) {
                f.get(60, java.util.concurrent.TimeUnit.SECONDS);
            }
        } finally {
            pool.shutdownNow();
        }
        int total = publishers * batchesEach * 4;
        assertThat(sequenceByBody).hasSize(total);
        assertThat(new java.util.HashSet<>(sequenceByBody.values())).as("sequence numbers are unique").hasSize(total);

        Map<String, List<String>> receivedByGroup = new java.util.TreeMap<>();
        for (Message m : receive(fifoQueue, total)) {
            receivedByGroup.computeIfAbsent(groupByBody.get(m.body()), g -> new java.util.ArrayList<>()).add(m.body());
        }
        assertThat(receivedByGroup).hasSize(groups);
        receivedByGroup.forEach((group, bodies) -> assertThat(bodies)
                .as("group %s in the order of its sequence numbers", group)
                .isSortedAccordingTo(java.util.Comparator.comparing(sequenceByBody::get)));
        assertThat(receive(queueUrl, total)).as("the standard queue gets every message too").hasSize(total);
    }

    @Test
    void aConcurrentDuplicateAnswersOnlyOnceTheFirstMessageIsDelivered() throws Exception {
        java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(4);
        try {
            for (int round = 0; round < 5; round++) {
                String dedup = "same-" + round;
                java.util.concurrent.CyclicBarrier start = new java.util.concurrent.CyclicBarrier(4);
                List<java.util.concurrent.Future<String>> ids = new java.util.ArrayList<>();
                for (int i = 0; i < 4; i++) {
                    ids.add(pool.submit(() -> {
                        start.await();
                        String id = publish("dup " + dedup, "g", dedup).messageId();
                        // Publish answers after delivery, for the duplicates too: the message is there now.
                        assertThat(sqs.getQueueAttributes(r -> r.queueUrl(queueUrl)
                                .attributeNames(QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES,
                                        QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES_NOT_VISIBLE)).attributes()
                                .values().stream().mapToInt(Integer::parseInt).sum()).isEqualTo(1);
                        return id;
                    }));
                }
                java.util.Set<String> distinct = new java.util.HashSet<>();
                for (java.util.concurrent.Future<String> f : ids) {
                    distinct.add(f.get(30, java.util.concurrent.TimeUnit.SECONDS));
                }
                assertThat(distinct).as("one message id for all four publishes").hasSize(1);
                assertThat(receive(queueUrl, 1)).extracting(Message::body).containsExactly("dup " + dedup);
                assertNothingMore(queueUrl);
            }
        } finally {
            pool.shutdownNow();
        }
    }

    // ---- helpers ----

    private static String createFifoTopic(Map<String, String> extra) {
        Map<String, String> attrs = new java.util.HashMap<>(extra);
        attrs.put("FifoTopic", "true");
        return sns.createTopic(r -> r.name("t-" + UUID.randomUUID() + ".fifo").attributes(attrs)).topicArn();
    }

    private PublishResponse publish(String message, String group, String dedup) {
        return sns.publish(r -> r.topicArn(topicArn).message(message).messageGroupId(group)
                .messageDeduplicationId(dedup));
    }

    private static void assertNothingMore(String url) {
        assertThat(sqs.receiveMessage(r -> r.queueUrl(url).maxNumberOfMessages(10).waitTimeSeconds(0)).messages())
                .isEmpty();
    }
}
