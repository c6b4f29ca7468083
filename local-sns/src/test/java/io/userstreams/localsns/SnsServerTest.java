package io.userstreams.localsns;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.IntStream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.services.sns.SnsClient;
import software.amazon.awssdk.services.sns.model.BatchEntryIdsNotDistinctException;
import software.amazon.awssdk.services.sns.model.BatchRequestTooLongException;
import software.amazon.awssdk.services.sns.model.EmptyBatchRequestException;
import software.amazon.awssdk.services.sns.model.InternalErrorException;
import software.amazon.awssdk.services.sns.model.InvalidParameterException;
import software.amazon.awssdk.services.sns.model.InvalidParameterValueException;
import software.amazon.awssdk.services.sns.model.NotFoundException;
import software.amazon.awssdk.services.sns.model.PublishBatchRequestEntry;
import software.amazon.awssdk.services.sns.model.PublishBatchResponse;
import software.amazon.awssdk.services.sns.model.PublishResponse;
import software.amazon.awssdk.services.sns.model.SnsException;
import software.amazon.awssdk.services.sns.model.ThrottledException;
import software.amazon.awssdk.services.sns.model.TooManyEntriesInBatchRequestException;
import software.amazon.awssdk.services.sqs.model.Message;
import software.amazon.awssdk.services.sqs.model.QueueAttributeName;

/** Drives {@link SnsServer} with the real SDK v2 SnsClient, delivering into a real ElasticMQ. */
class SnsServerTest extends SnsWithElasticMq {

    private String topicArn;

    @BeforeEach
    void freshTopic() {
        server.faults().clear();
        topicArn = sns.createTopic(r -> r.name("t-" + UUID.randomUUID())).topicArn();
    }

    // ---- topics ----

    @Test
    void createTopicIsIdempotentByNameAndListed() {
        String arn = sns.createTopic(r -> r.name("user-streams-welcome")).topicArn();
        String again = sns.createTopic(r -> r.name("user-streams-welcome")).topicArn();

        assertThat(arn).isEqualTo("arn:aws:sns:us-east-1:000000000000:user-streams-welcome").isEqualTo(again);
        assertThat(sns.listTopicsPaginator(r -> { }).topics()).extracting(t -> t.topicArn()).contains(arn, topicArn);
        Map<String, String> attrs = sns.getTopicAttributes(r -> r.topicArn(arn)).attributes();
        assertThat(attrs).containsEntry("TopicArn", arn).containsEntry("Owner", "000000000000")
                .containsEntry("SubscriptionsConfirmed", "0");
    }

    @Test
    void createTopicRejectsInvalidNameAndConflictingAttributes() {
        assertThatThrownBy(() -> sns.createTopic(r -> r.name("bad name!")))
                .isInstanceOf(InvalidParameterException.class).hasMessageContaining("Topic Name");
        String name = "t-" + UUID.randomUUID();
        sns.createTopic(r -> r.name(name).attributes(Map.of("DisplayName", "one")));
        assertThatThrownBy(() -> sns.createTopic(r -> r.name(name).attributes(Map.of("DisplayName", "two"))))
                .isInstanceOf(InvalidParameterException.class).hasMessageContaining("different attributes");
    }

    // ---- delivery ----

