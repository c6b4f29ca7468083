package io.userstreams.localstack;

import static org.assertj.core.api.Assertions.assertThat;

import io.userstreams.localdefaults.LocalDefaults;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The names every module takes from {@link LocalDefaults} are template.yaml's local names: the
 * local stack creates what the template says, the other modules find it by these constants.
 */
class LocalDefaultsMatchTemplateTest {

    private final CloudFormationTemplate template = ResourceCreator.loadTemplate(null);

    @Test
    void everyLocalNameIsTheTemplates() {
        Map<String, String> byLogicalId = Map.of(
                LocalResources.USERS_TABLE_ID, LocalDefaults.USERS_TABLE,
                LocalResources.USERS_BY_EMAIL_TABLE_ID, LocalDefaults.USERS_BY_EMAIL_TABLE,
                LocalResources.USER_STATS_TABLE_ID, LocalDefaults.USER_STATS_TABLE,
                LocalResources.IDEMPOTENCY_TABLE_ID, LocalDefaults.IDEMPOTENCY_TABLE,
                LocalResources.MAIL_SENDS_TABLE_ID, LocalDefaults.MAIL_SENDS_TABLE,
                LocalResources.MAIL_SUPPRESSION_TABLE_ID, LocalDefaults.MAIL_SUPPRESSION_TABLE,
                LocalResources.WELCOME_TOPIC_ID, LocalDefaults.WELCOME_TOPIC,
                LocalResources.DEAD_LETTER_QUEUE_ID, LocalDefaults.DEAD_LETTER_QUEUE,
                LocalResources.WELCOME_QUEUE_ID, LocalDefaults.WELCOME_QUEUE,
                "MailConfigurationSet", LocalDefaults.MAIL_CONFIGURATION_SET);
        byLogicalId.forEach((logicalId, name) -> assertThat(template.resource(logicalId))
                .as(logicalId).hasValueSatisfying(r -> assertThat(r.localName()).as(logicalId).isEqualTo(name)));
    }

    @Test
    void theIndexNameAndPortsAreTheLocalStacks() {
        assertThat(new ResourceCreator(template).indexSpec().orElseThrow().name()).isEqualTo(LocalDefaults.OPENSEARCH_INDEX);
        assertThat(LocalStackOptions.Server.DYNAMODB.standardPort()).isEqualTo(LocalDefaults.DYNAMODB_PORT);
        assertThat(LocalStackOptions.Server.OPENSEARCH.standardPort()).isEqualTo(LocalDefaults.OPENSEARCH_PORT);
        assertThat(LocalDefaults.queueUrl(LocalDefaults.endpoint(LocalDefaults.SQS_PORT), LocalDefaults.DEAD_LETTER_QUEUE))
                .isEqualTo("http://127.0.0.1:9324/000000000000/user-streams-dlq");
    }
}
