package io.userstreams.localsns;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.elasticmq.rest.sqs.SQSRestServer;
import org.elasticmq.rest.sqs.SQSRestServerBuilder;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.awscore.retry.AwsRetryStrategy;
import software.amazon.awssdk.http.SdkHttpClient;
import software.amazon.awssdk.http.apache5.Apache5HttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.sns.SnsClient;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.Message;
import software.amazon.awssdk.services.sqs.model.QueueAttributeName;

/**
 * Test fixture: an {@link SnsServer} delivering into a real ElasticMQ, both on 127.0.0.1, started
 * once per test class and stopped after it, with SDK v2 clients for both (fake static credentials).
 */
abstract class SnsWithElasticMq {

    static final ObjectMapper JSON = new ObjectMapper();
    static final java.net.http.HttpClient RAW = java.net.http.HttpClient.newHttpClient();
    private static final StaticCredentialsProvider CREDS =
            StaticCredentialsProvider.create(AwsBasicCredentials.create("local", "local"));

    private static SQSRestServer elasticMq;
    private static SdkHttpClient http;
    static SnsServer server;
    static SnsClient sns;
    /** For asserting the error of one attempt. */
    static SnsClient snsNoRetry;
    static SqsClient sqs;

    @BeforeAll
    static void startServers() {
        long t0 = System.nanoTime();
        elasticMq = SQSRestServerBuilder.withInterface("127.0.0.1").withDynamicPort().start();
        int sqsPort = elasticMq.waitUntilStarted().localAddress().getPort();
        URI sqsEndpoint = URI.create("http://127.0.0.1:" + sqsPort);
        long t1 = System.nanoTime();
        server = SnsServer.start(SnsServer.Config.forTests(sqsEndpoint));
        long t2 = System.nanoTime();
        System.out.printf("elasticmq start %d ms, sns start %d ms%n", (t1 - t0) / 1_000_000, (t2 - t1) / 1_000_000);
        http = Apache5HttpClient.builder().build();
        sns = SnsClient.builder().endpointOverride(server.endpoint()).region(Region.US_EAST_1)
                .credentialsProvider(CREDS).httpClient(http).build();
        snsNoRetry = SnsClient.builder().endpointOverride(server.endpoint()).region(Region.US_EAST_1)
                .credentialsProvider(CREDS).httpClient(http)
                .overrideConfiguration(o -> o.retryStrategy(AwsRetryStrategy.doNotRetry())).build();
        sqs = SqsClient.builder().endpointOverride(sqsEndpoint).region(Region.US_EAST_1)
                .credentialsProvider(CREDS).httpClient(http).build();
    }

    @AfterAll
    static void stopServers() {
        // Each step guarded so one failure does not leave the servers running.
        try {
            if (sns != null) {
                sns.close();
                snsNoRetry.close();
                sqs.close();
                http.close();
            }
        } finally {
            try {
                if (server != null) {
                    server.close();
                }
            } finally {
                if (elasticMq != null) {
                    elasticMq.stopAndWait();
                }
            }
        }
    }

    static String newQueue() {
        return sqs.createQueue(r -> r.queueName("q-" + UUID.randomUUID())).queueUrl();
    }

    static String queueArn(String queueUrl) {
        return sqs.getQueueAttributes(r -> r.queueUrl(queueUrl).attributeNames(QueueAttributeName.QUEUE_ARN))
                .attributes().get(QueueAttributeName.QUEUE_ARN);
    }

    /**
     * Exactly {@code expected} messages (with their message attributes), deleted once read. Delivery is
     * synchronous, so they are there already; the short wait only guards slow machines.
     */
    static List<Message> receive(String queueUrl, int expected) {
        List<Message> got = new ArrayList<>();
        long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
        while (got.size() < expected && System.nanoTime() < deadline) {
            for (Message m : sqs.receiveMessage(r -> r.queueUrl(queueUrl).maxNumberOfMessages(10)
                    .waitTimeSeconds(1).messageAttributeNames("All")).messages()) {
                got.add(m);
                sqs.deleteMessage(r -> r.queueUrl(queueUrl).receiptHandle(m.receiptHandle()));
            }
        }
        assertThat(got).hasSize(expected);
        return got;
    }
}