    @Test
    void publishDeliversStandardEnvelopeToSubscribedQueue() throws Exception {
        String queueUrl = newQueue();
        String subArn = sns.subscribe(r -> r.topicArn(topicArn).protocol("sqs").endpoint(queueArn(queueUrl)))
                .subscriptionArn();
        assertThat(subArn).startsWith(topicArn + ":");

        PublishResponse published = sns.publish(r -> r.topicArn(topicArn).message("{\"userId\":\"u-1\"}")
                .subject("Welcome")
                .messageAttributes(Map.of(
                        "eventType", attr("String", "USER_CREATED"),
                        "version", attr("Number", "3"),
                        "blob", software.amazon.awssdk.services.sns.model.MessageAttributeValue.builder()
                                .dataType("Binary").binaryValue(SdkBytes.fromUtf8String("hi")).build())));

        Message m = receiveOne(queueUrl);
        assertThat(m.messageAttributes()).as("non-raw delivery puts attributes in the envelope only").isEmpty();
        JsonNode env = JSON.readTree(m.body());
        List<String> fields = new ArrayList<>();
        env.fieldNames().forEachRemaining(fields::add);
        assertThat(fields).containsExactly("Type", "MessageId", "TopicArn", "Subject", "Message", "Timestamp",
                "SignatureVersion", "Signature", "SigningCertURL", "UnsubscribeURL", "MessageAttributes");
        assertThat(env.get("Type").asText()).isEqualTo("Notification");
        assertThat(env.get("MessageId").asText()).isEqualTo(published.messageId());
        assertThat(env.get("TopicArn").asText()).isEqualTo(topicArn);
        assertThat(env.get("Subject").asText()).isEqualTo("Welcome");
        assertThat(env.get("Message").asText()).isEqualTo("{\"userId\":\"u-1\"}");
        assertThat(env.get("Timestamp").asText()).matches("\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}\\.\\d{3}Z");
        assertThat(env.get("SignatureVersion").asText()).isEqualTo("1");
        assertThat(env.get("Signature").asText()).isNotBlank();
        assertThat(env.get("UnsubscribeURL").asText()).contains("Action=Unsubscribe").contains("SubscriptionArn=");
        JsonNode attrs = env.get("MessageAttributes");
        assertThat(attrs.get("eventType").get("Type").asText()).isEqualTo("String");
        assertThat(attrs.get("eventType").get("Value").asText()).isEqualTo("USER_CREATED");
        assertThat(attrs.get("version").get("Type").asText()).isEqualTo("Number");
        assertThat(attrs.get("version").get("Value").asText()).isEqualTo("3");
        assertThat(attrs.get("blob").get("Type").asText()).isEqualTo("Binary");
        assertThat(attrs.get("blob").get("Value").asText()).isEqualTo("aGk="); // base64("hi")
    }

    @Test
    void envelopeOmitsSubjectAndAttributesWhenAbsent() throws Exception {
        String queueUrl = newQueue();
        sns.subscribe(r -> r.topicArn(topicArn).protocol("sqs").endpoint(queueArn(queueUrl)));
        sns.publish(r -> r.topicArn(topicArn).message("plain"));

        JsonNode env = JSON.readTree(receiveOne(queueUrl).body());
        assertThat(env.has("Subject")).isFalse();
        assertThat(env.has("MessageAttributes")).isFalse();
        assertThat(env.get("Message").asText()).isEqualTo("plain");
    }

    @Test
    void rawDeliveryToQueueUrlSendsBodyAndMapsAttributes() {
        String queueUrl = newQueue();
        String subArn = sns.subscribe(r -> r.topicArn(topicArn).protocol("sqs").endpoint(queueUrl)
                .attributes(Map.of("RawMessageDelivery", "true"))).subscriptionArn();
        assertThat(sns.getSubscriptionAttributes(r -> r.subscriptionArn(subArn)).attributes())
                .containsEntry("RawMessageDelivery", "true").containsEntry("Protocol", "sqs")
                .containsEntry("Endpoint", queueUrl).containsEntry("TopicArn", topicArn);

        sns.publish(r -> r.topicArn(topicArn).message("héllo raw 👋").subject("ignored for raw")
                .messageAttributes(Map.of(
                        "eventType", attr("String", "USER_CREATED"),
                        "count", attr("Number", "42"),
                        "blob", software.amazon.awssdk.services.sns.model.MessageAttributeValue.builder()
                                .dataType("Binary").binaryValue(SdkBytes.fromByteArray(new byte[] {1, 2, 3})).build())));

        Message m = receiveOne(queueUrl);
        assertThat(m.body()).isEqualTo("héllo raw 👋");
        assertThat(m.messageAttributes()).containsOnlyKeys("eventType", "count", "blob");
        assertThat(m.messageAttributes().get("eventType").dataType()).isEqualTo("String");
        assertThat(m.messageAttributes().get("eventType").stringValue()).isEqualTo("USER_CREATED");
        assertThat(m.messageAttributes().get("count").dataType()).isEqualTo("Number");
        assertThat(m.messageAttributes().get("count").stringValue()).isEqualTo("42");
        assertThat(m.messageAttributes().get("blob").binaryValue().asByteArray()).containsExactly(1, 2, 3);
    }

