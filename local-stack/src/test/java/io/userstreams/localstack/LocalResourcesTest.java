package io.userstreams.localstack;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.sns.SnsClient;
import software.amazon.awssdk.services.sns.model.Topic;
import software.amazon.awssdk.services.sqs.SqsClient;

@ExtendWith(LocalStackExtension.class)
class LocalResourcesTest {

    @Test
    void createsEveryResourceOfTheTemplateUnderItsLocalName(LocalStack stack, LocalResources resources,
            DynamoDbClient dynamoDb, SnsClient sns, SqsClient sqs) {
        assertThat(resources.usersTable()).isEqualTo("users");
        assertThat(resources.usersByEmailTable()).isEqualTo("users_by_email");
        assertThat(resources.userStatsTable()).isEqualTo("user_stats");
        assertThat(resources.idempotencyTable()).isEqualTo("user_streams_idempotency");
        assertThat(dynamoDb.listTables().tableNames())
                .contains("users", "users_by_email", "user_stats", "user_streams_idempotency");
        assertThat(resources.usersStreamArn()).startsWith("arn:aws:dynamodb:us-east-1:000000000000:table/users/stream/");

        assertThat(resources.welcomeTopicArn()).isEqualTo("arn:aws:sns:us-east-1:000000000000:user-streams-welcome.fifo");
        assertThat(sns.listTopics().topics()).extracting(Topic::topicArn).contains(resources.welcomeTopicArn());

        assertThat(resources.deadLetterQueueUrl()).endsWith("/000000000000/user-streams-dlq")
                .startsWith(stack.sqsEndpoint().toString());
        Map<String, String> attributes = sqs.getQueueAttributes(r -> r.queueUrl(resources.deadLetterQueueUrl())
                .attributeNamesWithStrings("All")).attributesAsStrings();
        // (ElasticMQ ignores MessageRetentionPeriod, so the ARN is what can be checked here.)
        assertThat(attributes).containsEntry("QueueArn", "arn:aws:sqs:us-east-1:000000000000:user-streams-dlq");
        assertThat(resources.openSearchIndex()).isEqualTo("users");
    }

    @Test
    void environmentCarriesNamesArnsAndEndpoints(LocalStack stack, LocalResources resources) {
        Map<String, String> env = stack.environment();
        assertThat(env).containsEntry("USERS_TABLE", "users")
                .containsEntry("USERS_BY_EMAIL_TABLE", "users_by_email")
                .containsEntry("USER_STATS_TABLE", "user_stats")
                .containsEntry("IDEMPOTENCY_TABLE", "user_streams_idempotency")
                .containsEntry("WELCOME_TOPIC_ARN", resources.welcomeTopicArn())
                .containsEntry("DEAD_LETTER_QUEUE_URL", resources.deadLetterQueueUrl())
                .containsEntry("OPENSEARCH_INDEX", "users")
                .containsEntry("AWS_REGION", "us-east-1")
                .containsEntry("AWS_ENDPOINT_URL_DYNAMODB", stack.dynamoDbEndpoint().toString())
                .containsEntry("AWS_ENDPOINT_URL_DYNAMODB_STREAMS", stack.dynamoDbEndpoint().toString())
                .containsEntry("AWS_ENDPOINT_URL_SNS", stack.snsEndpoint().toString())
                .containsEntry("AWS_ENDPOINT_URL_SQS", stack.sqsEndpoint().toString());
        if (stack.openSearchEnabled()) {
            assertThat(env).containsEntry("OPENSEARCH_ENDPOINT", stack.openSearchEndpoint().toString());
        }
        for (String endpoint : new String[] {env.get("AWS_ENDPOINT_URL_DYNAMODB"), env.get("AWS_ENDPOINT_URL_SNS"),
                env.get("AWS_ENDPOINT_URL_SQS")}) {
            assertThat(endpoint).startsWith("http://127.0.0.1:");
        }
    }

    @Test
    void creatingTheResourcesAgainChangesNothing(LocalStack stack, LocalResources first, DynamoDbClient dynamoDb) {
        String marker = "again-" + System.nanoTime();
        dynamoDb.putItem(r -> r.tableName(first.userStatsTable())
                .item(Map.of("statKey", AttributeValue.fromS(marker), "count", AttributeValue.fromN("7"))));
        var created = dynamoDb.describeTable(r -> r.tableName(first.usersTable())).table().creationDateTime();

        LocalResources second = LocalResources.create(stack);

        assertThat(second.environment()).isEqualTo(first.environment());
        assertThat(second.usersStreamArn()).isEqualTo(first.usersStreamArn());
        assertThat(dynamoDb.describeTable(r -> r.tableName(first.usersTable())).table().creationDateTime())
                .isEqualTo(created);
        assertThat(dynamoDb.getItem(r -> r.tableName(first.userStatsTable())
                .key(Map.of("statKey", AttributeValue.fromS(marker)))).item())
                .containsEntry("count", AttributeValue.fromN("7"));
    }
}
