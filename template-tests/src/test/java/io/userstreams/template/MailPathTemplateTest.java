package io.userstreams.template;

import static org.assertj.core.api.Assertions.assertThat;

import io.userstreams.mail.MailSettings;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The welcome mail path: FIFO end to end, the sender's environment, event source and grants. */
class MailPathTemplateTest {

    final Template template = Fixtures.template();

    Map<String, Object> props(String id) {
        return Template.properties(template.resource(id));
    }

    /** The logical id a !Ref / !GetAtt points at. */
    static String target(Object value) {
        String fn = Template.intrinsic(value);
        Object arg = Template.intrinsicArgument(value);
        if ("Ref".equals(fn)) {
            return String.valueOf(arg);
        }
        if ("Fn::GetAtt".equals(fn)) {
            return arg instanceof List<?> l ? String.valueOf(l.get(0)) : String.valueOf(arg).split("\\.")[0];
        }
        return null;
    }

    boolean fifo(String queueId) {
        return Boolean.TRUE.equals(props(queueId).get("FifoQueue")) || "true".equals(String.valueOf(props(queueId).get("FifoQueue")));
    }

    @Test
    void theWelcomePathIsFifoIncludingEveryDeadLetterQueue() {
        Map<String, Object> subscription = props("WelcomeQueueSubscription");
        String queue = target(subscription.get("Endpoint"));
        assertThat(queue).isEqualTo("WelcomeQueue");
        assertThat(fifo(queue)).as("a FIFO topic keeps its order and deduplication only into a FIFO queue").isTrue();
        String subscriptionDlq = target(Template.map(subscription.get("RedrivePolicy")).get("deadLetterTargetArn"));
        assertThat(fifo(subscriptionDlq)).as("a FIFO topic subscription's dead-letter queue must be FIFO").isTrue();
        String queueDlq = target(Template.map(props(queue).get("RedrivePolicy")).get("deadLetterTargetArn"));
        assertThat(fifo(queueDlq)).as("a FIFO queue's dead-letter queue must be FIFO").isTrue();
    }

    @Test
    void theSenderReadsTheQueueWithBatchItemFailuresAndOutlivesNoVisibilityTimeout() {
        Map<String, Object> events = Template.map(props("MailSenderFunction").get("Events"));
        assertThat(events).hasSize(1);
        Map<String, Object> sqs = Template.map(Template.map(events.values().iterator().next()).get("Properties"));
        assertThat(target(sqs.get("Queue"))).isEqualTo("WelcomeQueue");
        assertThat(Template.list(sqs.get("FunctionResponseTypes"))).containsExactly("ReportBatchItemFailures");
        int timeout = Integer.parseInt(String.valueOf(Template.map(template.section("Globals").get("Function")).get("Timeout")));
        int visibility = Integer.parseInt(String.valueOf(props("WelcomeQueue").get("VisibilityTimeout")));
        assertThat(visibility).as("Lambda wants the queue's visibility timeout >= 6 x the function timeout")
                .isGreaterThanOrEqualTo(6 * timeout);
    }

    @Test
    void theSendersEnvironmentIsWhatMailSettingsReadsAndNamesTheRightResources() {
        Map<String, Object> env = Template.map(Template.map(props("MailSenderFunction").get("Environment")).get("Variables"));
        Set<String> read = Set.of(MailSettings.USERS_TABLE, MailSettings.MAIL_SENDS_TABLE, MailSettings.MAIL_SUPPRESSION_TABLE,
                MailSettings.MAIL_FROM_ADDRESS, MailSettings.MAIL_CONFIGURATION_SET, MailSettings.MAIL_CLAIM_LEASE_SECONDS,
                MailSettings.MAIL_RETENTION_DAYS);
        assertThat(read).containsAll(env.keySet());
        assertThat(target(env.get(MailSettings.USERS_TABLE))).isEqualTo("UsersTable");
        assertThat(target(env.get(MailSettings.MAIL_SENDS_TABLE))).isEqualTo("MailSendsTable");
        assertThat(target(env.get(MailSettings.MAIL_SUPPRESSION_TABLE))).isEqualTo("MailSuppressionTable");
        assertThat(target(env.get(MailSettings.MAIL_CONFIGURATION_SET))).isEqualTo("MailConfigurationSet");
        assertThat(env).containsKey(MailSettings.MAIL_FROM_ADDRESS);
        Map<String, Object> eventsEnv = Template.map(Template.map(props("MailEventsFunction").get("Environment")).get("Variables"));
        assertThat(target(eventsEnv.get(MailSettings.MAIL_SUPPRESSION_TABLE))).isEqualTo("MailSuppressionTable");
    }

    /** Every action each role grants, with the resource ids it names. */
    List<String> grants(String roleId) {
        List<String> out = new ArrayList<>();
        for (Object policy : Template.list(props(roleId).get("Policies"))) {
            for (Object st : Template.list(Template.map(Template.map(policy).get("PolicyDocument")).get("Statement"))) {
                Map<String, Object> s = Template.map(st);
                List<Object> actions = s.get("Action") instanceof List<?> l ? new ArrayList<>(l) : List.of(s.get("Action"));
                List<Object> resources = s.get("Resource") instanceof List<?> l ? new ArrayList<>(l) : List.of(s.get("Resource"));
                for (Object a : actions) {
                    for (Object r : resources) {
                        String id = target(r);
                        out.add(a + " " + (id != null ? id : String.valueOf(r)));
                    }
                }
            }
        }
        return out;
    }

    @Test
    void theSenderMayDoWhatItDoesAndNothingMore() {
        List<String> g = grants("MailSenderFunctionRole");
        assertThat(g).contains("sqs:ReceiveMessage WelcomeQueue", "sqs:DeleteMessage WelcomeQueue",
                "dynamodb:GetItem UsersTable", "dynamodb:PutItem MailSendsTable", "dynamodb:UpdateItem MailSendsTable",
                "dynamodb:DeleteItem MailSendsTable", "dynamodb:GetItem MailSuppressionTable", "kms:Decrypt MessagingKey");
        assertThat(g).anyMatch(s -> s.startsWith("ses:SendEmail ") && s.contains("identity/"));
        assertThat(g).noneMatch(s -> s.contains("*") && !s.startsWith("ses:"));
        assertThat(g).noneMatch(s -> s.startsWith("dynamodb:PutItem UsersTable") || s.startsWith("dynamodb:PutItem MailSuppressionTable"));
        assertThat(grants("MailEventsFunctionRole")).contains("dynamodb:PutItem MailSuppressionTable")
                .noneMatch(s -> s.startsWith("ses:") || s.startsWith("sqs:"));
    }

    @Test
    void sesHasADkimIdentityAConfigurationSetAndABounceComplaintDestination() {
        assertThat(Template.map(props("MailIdentity").get("DkimAttributes"))).containsEntry("SigningEnabled", true);
        assertThat(target(Template.map(props("MailIdentity").get("ConfigurationSetAttributes")).get("ConfigurationSetName")))
                .isEqualTo("MailConfigurationSet");
        Map<String, Object> destination = Template.map(props("MailEventDestination").get("EventDestination"));
        assertThat(Template.list(destination.get("MatchingEventTypes"))).contains("BOUNCE", "COMPLAINT");
        assertThat(target(Template.map(destination.get("SnsDestination")).get("TopicARN"))).isEqualTo("MailEventsTopic");
        assertThat(target(Template.map(Template.map(Template.map(props("MailEventsFunction").get("Events")).get("MailEvents"))
                .get("Properties")).get("Topic"))).isEqualTo("MailEventsTopic");
    }
}