    @Test
    void publishBatchDeliversAllEntriesAndReportsPerEntryFailures() {
        String queueUrl = newQueue();
        sns.subscribe(r -> r.topicArn(topicArn).protocol("sqs").endpoint(queueArn(queueUrl))
                .attributes(Map.of("RawMessageDelivery", "true")));

        List<PublishBatchRequestEntry> entries = IntStream.range(0, 10)
                .mapToObj(i -> PublishBatchRequestEntry.builder().id("e" + i).message("m" + i)
                        .messageAttributes(Map.of("i", attr("Number", Integer.toString(i)))).build())
                .toList();
        PublishBatchResponse resp = sns.publishBatch(r -> r.topicArn(topicArn).publishBatchRequestEntries(entries));

        assertThat(resp.failed()).isEmpty();
        assertThat(resp.successful()).extracting(s -> s.id())
                .containsExactly("e0", "e1", "e2", "e3", "e4", "e5", "e6", "e7", "e8", "e9");
        assertThat(resp.successful()).allSatisfy(s -> assertThat(s.messageId()).isNotBlank());
        List<Message> got = receive(queueUrl, 10);
        assertThat(got).extracting(Message::body)
                .containsExactlyInAnyOrder("m0", "m1", "m2", "m3", "m4", "m5", "m6", "m7", "m8", "m9");

        // One bad entry fails alone; the others are delivered.
        PublishBatchResponse mixed = sns.publishBatch(r -> r.topicArn(topicArn).publishBatchRequestEntries(
                PublishBatchRequestEntry.builder().id("ok").message("fine").build(),
                PublishBatchRequestEntry.builder().id("bad").message("").build()));
        assertThat(mixed.successful()).extracting(s -> s.id()).containsExactly("ok");
        assertThat(mixed.failed()).singleElement().satisfies(f -> {
            assertThat(f.id()).isEqualTo("bad");
            assertThat(f.code()).isEqualTo("InvalidParameter");
            assertThat(f.senderFault()).isTrue();
        });
        assertThat(receive(queueUrl, 1)).extracting(Message::body).containsExactly("fine");
    }

    @Test
    void filterPolicyDeliversOnlyMatchingMessages() {
        String queueUrl = newQueue();
        sns.subscribe(r -> r.topicArn(topicArn).protocol("sqs").endpoint(queueArn(queueUrl))
                .attributes(Map.of("RawMessageDelivery", "true",
                        "FilterPolicy", "{\"plan\":[\"pro\",{\"prefix\":\"ent\"}],\"age\":[{\"numeric\":[\">=\",18]}]}")));

        sns.publish(r -> r.topicArn(topicArn).message("free")
                .messageAttributes(Map.of("plan", attr("String", "free"), "age", attr("Number", "30"))));
        sns.publish(r -> r.topicArn(topicArn).message("pro-minor")
                .messageAttributes(Map.of("plan", attr("String", "pro"), "age", attr("Number", "12"))));
        sns.publish(r -> r.topicArn(topicArn).message("no-attrs"));
        sns.publish(r -> r.topicArn(topicArn).message("pro")
                .messageAttributes(Map.of("plan", attr("String", "pro"), "age", attr("Number", "18"))));
        sns.publish(r -> r.topicArn(topicArn).message("enterprise")
                .messageAttributes(Map.of("plan", attr("String", "enterprise"), "age", attr("Number", "40"))));

        assertThat(receive(queueUrl, 2)).extracting(Message::body).containsExactlyInAnyOrder("pro", "enterprise");
        assertThat(sqs.receiveMessage(r -> r.queueUrl(queueUrl).waitTimeSeconds(0)).messages()).isEmpty();
    }

