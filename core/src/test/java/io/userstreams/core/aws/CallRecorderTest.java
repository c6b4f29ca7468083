package io.userstreams.core.aws;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.sqs.SqsClient;

/**
 * What the recorder writes for a call, before the request leaves (the endpoint is a closed port on
 * 127.0.0.1: every call fails to connect, which is all this needs).
 */
class CallRecorderTest {

    @TempDir
    Path dir;

    @AfterEach
    void off() {
        System.clearProperty(CallRecorder.PROPERTY);
    }

    private static AwsConnection closedPort() {
        URI nowhere = URI.create("http://127.0.0.1:9");
        return AwsConnection.local(Region.US_EAST_1, Map.of(AwsConnection.Service.DYNAMODB, nowhere,
                AwsConnection.Service.SQS, nowhere));
    }

    @Test
    void recordsScopeServiceOperationAndResourceOncePerLine() throws Exception {
        Path file = dir.resolve("calls.txt");
        System.setProperty(CallRecorder.PROPERTY, file.toString());
        try (var http = UrlConnectionHttpClient.create();
             DynamoDbClient ddb = Clients.dynamoDb(closedPort(), http);
             SqsClient sqs = Clients.sqs(closedPort(), http)) {
            try (CallRecorder.Scope s = CallRecorder.scope("welcome-email")) {
                assertThatThrownBy(() -> ddb.batchWriteItem(b -> b.requestItems(Map.of("claims", List.of(
                        software.amazon.awssdk.services.dynamodb.model.WriteRequest.builder().putRequest(p -> p.item(
                                Map.of("k", AttributeValue.fromS("1")))).build()))))).isNotNull();
                assertThatThrownBy(() -> ddb.transactWriteItems(b -> b.transactItems(
                        t -> t.put(p -> p.tableName("claims").item(Map.of("k", AttributeValue.fromS("1")))),
                        t -> t.update(u -> u.tableName("stats").key(Map.of("k", AttributeValue.fromS("1")))
                                .updateExpression("ADD n :one"))))).isNotNull();
                // Work handed to another thread keeps the scope when wrapped.
                ExecutorService pool = Executors.newSingleThreadExecutor();
                try {
                    pool.submit(CallRecorder.inCurrentScope(() -> {
                        try {
                            ddb.getItem(b -> b.tableName("claims").key(Map.of("k", AttributeValue.fromS("1"))));
                        } catch (RuntimeException expected) {
                            // connection refused
                        }
                        return null;
                    })).get();
                } finally {
                    pool.shutdownNow();
                }
            }
            assertThatThrownBy(() -> sqs.sendMessage(b -> b.queueUrl("http://127.0.0.1:9/000000000000/dlq").messageBody("x")))
                    .isNotNull();
            assertThatThrownBy(() -> sqs.sendMessage(b -> b.queueUrl("http://127.0.0.1:9/000000000000/dlq").messageBody("y")))
                    .isNotNull();
        }
        assertThat(Files.readAllLines(file)).containsExactly(
                "welcome-email\tDynamoDb\tBatchWriteItem\ttable=claims",
                "welcome-email\tDynamoDb\tTransactWriteItems\titem=PutItem\ttable=claims",
                "welcome-email\tDynamoDb\tTransactWriteItems\titem=UpdateItem\ttable=stats",
                "welcome-email\tDynamoDb\tGetItem\ttable=claims",
                "runtime\tSqs\tSendMessage\tqueue=/000000000000/dlq");
    }

    @Test
    void offWithoutTheSetting() {
        assertThat(CallRecorder.enabled()).isEqualTo(System.getenv(CallRecorder.VARIABLE) != null);
        var builder = DynamoDbClient.builder();
        if (!CallRecorder.enabled()) {
            assertThat(CallRecorder.register(builder).plugins()).isEmpty();
        }
    }
}
