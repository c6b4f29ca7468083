package io.userstreams.localsns;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.http.apache5.Apache5HttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.sns.SnsClient;
import software.amazon.awssdk.services.sns.model.InvalidParameterException;

/** Start, bind and stop behaviour, without an SQS server. */
class SnsServerLifecycleTest {

    private static SnsServer.Config config(int port) {
        return new SnsServer.Config("127.0.0.1", port, "eu-west-1", "123456789012", null);
    }

    @Test
    void bindsLoopbackOnAFreePortAndReleasesItAndItsThreadsOnClose() throws Exception {
        int port;
        try (SnsServer server = SnsServer.start(config(0))) {
            port = server.port();
            assertThat(port).isPositive();
            assertThat(server.endpoint()).isEqualTo(URI.create("http://127.0.0.1:" + port));
            try (SnsClient sns = client(server)) {
                // Region and account of the config show in the ARN.
                assertThat(sns.createTopic(r -> r.name("t")).topicArn()).isEqualTo("arn:aws:sns:eu-west-1:123456789012:t");
            }
            assertThat(threads("sns-" + port + "-")).isPositive();
        }
        assertThat(threads("sns-" + port + "-")).isZero();
        // The port is free again.
        try (ServerSocket s = new ServerSocket(port, 1, InetAddress.getByName("127.0.0.1"))) {
            assertThat(s.getLocalPort()).isEqualTo(port);
        }
    }

    @Test
    void aTakenPortFailsWithAMessageNamingIt() throws Exception {
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
            int port = taken.getLocalPort();
            assertThatThrownBy(() -> SnsServer.start(config(port)))
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("127.0.0.1:" + port)
                    .hasMessageContaining("choose another SNS port");
        }
    }

    @Test
    void sqsSubscriptionsAreRefusedWithoutAnSqsEndpoint() {
        try (SnsServer server = SnsServer.start(config(0)); SnsClient sns = client(server)) {
            String topic = sns.createTopic(r -> r.name("t")).topicArn();
            assertThatThrownBy(() -> sns.subscribe(r -> r.topicArn(topic).protocol("sqs")
                    .endpoint("arn:aws:sqs:eu-west-1:123456789012:q")))
                    .isInstanceOf(InvalidParameterException.class).hasMessageContaining("without an SQS endpoint");
            // Publishing to a topic without subscribers still succeeds, as in SNS.
            assertThat(sns.publish(r -> r.topicArn(topic).message("x")).messageId()).isNotBlank();
        }
    }

    @Test
    void configRejectsBadValues() {
        assertThatThrownBy(() -> new SnsServer.Config("127.0.0.1", 70000, "us-east-1", "000000000000", null))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("70000");
        assertThatThrownBy(() -> new SnsServer.Config("127.0.0.1", 0, "us-east-1", "42", null))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("12 digits");
    }

    private static SnsClient client(SnsServer server) {
        return SnsClient.builder().endpointOverride(server.endpoint()).region(Region.EU_WEST_1)
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("local", "local")))
                .httpClient(Apache5HttpClient.create()).build();
    }

    private static long threads(String prefix) {
        return Thread.getAllStackTraces().keySet().stream()
                .filter(t -> t.isAlive() && t.getName().startsWith(prefix)).count();
    }
}
