package io.userstreams.kcl;

import static org.assertj.core.api.Assertions.assertThat;

import io.userstreams.core.config.ReactionId;
import io.userstreams.localstack.LocalResources;
import io.userstreams.localstack.LocalStack;
import io.userstreams.localstack.LocalStackOptions;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/**
 * The whole path against the real local stack: users written with the SDK while the consumer runs
 * in this JVM → one welcome email per new user, exact derived tables, an index equal to the table.
 */
class ConsumerIntegrationTest {

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
    void reactionsAreExactWhileUsersAreWritten() throws Exception {
        LocalResources res = stack.resources();
        String queue = stack.subscribeQueue(res.welcomeTopicArn(), "welcome-it", true);
        Map<String, String> env = new HashMap<>(stack.environment());
        env.put(ConsumerSettings.HEALTH_PORT, "0");
        env.put(ConsumerSettings.APPLICATION_NAME, "it-consumer");
        ConsumerApplication app = ConsumerApplication.builder(ConsumerSettings.fromEnvironment(env)).build().start();
        try {
            assertThat(app.awaitStarted(Duration.ofSeconds(60))).isTrue();
            var ddb = stack.dynamoDb();
            String users = res.usersTable();
            int n = 150;
            for (int i = 0; i < n; i++) {
                TestUsers.insert(ddb, users, "it-" + i, i);
            }
            int updated = 0;
            for (int i = 0; i < n; i += 3) {
                TestUsers.update(ddb, users, "it-" + i, i, 2);
                updated++;
            }
            int deleted = 0;
            for (int i = 1; i < n; i += 10) {
                TestUsers.delete(ddb, users, "it-" + i);
                deleted++;
            }
            int records = n + updated + deleted;
            TestUsers.await("all " + records + " records processed", 120_000,
                    () -> app.metrics().completed() >= records);

            List<Map<String, AttributeValue>> live = TestUsers.scan(ddb, users);
            assertThat(live).hasSize(n - deleted);

            // Welcome emails: exactly one per created user, none for updates or deletes.
            Map<String, Integer> welcomes = new ConcurrentHashMap<>();
            TestUsers.await("a welcome per user", 30_000, () -> {
                TestUsers.drainWelcomes(stack.sqs(), queue, welcomes);
                return welcomes.size() >= n;
            });
            Thread.sleep(2000);     // any duplicate would arrive within this
            TestUsers.drainWelcomes(stack.sqs(), queue, welcomes);
            assertThat(welcomes).hasSize(n);
            assertThat(welcomes.values()).allMatch(c -> c == 1);

            // Derived tables: exactly what the live users and the deletions imply.
            assertThat(TestUsers.emailIndex(ddb, res.usersByEmailTable())).isEqualTo(
                    live.stream().collect(java.util.stream.Collectors.toMap(u -> u.get("email").s(),
                            u -> u.get("userId").s())));
            assertThat(TestUsers.stats(ddb, res.userStatsTable())).isEqualTo(TestUsers.expectedStats(live, deleted));

            // Search index: the same users, at the same versions.
            assertThat(TestUsers.indexVersions(stack.openSearch(), res.openSearchIndex()))
                    .isEqualTo(TestUsers.tableVersions(live));

            // Operations endpoint.
            HttpClient http = HttpClient.newHttpClient();
            var health = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + app.opsPort() + "/health"))
                    .build(), HttpResponse.BodyHandlers.ofString());
            assertThat(health.statusCode()).isEqualTo(200);
            String metrics = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + app.opsPort()
                    + "/metrics")).build(), HttpResponse.BodyHandlers.ofString()).body();
            assertThat(metrics).contains("user_streams_leases_held 1")
                    .contains("user_streams_records_processed_total{reaction=\"welcome-email\"}")
                    .containsPattern("user_streams_shard_lag_seconds\\{shard=\"shardId-[^\"]+\"} ");
            // per-reaction latency measured around each reaction call, and the version regression count
            Map<String, Double> samples = ConsumerMetricsTest.samples(metrics);
            for (ReactionId reaction : ReactionId.values()) {
                String labels = "{reaction=\"" + reaction.id() + "\"}";
                assertThat(samples.get("user_streams_reaction_duration_seconds_count" + labels)).as(reaction.id())
                        .isGreaterThanOrEqualTo(1.0);
                assertThat(samples.get("user_streams_reaction_duration_seconds_sum" + labels)).as(reaction.id())
                        .isGreaterThan(0.0).isLessThan(120.0 * samples.get("user_streams_reaction_duration_seconds_count" + labels));
            }
            assertThat(samples).containsEntry("user_streams_version_regressions_total", 0.0);
            assertThat(samples.get("user_streams_batch_records_sum")).isGreaterThanOrEqualTo(records);
            assertThat(app.metrics().processed(ReactionId.SEARCH_INDEX)).isGreaterThanOrEqualTo(records);
            assertThat(app.metrics().deadLettered(ReactionId.WELCOME_EMAIL)).isZero();
        } finally {
            app.shutdown(Duration.ofSeconds(30));
        }
        // After a graceful stop /health no longer answers 200.
        assertThat(app.isHealthy()).isFalse();
    }
}