    @Test
    void httpSubscriptionReceivesEnvelopeWithSnsHeaders() throws Exception {
        List<String> bodies = new java.util.concurrent.CopyOnWriteArrayList<>();
        List<String> types = new java.util.concurrent.CopyOnWriteArrayList<>();
        com.sun.net.httpserver.HttpServer receiver =
                com.sun.net.httpserver.HttpServer.create(new java.net.InetSocketAddress("127.0.0.1", 0), 0);
        receiver.createContext("/hook", ex -> {
            bodies.add(new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8));
            types.add(ex.getRequestHeaders().getFirst("x-amz-sns-message-type"));
            ex.sendResponseHeaders(200, -1);
            ex.close();
        });
        receiver.start();
        try {
            String url = "http://127.0.0.1:" + receiver.getAddress().getPort() + "/hook";
            sns.subscribe(r -> r.topicArn(topicArn).protocol("http").endpoint(url));
            String id = sns.publish(r -> r.topicArn(topicArn).message("to http")).messageId();

            assertThat(types).containsExactly("Notification");
            JsonNode env = JSON.readTree(bodies.get(0));
            assertThat(env.get("MessageId").asText()).isEqualTo(id);
            assertThat(env.get("Message").asText()).isEqualTo("to http");
        } finally {
            receiver.stop(0);
        }
    }

    @Test
    void unsubscribeStopsDeliveryAndDeleteTopicMakesItUnknown() {
        String queueUrl = newQueue();
        String subArn = sns.subscribe(r -> r.topicArn(topicArn).protocol("sqs").endpoint(queueArn(queueUrl)))
                .subscriptionArn();
        assertThat(sns.listSubscriptionsByTopic(r -> r.topicArn(topicArn)).subscriptions())
                .extracting(s -> s.subscriptionArn()).containsExactly(subArn);
        // Same endpoint again: the same subscription, as in SNS.
        assertThat(sns.subscribe(r -> r.topicArn(topicArn).protocol("sqs").endpoint(queueArn(queueUrl)))
                .subscriptionArn()).isEqualTo(subArn);

        sns.unsubscribe(r -> r.subscriptionArn(subArn));
        sns.publish(r -> r.topicArn(topicArn).message("nobody listens"));
        assertThat(sqs.receiveMessage(r -> r.queueUrl(queueUrl).waitTimeSeconds(0)).messages()).isEmpty();
        assertThat(sns.listSubscriptionsByTopic(r -> r.topicArn(topicArn)).subscriptions()).isEmpty();

        sns.deleteTopic(r -> r.topicArn(topicArn));
        assertThatThrownBy(() -> sns.publish(r -> r.topicArn(topicArn).message("x")))
                .isInstanceOf(NotFoundException.class);
    }

    @Test
    void aMissingQueueDoesNotFailThePublishButCountsAFailedDelivery() {
        String missing = "arn:aws:sqs:elasticmq:000000000000:no-such-queue-" + UUID.randomUUID();
        sns.subscribe(r -> r.topicArn(topicArn).protocol("sqs").endpoint(missing));
        long failedBefore = server.failedDeliveryCount();

        assertThat(sns.publish(r -> r.topicArn(topicArn).message("x")).messageId()).isNotBlank();
        assertThat(server.failedDeliveryCount() - failedBefore).isEqualTo(1);
    }

    @Test
    void sequentialPublishesAreDeliveredQuickly() {
        String queueUrl = newQueue();
        sns.subscribe(r -> r.topicArn(topicArn).protocol("sqs").endpoint(queueArn(queueUrl)));
        int n = 200;
        long t0 = System.nanoTime();
        for (int i = 0; i < n; i++) {
            int k = i;
            sns.publish(r -> r.topicArn(topicArn).message("m" + k)
                    .messageAttributes(Map.of("k", attr("Number", Integer.toString(k)))));
        }
        double seconds = (System.nanoTime() - t0) / 1e9;
        System.out.printf("%d publishes with SQS delivery in %.2f s (%.0f/s)%n", n, seconds, n / seconds);
        String count = sqs.getQueueAttributes(r -> r.queueUrl(queueUrl)
                .attributeNames(QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES)).attributes()
                .get(QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES);
        assertThat(count).isEqualTo(Integer.toString(n));
    }

    // ---- validation, with the service's error codes ----

    @Test
    void unknownTopicIsNotFound() {
        String unknown = "arn:aws:sns:us-east-1:000000000000:no-such-topic";
        assertThatThrownBy(() -> sns.publish(r -> r.topicArn(unknown).message("x")))
                .isInstanceOfSatisfying(NotFoundException.class, e -> {
                    assertThat(e.statusCode()).isEqualTo(404);
                    assertThat(e.awsErrorDetails().errorCode()).isEqualTo("NotFound");
                    assertThat(e.awsErrorDetails().errorMessage()).isEqualTo("Topic does not exist");
                    assertThat(e.requestId()).isNotBlank();
                });
        assertThatThrownBy(() -> sns.getTopicAttributes(r -> r.topicArn(unknown)))
                .isInstanceOf(NotFoundException.class);
        assertThatThrownBy(() -> sns.subscribe(r -> r.topicArn(unknown).protocol("sqs")
                .endpoint("arn:aws:sqs:us-east-1:000000000000:q"))).isInstanceOf(NotFoundException.class);
        assertThatThrownBy(() -> sns.publishBatch(r -> r.topicArn(unknown).publishBatchRequestEntries(
                PublishBatchRequestEntry.builder().id("a").message("x").build())))
                .isInstanceOf(NotFoundException.class);
        assertThatThrownBy(() -> sns.publish(r -> r.topicArn("not-an-arn").message("x")))
                .isInstanceOf(InvalidParameterException.class).hasMessageContaining("TopicArn");
    }

    @Test
    void messageLimitIs256KibIncludingAttributes() {
        String queueUrl = newQueue();
        sns.subscribe(r -> r.topicArn(topicArn).protocol("sqs").endpoint(queueArn(queueUrl))
                .attributes(Map.of("RawMessageDelivery", "true")));
        String envelopeQueueUrl = newQueue();
        sns.subscribe(r -> r.topicArn(topicArn).protocol("sqs").endpoint(queueArn(envelopeQueueUrl)));
        String max = "x".repeat(262_144);
        sns.publish(r -> r.topicArn(topicArn).message(max));
        assertThat(receiveOne(queueUrl).body()).hasSize(262_144);
        // The envelope around a maximal message is larger than 256 KiB and still reaches the queue.
        assertThat(receiveOne(envelopeQueueUrl).body()).contains(max);

        assertThatThrownBy(() -> sns.publish(r -> r.topicArn(topicArn).message(max + "x")))
                .isInstanceOfSatisfying(InvalidParameterException.class, e -> {
                    assertThat(e.statusCode()).isEqualTo(400);
                    assertThat(e.awsErrorDetails().errorCode()).isEqualTo("InvalidParameter");
                    assertThat(e.awsErrorDetails().errorMessage()).isEqualTo("Invalid parameter: Message too long");
                });
        // 262,144 - 10 body bytes + "k"(1) + "String"(6) + "vvvv"(4) = 1 byte over.
        assertThatThrownBy(() -> sns.publish(r -> r.topicArn(topicArn).message("x".repeat(262_144 - 10))
                .messageAttributes(Map.of("k", attr("String", "vvvv")))))
                .isInstanceOf(InvalidParameterException.class).hasMessageContaining("Message too long");
        // Multi-byte characters count in UTF-8 bytes: 131,073 x "é" = 262,146 bytes.
        assertThatThrownBy(() -> sns.publish(r -> r.topicArn(topicArn).message("é".repeat(131_073))))
                .isInstanceOf(InvalidParameterException.class).hasMessageContaining("Message too long");
        assertThat(sqs.receiveMessage(r -> r.queueUrl(queueUrl).waitTimeSeconds(0)).messages()).isEmpty();
    }

    @Test
    void invalidMessagesAreRejected() {
        assertThatThrownBy(() -> sns.publish(r -> r.topicArn(topicArn)))
                .isInstanceOf(InvalidParameterException.class).hasMessageContaining("Empty message");
        assertThatThrownBy(() -> sns.publish(r -> r.topicArn(topicArn).message("")))
                .isInstanceOf(InvalidParameterException.class);
        assertThatThrownBy(() -> sns.publish(r -> r.message("x")))
                .isInstanceOf(InvalidParameterException.class).hasMessageContaining("TopicArn");
        assertThatThrownBy(() -> sns.publish(r -> r.topicArn(topicArn).message("x").subject("line\nbreak")))
                .isInstanceOf(InvalidParameterException.class).hasMessageContaining("Subject");
        assertThatThrownBy(() -> sns.publish(r -> r.topicArn(topicArn).message("x").subject("s".repeat(100))))
                .isInstanceOf(InvalidParameterException.class).hasMessageContaining("Subject");
        assertThatThrownBy(() -> sns.publish(r -> r.topicArn(topicArn).message("x")
                .messageAttributes(Map.of("n", attr("Number", "abc")))))
                .isInstanceOfSatisfying(InvalidParameterValueException.class,
                        e -> assertThat(e.awsErrorDetails().errorCode()).isEqualTo("ParameterValueInvalid"));
        assertThatThrownBy(() -> sns.publish(r -> r.topicArn(topicArn).message("x")
                .messageAttributes(Map.of("AWS.reserved", attr("String", "v")))))
                .isInstanceOf(InvalidParameterValueException.class);
        assertThatThrownBy(() -> sns.publish(r -> r.topicArn(topicArn).message("{\"sqs\":\"x\"}")
                .messageStructure("json")))
                .isInstanceOf(InvalidParameterException.class).hasMessageContaining("No default entry");
        assertThatThrownBy(() -> sns.subscribe(r -> r.topicArn(topicArn).protocol("sqs").endpoint("queue")))
                .isInstanceOf(InvalidParameterException.class).hasMessageContaining("SQS endpoint ARN");
        assertThatThrownBy(() -> sns.subscribe(r -> r.topicArn(topicArn).protocol("sqs")
                .endpoint("arn:aws:sqs:us-east-1:000000000000:q").attributes(Map.of("RawMessageDelivery", "yes"))))
                .isInstanceOf(InvalidParameterException.class).hasMessageContaining("RawMessageDelivery");
    }

    @Test
    void batchLimitsGiveTheServiceErrorCodes() {
        List<PublishBatchRequestEntry> eleven = IntStream.range(0, 11)
                .mapToObj(i -> PublishBatchRequestEntry.builder().id("e" + i).message("m").build()).toList();
        assertThatThrownBy(() -> sns.publishBatch(r -> r.topicArn(topicArn).publishBatchRequestEntries(eleven)))
                .isInstanceOfSatisfying(TooManyEntriesInBatchRequestException.class, e -> {
                    assertThat(e.statusCode()).isEqualTo(400);
                    assertThat(e.awsErrorDetails().errorCode()).isEqualTo("TooManyEntriesInBatchRequest");
                });
        assertThatThrownBy(() -> sns.publishBatch(r -> r.topicArn(topicArn).publishBatchRequestEntries(
                PublishBatchRequestEntry.builder().id("same").message("a").build(),
                PublishBatchRequestEntry.builder().id("same").message("b").build())))
                .isInstanceOfSatisfying(BatchEntryIdsNotDistinctException.class,
                        e -> assertThat(e.awsErrorDetails().errorCode()).isEqualTo("BatchEntryIdsNotDistinct"));
        assertThatThrownBy(() -> sns.publishBatch(r -> r.topicArn(topicArn).publishBatchRequestEntries(List.of())))
                .isInstanceOf(EmptyBatchRequestException.class);
        String half = "x".repeat(131_073);
        assertThatThrownBy(() -> sns.publishBatch(r -> r.topicArn(topicArn).publishBatchRequestEntries(
                PublishBatchRequestEntry.builder().id("a").message(half).build(),
                PublishBatchRequestEntry.builder().id("b").message(half).build())))
                .isInstanceOf(BatchRequestTooLongException.class);
    }

    // ---- fault injection ----

    @Test
    void injectedFaultsSurfaceThroughTheSdkAndDeliverNothing() {
        String queueUrl = newQueue();
        sns.subscribe(r -> r.topicArn(topicArn).protocol("sqs").endpoint(queueArn(queueUrl)));

        server.faults().failNext(1, SnsFault.INTERNAL_ERROR);
        assertThatThrownBy(() -> snsNoRetry.publish(r -> r.topicArn(topicArn).message("x")))
                .isInstanceOfSatisfying(InternalErrorException.class, e -> assertThat(e.statusCode()).isEqualTo(500));

        server.faults().failNext(1, SnsFault.THROTTLING);
        assertThatThrownBy(() -> snsNoRetry.publish(r -> r.topicArn(topicArn).message("x")))
                .isInstanceOfSatisfying(SnsException.class, e -> {
                    assertThat(e.statusCode()).isEqualTo(400);
                    assertThat(e.awsErrorDetails().errorCode()).isEqualTo("Throttling");
                    assertThat(e.isThrottlingException()).isTrue();
                });

        server.faults().failNext(1, SnsFault.THROTTLED);
        assertThatThrownBy(() -> snsNoRetry.publish(r -> r.topicArn(topicArn).message("x")))
                .isInstanceOfSatisfying(ThrottledException.class, e -> {
                    assertThat(e.statusCode()).isEqualTo(429);
                    assertThat(e.isThrottlingException()).isTrue();
                });

        server.faults().failAll(SnsFault.UNAVAILABLE);
        for (int i = 0; i < 2; i++) {
            assertThatThrownBy(() -> snsNoRetry.publishBatch(r -> r.topicArn(topicArn).publishBatchRequestEntries(
                    PublishBatchRequestEntry.builder().id("a").message("x").build())))
                    .isInstanceOfSatisfying(SnsException.class, e -> {
                        assertThat(e.statusCode()).isEqualTo(503);
                        assertThat(e.awsErrorDetails().errorCode()).isEqualTo("ServiceUnavailable");
                    });
        }
        // Faults only hit publishing: other calls still work.
        assertThat(sns.getTopicAttributes(r -> r.topicArn(topicArn)).attributes()).containsKey("TopicArn");
        server.faults().clear();
        assertThat(sqs.receiveMessage(r -> r.queueUrl(queueUrl).waitTimeSeconds(0)).messages()).isEmpty();

        // With the SDK's default retries (3 attempts) two transient faults are absorbed: one delivery.
        long before = server.faults().injectedCount();
        server.faults().failNext(2, SnsFault.UNAVAILABLE);
        String id = sns.publish(r -> r.topicArn(topicArn).message("after retries")).messageId();
        assertThat(server.faults().injectedCount() - before).isEqualTo(2);
        assertThat(server.faults().pending()).isZero();
        assertThat(receive(queueUrl, 1)).singleElement()
                .satisfies(m -> assertThat(m.body()).contains("\"MessageId\":\"" + id + "\""));
    }

    // ---- wire formats ----

    @Test
    void queryErrorsUseTheServiceXmlShape() throws Exception {
        java.net.http.HttpResponse<String> resp = post("Action=Publish&Message=x&TopicArn="
                + java.net.URLEncoder.encode("arn:aws:sns:us-east-1:000000000000:nope", StandardCharsets.UTF_8),
                "application/x-www-form-urlencoded; charset=utf-8", null);
        assertThat(resp.statusCode()).isEqualTo(404);
        assertThat(resp.body()).startsWith("<ErrorResponse xmlns=\"http://sns.amazonaws.com/doc/2010-03-31/\">"
                + "<Error><Type>Sender</Type><Code>NotFound</Code><Message>Topic does not exist</Message></Error>"
                + "<RequestId>");
        assertThat(post("Action=Frobnicate", "application/x-www-form-urlencoded", null).body())
                .contains("<Code>InvalidAction</Code>");
    }

    @Test
    void awsJsonProtocolIsAcceptedToo() throws Exception {
        String queueUrl = newQueue();
        sns.subscribe(r -> r.topicArn(topicArn).protocol("sqs").endpoint(queueArn(queueUrl))
                .attributes(Map.of("RawMessageDelivery", "true")));

        java.net.http.HttpResponse<String> created = post("{\"Name\":\"json-topic\"}", "application/x-amz-json-1.0",
                "AmazonSimpleNotificationService.CreateTopic");
        assertThat(created.statusCode()).isEqualTo(200);
        assertThat(JSON.readTree(created.body()).get("TopicArn").asText())
                .isEqualTo("arn:aws:sns:us-east-1:000000000000:json-topic");

        java.net.http.HttpResponse<String> published = post("{\"TopicArn\":\"" + topicArn + "\",\"Message\":\"via json\","
                + "\"MessageAttributes\":{\"k\":{\"DataType\":\"String\",\"StringValue\":\"v\"}}}",
                "application/x-amz-json-1.0", "AmazonSimpleNotificationService.Publish");
        assertThat(published.statusCode()).isEqualTo(200);
        assertThat(JSON.readTree(published.body()).get("MessageId").asText()).isNotBlank();
        Message m = receiveOne(queueUrl);
        assertThat(m.body()).isEqualTo("via json");
        assertThat(m.messageAttributes().get("k").stringValue()).isEqualTo("v");

        java.net.http.HttpResponse<String> dup = post("{\"TopicArn\":\"" + topicArn + "\",\"PublishBatchRequestEntries\":["
                + "{\"Id\":\"a\",\"Message\":\"1\"},{\"Id\":\"a\",\"Message\":\"2\"}]}",
                "application/x-amz-json-1.0", "AmazonSimpleNotificationService.PublishBatch");
        assertThat(dup.statusCode()).isEqualTo(400);
        assertThat(dup.headers().firstValue("x-amzn-query-error")).hasValue("BatchEntryIdsNotDistinct;Sender");
        assertThat(JSON.readTree(dup.body()).get("__type").asText()).endsWith("#BatchEntryIdsNotDistinct");
    }

    private static java.net.http.HttpResponse<String> post(String body, String contentType, String target)
            throws Exception {
        java.net.http.HttpRequest.Builder req = java.net.http.HttpRequest.newBuilder(server.endpoint())
                .header("Content-Type", contentType)
                .POST(java.net.http.HttpRequest.BodyPublishers.ofString(body));
        if (target != null) {
            req.header("X-Amz-Target", target);
        }
        return RAW.send(req.build(), java.net.http.HttpResponse.BodyHandlers.ofString());
    }

    // ---- helpers ----

    private static software.amazon.awssdk.services.sns.model.MessageAttributeValue attr(String type, String value) {
        return software.amazon.awssdk.services.sns.model.MessageAttributeValue.builder()
                .dataType(type).stringValue(value).build();
    }

    private static Message receiveOne(String queueUrl) {
        List<Message> got = receive(queueUrl, 1);
        assertThat(got).hasSize(1);
        return got.get(0);
    }
}
