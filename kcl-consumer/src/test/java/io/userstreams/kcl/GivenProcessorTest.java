package io.userstreams.kcl;

import static org.assertj.core.api.Assertions.assertThat;

import io.userstreams.core.processing.BatchOutcome;
import io.userstreams.localstack.LocalStack;
import io.userstreams.localstack.LocalStackOptions;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * A consumer built with its own processor ({@code Builder.processor}: tests, the benchmark's no-op
 * ceiling) has no core: it must start and deliver records to that processor.
 */
class GivenProcessorTest {

    @Test
    void aGivenProcessorReceivesTheRecords() throws Exception {
        try (LocalStack stack = LocalStack.start(LocalStackOptions.forTestsBuilder().openSearch(false).build())) {
            Map<String, String> env = new HashMap<>(stack.environment());
            env.put(ConsumerSettings.HEALTH_PORT, "-1");
            env.put(ConsumerSettings.APPLICATION_NAME, "given-processor");
            AtomicInteger received = new AtomicInteger();
            ConsumerApplication app = ConsumerApplication.builder(ConsumerSettings.fromEnvironment(env))
                    .processor(records -> {
                        received.addAndGet(records.size());
                        return BatchOutcome.allDone(records.size(), 0);
                    }).build();
            try {
                app.start();
                assertThat(app.awaitStarted(Duration.ofSeconds(60))).isTrue();
                TestUsers.insert(stack.dynamoDb(), stack.resources().usersTable(), "given-1", 1);
                TestUsers.await("the record reached the given processor", 60_000, () -> received.get() >= 1);
                assertThat(received.get()).isEqualTo(1);
            } finally {
                app.shutdown(Duration.ofSeconds(20));
            }
        }
    }
}
