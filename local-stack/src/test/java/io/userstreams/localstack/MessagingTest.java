package io.userstreams.localstack;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import software.amazon.awssdk.services.sns.SnsClient;
import software.amazon.awssdk.services.sns.model.MessageAttributeValue;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.Message;
import software.amazon.awssdk.services.sqs.model.MessageSystemAttributeName;

@ExtendWith(LocalStackExtension.class)
class MessagingTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void sqsRoundTrip(SqsClient sqs, LocalResources resources) {
        // A queue of its own: other tests may write to the dead-letter queue meanwhile.
        String url = sqs.createQueue(r -> r.queueName("round-trip-" + UUID.randomUUID())).queueUrl();
        assertThat(url).startsWith(resources.deadLetterQueueUrl().substring(0, resources.deadLetterQueueUrl().lastIndexOf('/')));
        String body = "{\"reason\":\"round trip " + UUID.randomUUID() + "\"}";
        sqs.sendMessage(r -> r.queueUrl(url).messageBody(body).messageAttributes(Map.of("reaction",
                software.amazon.awssdk.services.sqs.model.MessageAttributeValue.builder()
                        .dataType("String").stringValue("welcome").build())));
        List<Message> got = receive(sqs, url, 1);
        assertThat(got).hasSize(1);
        assertThat(got.get(0).body()).isEqualTo(body);
        assertThat(got.get(0).messageAttributes().get("reaction").stringValue()).isEqualTo("welcome");
        assertThat(got.get(0).attributesAsStrings()).containsEntry("ApproximateReceiveCount", "1");
        sqs.deleteMessage(r -> r.queueUrl(url).receiptHandle(got.get(0).receiptHandle()));
        assertThat(sqs.receiveMessage(r -> r.queueUrl(url).waitTimeSeconds(0)).messages()).isEmpty();
    }

    @Test
    void snsPublishReachesSubscribedQueuesRawAndEnveloped(LocalStack stack, SnsClient sns, SqsClient sqs,
            LocalResources resources) throws Exception {
        String topic = resources.welcomeTopicArn();
        String suffix = UUID.randomUUID().toString().substring(0, 8);
        String rawQueue = stack.subscribeQueue(topic, "welcome-raw-" + suffix, true);
        String envelopeQueue = stack.subscribeQueue(topic, "welcome-envelope-" + suffix, false);

        String message = "{\"userId\":\"u-" + suffix + "\"}";
        // The welcome topic is FIFO (template.yaml): a group and a deduplication id are required.
        String messageId = sns.publish(r -> r.topicArn(topic).subject("Welcome").message(message)
                .messageGroupId("g-" + suffix).messageDeduplicationId("d-" + suffix)
                .messageAttributes(Map.of("locale", MessageAttributeValue.builder()
                        .dataType("String").stringValue("ko").build()))).messageId();

        List<Message> raw = receive(sqs, rawQueue, 1);
        assertThat(raw).hasSize(1);
        assertThat(raw.get(0).body()).isEqualTo(message);
        assertThat(raw.get(0).messageAttributes().get("locale").stringValue()).isEqualTo("ko");

        List<Message> enveloped = receive(sqs, envelopeQueue, 1);
        assertThat(enveloped).hasSize(1);
        JsonNode envelope = JSON.readTree(enveloped.get(0).body());
        assertThat(envelope.path("Type").asText()).isEqualTo("Notification");
        assertThat(envelope.path("MessageId").asText()).isEqualTo(messageId);
        assertThat(envelope.path("TopicArn").asText()).isEqualTo(topic);
        assertThat(envelope.path("Subject").asText()).isEqualTo("Welcome");
        assertThat(envelope.path("Message").asText()).isEqualTo(message);
        assertThat(envelope.path("MessageAttributes").path("locale").path("Value").asText()).isEqualTo("ko");
    }

    private static List<Message> receive(SqsClient sqs, String url, int expected) {
        List<Message> out = new ArrayList<>();
        long deadline = System.currentTimeMillis() + 10_000;
        while (out.size() < expected && System.currentTimeMillis() < deadline) {
            out.addAll(sqs.receiveMessage(r -> r.queueUrl(url).waitTimeSeconds(1).maxNumberOfMessages(10)
                    .messageAttributeNames("All")
                    .messageSystemAttributeNames(MessageSystemAttributeName.APPROXIMATE_RECEIVE_COUNT)).messages());
        }
        return out;
    }
}
