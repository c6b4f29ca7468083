package io.userstreams.localstack;

import static org.assertj.core.api.Assertions.assertThat;

import jakarta.mail.internet.MimeMessage;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.sqs.model.Message;
import software.amazon.awssdk.services.sqs.model.MessageSystemAttributeName;

/** The mail path's local wiring: the template's FIFO subscription, the mail tables, SES relaying into SMTP. */
class LocalMailStackTest {

    static LocalStack stack;

    @BeforeAll
    static void start() {
        stack = LocalStack.start(LocalStackOptions.forTestsBuilder().openSearch(false).build());
    }

    @AfterAll
    static void stop() {
        if (stack != null) {
            stack.close();
        }
    }

    @Test
    void theWelcomeTopicDeliversIntoTheFifoWelcomeQueueAsTheTemplateSubscribesIt() {
        LocalResources res = stack.resources();
        String queue = res.welcomeQueueUrl().orElseThrow();
        assertThat(queue).endsWith("user-streams-welcome-mail.fifo");

        stack.sns().publish(r -> r.topicArn(res.welcomeTopicArn()).message("hello").messageGroupId("g-1")
                .messageDeduplicationId("d-1").messageAttributes(Map.of("userId",
                        software.amazon.awssdk.services.sns.model.MessageAttributeValue.builder().dataType("String")
                                .stringValue("u-1").build())));

        List<Message> got = stack.sqs().receiveMessage(r -> r.queueUrl(queue).waitTimeSeconds(2)
                .messageSystemAttributeNames(MessageSystemAttributeName.ALL).messageAttributeNames("All")).messages();
        assertThat(got).singleElement().satisfies(m -> {
            assertThat(m.body()).as("RawMessageDelivery as in template.yaml").isEqualTo("hello");
            assertThat(m.messageAttributes().get("userId").stringValue()).isEqualTo("u-1");
            assertThat(m.attributesAsStrings()).containsEntry("MessageGroupId", "g-1")
                    .containsEntry("MessageDeduplicationId", "d-1");
        });
        stack.sqs().deleteMessage(r -> r.queueUrl(queue).receiptHandle(got.get(0).receiptHandle()));
    }

    @Test
    void theEnvironmentNamesTheMailResourcesAndSesRelaysIntoTheMailServer() throws Exception {
        Map<String, String> env = stack.environment();
        assertThat(env).containsEntry("MAIL_SENDS_TABLE", "user_streams_mail_sends")
                .containsEntry("MAIL_SUPPRESSION_TABLE", "user_streams_mail_suppression")
                .containsEntry("MAIL_CONFIGURATION_SET", "user-streams-mail")
                .containsEntry("MAIL_FROM_ADDRESS", LocalResources.LOCAL_FROM_ADDRESS)
                .containsEntry("AWS_ENDPOINT_URL_SESV2", stack.sesEndpoint().toString());
        assertThat(stack.dynamoDb().describeTable(r -> r.tableName("user_streams_mail_sends")).table().keySchema())
                .singleElement().satisfies(k -> assertThat(k.attributeName()).isEqualTo("welcomeKey"));

        String body = "{\"FromEmailAddress\":\"" + LocalResources.LOCAL_FROM_ADDRESS.replace("\"", "\\\"") + "\","
                + "\"Destination\":{\"ToAddresses\":[\"mina@example.org\"]},\"ConfigurationSetName\":\"user-streams-mail\","
                + "\"Content\":{\"Simple\":{\"Subject\":{\"Data\":\"미나님 환영합니다\",\"Charset\":\"UTF-8\"},"
                + "\"Body\":{\"Text\":{\"Data\":\"안녕하세요\",\"Charset\":\"UTF-8\"}}}}}";
        java.net.HttpURLConnection c = (java.net.HttpURLConnection) stack.sesEndpoint().resolve("/v2/email/outbound-emails")
                .toURL().openConnection();
        c.setRequestMethod("POST");
        c.setDoOutput(true);
        c.setRequestProperty("Content-Type", "application/json");
        c.getOutputStream().write(body.getBytes(java.nio.charset.StandardCharsets.UTF_8));
        assertThat(c.getResponseCode()).isEqualTo(200);

        List<MimeMessage> mails = stack.mailServer().receivedMessages();
        assertThat(mails).singleElement().satisfies(m -> assertThat(m.getSubject()).isEqualTo("미나님 환영합니다"));
        stack.mailServer().purge();
    }
}
