package io.userstreams.template;

import static org.assertj.core.api.Assertions.assertThat;

import io.userstreams.core.config.CoreSettings;
import io.userstreams.localstack.LocalResources;
import io.userstreams.localstack.LocalStack;
import io.userstreams.localstack.LocalStackOptions;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.dynamodb.model.KeySchemaElement;
import software.amazon.awssdk.services.dynamodb.model.KeyType;
import software.amazon.awssdk.services.dynamodb.model.StreamViewType;
import software.amazon.awssdk.services.dynamodb.model.TableDescription;
import software.amazon.awssdk.services.dynamodb.model.TimeToLiveStatus;
import software.amazon.awssdk.services.sqs.model.QueueAttributeName;

/**
 * The local stack still creates its resources from this template (the deployable parts added to
 * it must not break that), and what it creates matches the template's contract.
 */
class LocalStackFromTemplateTest {

    @Test
    void theLocalStackCreatesTheTemplatesResources() throws Exception {
        Path template = Path.of(System.getProperty("userstreams.template", "../template.yaml"));
        LocalStackOptions options = LocalStackOptions.forTestsBuilder()
                .openSearch(false)
                .template(template.toUri().toURL())
                .build();
        try (LocalStack stack = LocalStack.start(options)) {
            LocalResources r = stack.resources();
            assertKey(stack, r.usersTable(), "userId");
            assertKey(stack, r.usersByEmailTable(), "email");
            assertKey(stack, r.userStatsTable(), "statKey");
            assertKey(stack, r.idempotencyTable(), "idempotencyKey");
            TableDescription users = stack.dynamoDb().describeTable(b -> b.tableName(r.usersTable())).table();
            assertThat(users.streamSpecification().streamViewType()).isEqualTo(StreamViewType.NEW_AND_OLD_IMAGES);
            for (String table : new String[] {r.usersTable(), r.idempotencyTable()}) {
                var ttl = stack.dynamoDb().describeTimeToLive(b -> b.tableName(table)).timeToLiveDescription();
                assertThat(ttl.attributeName()).as(table).isEqualTo("expiresAt");
                assertThat(ttl.timeToLiveStatus()).as(table).isIn(TimeToLiveStatus.ENABLED, TimeToLiveStatus.ENABLING);
            }
            // ElasticMQ does not report MessageRetentionPeriod: the queue's existence is what is checked.
            Map<QueueAttributeName, String> dlq = stack.sqs().getQueueAttributes(b -> b.queueUrl(r.deadLetterQueueUrl())
                    .attributeNames(QueueAttributeName.QUEUE_ARN)).attributes();
            assertThat(dlq.get(QueueAttributeName.QUEUE_ARN)).endsWith(":user-streams-dlq");
            assertThat(stack.sns().getTopicAttributes(b -> b.topicArn(r.welcomeTopicArn())).attributes())
                    .containsEntry("DisplayName", "Welcome");
            // The local defaults of the code are the template's local names.
            CoreSettings local = CoreSettings.fromEnvironment(Map.of());
            assertThat(r.usersTable()).isEqualTo(local.usersTable());
            assertThat(r.usersByEmailTable()).isEqualTo(local.usersByEmailTable());
            assertThat(r.userStatsTable()).isEqualTo(local.userStatsTable());
            assertThat(r.idempotencyTable()).isEqualTo(local.idempotencyTable());
            assertThat(r.openSearchIndex()).isEqualTo(local.openSearchIndex());
        }
    }

    private static void assertKey(LocalStack stack, String table, String hashKey) {
        TableDescription d = stack.dynamoDb().describeTable(b -> b.tableName(table)).table();
        assertThat(d.keySchema()).as(table)
                .containsExactly(KeySchemaElement.builder().attributeName(hashKey).keyType(KeyType.HASH).build());
    }
}
