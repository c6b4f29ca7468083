package io.userstreams.faults.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.userstreams.localstack.LocalStack;
import io.userstreams.localstack.LocalStackExtension;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

@ExtendWith(LocalStackExtension.class)
class TcpProxyTest {

    private static LocalStack stack;
    private static DynamoDbClient direct;

    private TcpProxy proxy;

    /** The module's shared local stack (without OpenSearch: see the surefire settings in the pom). */
    @BeforeAll
    static void useStack(LocalStack shared) {
        stack = shared;
        direct = shared.dynamoDb();
    }

    @BeforeEach
    void startProxy() {
        proxy = TcpProxy.start("dynamodb", stack.dynamoDbEndpoint().getHost(), stack.dynamoDbEndpoint().getPort());
    }

    @AfterEach
    void stopProxy() {
        proxy.close();
    }

    @Test
    void forwardsSdkTraffic() {
        assertThat(proxy.endpoint("http").toString()).isEqualTo("http://127.0.0.1:" + proxy.port());
        try (DynamoDbClient client = ProxyTestClients.noRetry(proxy.endpoint("http"))) {
            String userId = put(client);
            assertThat(client.getItem(b -> b.tableName("users").key(key(userId))).item().get("plan").s())
                    .isEqualTo("pro");
            assertThat(direct.getItem(b -> b.tableName("users").key(key(userId))).hasItem()).isTrue();
        }
        assertThat(proxy.accepted()).isGreaterThanOrEqualTo(1);
    }

    @Test
    void refuseForIsARealOutageThatEndsOnTheSamePort() throws Exception {
        int port = proxy.port();
        try (DynamoDbClient noRetry = ProxyTestClients.noRetry(proxy.endpoint("http"));
                DynamoDbClient retrying = ProxyTestClients.standardRetry(proxy.endpoint("http"))) {
            put(noRetry); // opens a pooled keep-alive connection, which the outage must reset
            long acceptedBefore = proxy.accepted();

            proxy.refuseFor(Duration.ofSeconds(2));
            assertThat(proxy.faultActive()).isTrue();
            assertThat(proxy.resets()).isGreaterThanOrEqualTo(1);
            try (Socket s = new Socket()) {
                assertThatThrownBy(() -> s.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 1000))
                        .isInstanceOf(ConnectException.class);
            }
            assertThatThrownBy(() -> put(noRetry)).isInstanceOf(SdkClientException.class);
            assertThat(proxy.accepted()).isEqualTo(acceptedBefore);

            proxy.awaitFaultEnd(Duration.ofSeconds(10));
            assertThat(proxy.faultActive()).isFalse();
            assertThat(proxy.port()).isEqualTo(port);
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 1000);
                assertThat(s.isConnected()).isTrue();
            }
            // Retries cover a pooled connection the outage killed; the call itself must succeed.
            String userId = put(retrying);
            assertThat(direct.getItem(b -> b.tableName("users").key(key(userId))).hasItem()).isTrue();
            assertThat(proxy.accepted()).isGreaterThan(acceptedBefore);
        }
    }

    @Test
    void delayForAddsLatencyThenEnds() {
        try (DynamoDbClient client = ProxyTestClients.noRetry(proxy.endpoint("http"))) {
            String userId = put(client); // warm up connection and SDK
            Duration latency = Duration.ofMillis(400);

            proxy.delayFor(latency, Duration.ofSeconds(3));
            assertThat(proxy.faultActive()).isTrue();
            long slow = timeGet(client, userId);
            assertThat(slow).isGreaterThanOrEqualTo(latency.toMillis());

            proxy.awaitFaultEnd(Duration.ofSeconds(10));
            assertThat(proxy.faultActive()).isFalse();
            long fast = timeGet(client, userId);
            // Request and response each crossed a delayed chunk before; now neither does.
            assertThat(fast).isLessThan(slow);
            assertThat(fast).isLessThan(latency.toMillis());
        }
    }

    @Test
    void closeFreesThePort() throws Exception {
        int port = proxy.port();
        try (DynamoDbClient client = ProxyTestClients.noRetry(proxy.endpoint("http"))) {
            put(client); // leave an open connection for close() to deal with
            proxy.close();
            assertThatThrownBy(() -> put(client)).isInstanceOf(SdkClientException.class);
        }
        try (ServerSocket ss = new ServerSocket()) {
            ss.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
            assertThat(ss.getLocalPort()).isEqualTo(port);
        }
    }

    @Test
    void closeEndsAScheduledOutageWithoutRebinding() throws Exception {
        int port = proxy.port();
        proxy.refuseFor(Duration.ofMillis(300));
        proxy.close();
        assertThat(proxy.faultActive()).isFalse();
        Thread.sleep(600); // past the scheduled end: nothing must re-bind the port
        try (ServerSocket ss = new ServerSocket()) {
            ss.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
            assertThat(ss.getLocalPort()).isEqualTo(port);
        }
    }

    private static long timeGet(DynamoDbClient client, String userId) {
        long start = System.nanoTime();
        assertThat(client.getItem(b -> b.tableName("users").key(key(userId))).hasItem()).isTrue();
        return Duration.ofNanos(System.nanoTime() - start).toMillis();
    }

    private static String put(DynamoDbClient client) {
        String userId = "t-" + UUID.randomUUID();
        client.putItem(b -> b.tableName("users").item(Map.of("userId", AttributeValue.fromS(userId),
                "email", AttributeValue.fromS(userId + "@example.com"), "plan", AttributeValue.fromS("pro"),
                "version", AttributeValue.fromN("1"))));
        return userId;
    }

    private static Map<String, AttributeValue> key(String userId) {
        return Map.of("userId", AttributeValue.fromS(userId));
    }
}
