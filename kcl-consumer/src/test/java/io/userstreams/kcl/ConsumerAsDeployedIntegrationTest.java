package io.userstreams.kcl;

import static org.assertj.core.api.Assertions.assertThat;

import io.userstreams.core.config.CoreSettings;
import io.userstreams.localstack.LocalResources;
import io.userstreams.localstack.LocalStack;
import io.userstreams.localstack.LocalStackOptions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.sqs.model.Message;

/**
 * The consumer with the reactions template.yaml gives it on EC2 (derived-tables and search-index,
 * the stream named by STREAM_ARN) against the local stack, from a first start without the search
 * index to a record it must dead-letter:
 * the AWS calls of that configuration are what template-tests checks the consumer's role against.
 */
class ConsumerAsDeployedIntegrationTest {

    static LocalStack stack;

    @BeforeAll
    static void startStack() {
        stack = LocalStack.start(LocalStackOptions.forTests());
    }

    @AfterAll
    static void stopStack() {
        if (stack != null) {
            stack.close();
        }
    }

    @Test
    void validChangesAreAppliedAndAnInvalidOneIsDeadLettered() throws Exception {
        LocalResources res = stack.resources();
        // A first deployment: no index yet; the consumer creates it.
        stack.openSearch().indices().delete(d -> d.index(res.openSearchIndex()));
        Map<String, String> env = new HashMap<>(stack.environment());
        env.put(ConsumerSettings.HEALTH_PORT, "0");
        env.put(ConsumerSettings.APPLICATION_NAME, "as-deployed");
        env.put(CoreSettings.REACTIONS, "derived-tables,search-index");
        env.put(ConsumerSettings.STREAM_ARN, res.usersStreamArn());
        ConsumerApplication app = ConsumerApplication.builder(ConsumerSettings.fromEnvironment(env)).build().start();
        try {
            assertThat(app.awaitStarted(Duration.ofSeconds(60))).isTrue();
            var ddb = stack.dynamoDb();
            for (int i = 0; i < 5; i++) {
                TestUsers.insert(ddb, res.usersTable(), "deployed-" + i, i);
            }
            TestUsers.update(ddb, res.usersTable(), "deployed-0", 0, 2);
            TestUsers.delete(ddb, res.usersTable(), "deployed-1");
            // Not a user (no e-mail, no name): rejected before any reaction, dead-lettered.
            ddb.putItem(b -> b.tableName(res.usersTable()).item(Map.of("userId", AttributeValue.fromS("deployed-bad"),
                    "version", AttributeValue.fromN("1"))));
            TestUsers.await("all 8 records processed", 120_000, () -> app.metrics().completed() >= 8);

            List<Message> deadLetters = new ArrayList<>();
            TestUsers.await("the invalid record dead-lettered", 30_000, () -> {
                deadLetters.addAll(stack.sqs().receiveMessage(b -> b.queueUrl(res.deadLetterQueueUrl())
                        .maxNumberOfMessages(10).messageAttributeNames("All")).messages());
                return !deadLetters.isEmpty();
            });
            assertThat(deadLetters).anyMatch(m -> m.body().contains("deployed-bad"));
            assertThat(stack.openSearch().indices().exists(e -> e.index(res.openSearchIndex())).value()).isTrue();
            assertThat(TestUsers.emailIndex(ddb, res.usersByEmailTable())).containsOnlyKeys(
                    "deployed-0@example.com", "deployed-2@example.com", "deployed-3@example.com", "deployed-4@example.com");
        } finally {
            app.shutdown(Duration.ofSeconds(30));
        }
    }
}
