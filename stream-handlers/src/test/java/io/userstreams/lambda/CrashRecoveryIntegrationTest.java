package io.userstreams.lambda;

import static org.assertj.core.api.Assertions.assertThat;

import com.amazonaws.services.lambda.runtime.events.StreamsEventResponse;
import com.amazonaws.services.lambda.runtime.tests.EventLoader;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.userstreams.localstack.LocalStack;
import io.userstreams.localstack.LocalStackExtension;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/**
 * The handler process dies after claiming the welcome email's idempotency key and before publishing.
 * A real separate JVM runs the handler; its SNS endpoint is a proxy in this JVM that kills the
 * process ({@code SIGKILL}) the moment a Publish/PublishBatch request arrives, before forwarding it:
 * the claim is written, the email never left. On redelivery after the claim's lease the email is
 * sent, once.
 */
@ExtendWith(LocalStackExtension.class)
class CrashRecoveryIntegrationTest {

    final StackState state;
    HttpServer proxy;
    Process child;

    CrashRecoveryIntegrationTest(LocalStack stack) {
        this.state = new StackState(stack);
    }

    @BeforeEach
    void reset() {
        state.reset();
    }

    @AfterEach
    void stop() {
        if (child != null && child.isAlive()) {
            child.destroyForcibly();
        }
        if (proxy != null) {
            proxy.stop(0);
        }
    }

    @Test
    void aCrashBetweenClaimAndPublishStillSendsTheEmailExactlyOnce() throws Exception {
        String queue = state.subscribeWelcomeQueue();
        URI realSns = state.stack.snsEndpoint();
        AtomicReference<Process> victim = new AtomicReference<>();
        CountDownLatch killed = new CountDownLatch(1);
        startKillingProxy(realSns, victim, killed);

        Map<String, String> env = state.environment();
        env.put("AWS_ENDPOINT_URL_SNS", "http://127.0.0.1:" + proxy.getAddress().getPort());
        env.put("REACTIONS", "welcome-email");
        Path log = Files.createTempFile("handler-process", ".log");
        ProcessBuilder pb = new ProcessBuilder(javaBin(), "-Xmx256m", "-cp", testClassPath(),
                HandlerProcess.class.getName(), "events/inserts.json")
                .redirectErrorStream(true).redirectOutput(log.toFile());
        pb.environment().putAll(env);
        child = pb.start();
        victim.set(child);

        assertThat(killed.await(60, TimeUnit.SECONDS)).as("the handler process reached Publish").isTrue();
        assertThat(child.waitFor(10, TimeUnit.SECONDS)).isTrue();
        assertThat(child.exitValue()).as("killed, not finished").isNotZero();
        assertThat(Files.readString(log)).doesNotContain(HandlerProcess.RESULT_PREFIX);

        // The claims are there, IN_PROGRESS, and no email went out.
        List<Map<String, AttributeValue>> claims = state.effects.scan(state.resources.idempotencyTable());
        assertThat(claims).isNotEmpty();
        assertThat(claims).allSatisfy(c -> assertThat(c.get("status").s()).isEqualTo("IN_PROGRESS"));
        assertThat(state.drain(queue, Duration.ofSeconds(1), Duration.ofMillis(500))).isEmpty();
        Instant leaseEnd = claims.stream().map(c -> Instant.ofEpochMilli(Long.parseLong(c.get("leaseExpiresAt").n())))
                .max(Instant::compareTo).orElseThrow();

        // Lambda redelivers the batch to a new container (this JVM, the real SNS endpoint). The dead
        // process's leases still hold: the handler waits them out inside its deadline (not a failed
        // attempt that would count against the mapping's retries), then sends each email once.
        Map<String, String> recoveryEnv = state.environment();
        recoveryEnv.put("REACTIONS", "welcome-email");
        try (StreamHandlerRuntime runtime = StreamHandlerRuntime.fromEnvironment(recoveryEnv)) {
            UserStreamHandler handler = new UserStreamHandler(runtime);
            StreamsEventResponse response = handler.handleRequest(EventLoader.loadDynamoDbEvent("events/inserts.json"), null);
            assertThat(response.getBatchItemFailures()).isEmpty();
            assertThat(Instant.now()).as("sent only once the dead process's leases ended").isAfterOrEqualTo(leaseEnd);
            // and once more: COMPLETED claims are skipped
            assertThat(handler.handleRequest(EventLoader.loadDynamoDbEvent("events/inserts.json"), null)
                    .getBatchItemFailures()).isEmpty();
        }

        List<String> users = new ArrayList<>();
        state.drain(queue, Duration.ofSeconds(5), Duration.ofSeconds(2)).forEach(m -> users.add(StackState.welcomeUserId(m)));
        assertThat(users).containsExactlyInAnyOrder("u-1001", "u-1002", "u-1003", "u-1004", "u-1005");
        assertThat(state.effects.scan(state.resources.idempotencyTable()))
                .allSatisfy(c -> assertThat(c.get("status").s()).isEqualTo("COMPLETED"));
    }

    /** Forwards SNS calls to the real endpoint, except the first publish: it kills the caller instead. */
    private void startKillingProxy(URI realSns, AtomicReference<Process> victim, CountDownLatch killed) throws IOException {
        HttpClient forward = HttpClient.newHttpClient();
        proxy = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        proxy.createContext("/", exchange -> {
            byte[] body = exchange.getRequestBody().readAllBytes();
            String text = new String(body, StandardCharsets.UTF_8);
            if (text.contains("Action=Publish")) {
                Process p = victim.get();
                if (p != null) {
                    p.destroyForcibly(); // SIGKILL: no shutdown hooks, no finally blocks
                    try {
                        p.waitFor(10, TimeUnit.SECONDS);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                }
                killed.countDown();
                exchange.sendResponseHeaders(500, -1);
                exchange.close();
                return;
            }
            forward(forward, realSns, exchange, body);
        });
        proxy.start();
    }

    private static void forward(HttpClient client, URI target, HttpExchange exchange, byte[] body) throws IOException {
        HttpRequest.Builder request = HttpRequest.newBuilder(target.resolve(exchange.getRequestURI().toString()))
                .method(exchange.getRequestMethod(), HttpRequest.BodyPublishers.ofByteArray(body));
        String type = exchange.getRequestHeaders().getFirst("Content-Type");
        if (type != null) {
            request.header("Content-Type", type);
        }
        try {
            HttpResponse<byte[]> response = client.send(request.build(), HttpResponse.BodyHandlers.ofByteArray());
            response.headers().firstValue("Content-Type").ifPresent(v -> exchange.getResponseHeaders().set("Content-Type", v));
            exchange.sendResponseHeaders(response.statusCode(), response.body().length == 0 ? -1 : response.body().length);
            exchange.getResponseBody().write(response.body());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            exchange.sendResponseHeaders(502, -1);
        } finally {
            exchange.close();
        }
    }

    static String javaBin() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }

    /** Surefire's full test class path (java.class.path is only its booter jar). */
    static String testClassPath() {
        String cp = System.getProperty("surefire.test.class.path");
        return cp != null && !cp.isBlank() ? cp : System.getProperty("java.class.path");
    }
}
