package io.userstreams.kcl;

import static org.assertj.core.api.Assertions.assertThat;

import io.userstreams.core.change.ChangeRecord;
import io.userstreams.core.processing.BatchOutcome;
import io.userstreams.localstack.LocalStack;
import io.userstreams.localstack.LocalStackOptions;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

class WiringSpikeTest {

    @Test
    void recordsFlowThroughKclAndTheAdapterFromDynamoDbLocal() throws Exception {
        try (LocalStack stack = LocalStack.start(LocalStackOptions.forTestsBuilder().openSearch(false).build())) {
            List<ChangeRecord> seen = new CopyOnWriteArrayList<>();
            Map<String, String> env = new HashMap<>(stack.environment());
            env.put(ConsumerSettings.HEALTH_PORT, "0");
            env.put(ConsumerSettings.APPLICATION_NAME, "spike");
            long t0 = System.nanoTime();
            ConsumerApplication app = ConsumerApplication.builder(ConsumerSettings.fromEnvironment(env))
                    .processor(records -> {
                        seen.addAll(records);
                        return BatchOutcome.allDone(records.size(), 0);
                    }).build().start();
            try {
                for (int i = 0; i < 20; i++) {
                    stack.dynamoDb().putItem(b -> b.tableName(stack.resources().usersTable()).item(Map.of(
                            "userId", AttributeValue.fromS("u-" + System.nanoTime()),
                            "email", AttributeValue.fromS("a@example.com"))));
                }
                long deadline = System.currentTimeMillis() + 60_000;
                while (seen.size() < 20 && System.currentTimeMillis() < deadline) {
                    Thread.sleep(100);
                }
                System.out.println("first delivery after ms: " + app.metrics().firstDelivery()
                        .map(i -> Duration.between(app.startedAt(), i).toMillis()).orElse(-1L)
                        + " total ms " + (System.nanoTime() - t0) / 1_000_000);
                System.out.println(app.metrics().prometheusText());
                assertThat(seen).hasSize(20);
                assertThat(app.isHealthy()).isTrue();
            } finally {
                app.shutdown(Duration.ofSeconds(20));
            }
        }
    }
}
