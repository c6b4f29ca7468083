package io.userstreams.faults.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.userstreams.localstack.LocalStack;
import io.userstreams.localstack.LocalStackExtension;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.zip.CRC32;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.CancellationReason;
import software.amazon.awssdk.services.dynamodb.model.DynamoDbException;
import software.amazon.awssdk.services.dynamodb.model.ProvisionedThroughputExceededException;
import software.amazon.awssdk.services.dynamodb.model.PutRequest;
import software.amazon.awssdk.services.dynamodb.model.ThrottlingException;
import software.amazon.awssdk.services.dynamodb.model.TransactWriteItem;
import software.amazon.awssdk.services.dynamodb.model.TransactionCanceledException;
import software.amazon.awssdk.services.dynamodb.model.WriteRequest;

@ExtendWith(LocalStackExtension.class)
class DynamoDbFaultProxyTest {

    private static LocalStack stack;
    private static DynamoDbClient direct;

    private DynamoDbFaultProxy proxy;
    private DynamoDbClient client;

    /** The module's shared local stack (without OpenSearch: see the surefire settings in the pom). */
    @BeforeAll
    static void useStack(LocalStack shared) {
        stack = shared;
        direct = shared.dynamoDb();
    }

    @BeforeEach
    void startProxy() {
        proxy = DynamoDbFaultProxy.start(stack.dynamoDbEndpoint());
        client = ProxyTestClients.noRetry(proxy.endpoint());
    }

    @AfterEach
    void stopProxy() {
        client.close();
        proxy.close();
    }

    @Test
    void forwardsReadsAndWritesUnchanged() {
        assertThat(proxy.endpoint().getHost()).isEqualTo("127.0.0.1");
        assertThat(proxy.endpoint().getPort()).isNotEqualTo(stack.dynamoDbEndpoint().getPort());
        String userId = "u-" + UUID.randomUUID();

        // Signed for the proxy's Host, forwarded to another port: the local DynamoDB accepts it (it checks no signature).
        client.putItem(b -> b.tableName("users").item(user(userId, "pro")));
        Map<String, AttributeValue> viaProxy = client.getItem(b -> b.tableName("users")
                .key(Map.of("userId", s(userId))).consistentRead(true)).item();
        assertThat(viaProxy.get("plan").s()).isEqualTo("pro");
        assertThat(client.query(b -> b.tableName("users").keyConditionExpression("userId = :u")
                .expressionAttributeValues(Map.of(":u", s(userId)))).count()).isEqualTo(1);

        String statKey = "test#" + UUID.randomUUID();
        client.transactWriteItems(b -> b.transactItems(
                TransactWriteItem.builder().update(u -> u.tableName("user_stats").key(Map.of("statKey", s(statKey)))
                        .updateExpression("ADD #c :one").expressionAttributeNames(Map.of("#c", "count"))
                        .expressionAttributeValues(Map.of(":one", n("1")))).build(),
                TransactWriteItem.builder().put(p -> p.tableName("users_by_email")
                        .item(Map.of("email", s(userId + "@example.com"), "userId", s(userId)))).build()));

        // Really in the local DynamoDB, read without the proxy.
        assertThat(direct.getItem(b -> b.tableName("users").key(Map.of("userId", s(userId)))).item().get("email").s())
                .isEqualTo(userId + "@example.com");
        assertThat(direct.getItem(b -> b.tableName("user_stats").key(Map.of("statKey", s(statKey)))).item()
                .get("count").n()).isEqualTo("1");
        assertThat(direct.getItem(b -> b.tableName("users_by_email")
                .key(Map.of("email", s(userId + "@example.com")))).item().get("userId").s()).isEqualTo(userId);
        assertThat(proxy.forwarded()).isGreaterThanOrEqualTo(4);
        assertThat(proxy.injected().values()).containsOnly(0L);
        assertThat(proxy.faultActive()).isFalse();
    }

    @Test
    void keepsResponseChecksumAndRequestId() throws Exception {
        HttpClient raw = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        HttpResponse<byte[]> response = raw.send(HttpRequest.newBuilder(proxy.endpoint().resolve("/"))
                .header("Content-Type", "application/x-amz-json-1.0")
                .header("X-Amz-Target", "DynamoDB_20120810.ListTables")
                .header("Authorization", "AWS4-HMAC-SHA256 Credential=fake/20250101/us-east-1/dynamodb/aws4_request, "
                        + "SignedHeaders=host, Signature=00")
                .POST(HttpRequest.BodyPublishers.ofString("{}")).build(), HttpResponse.BodyHandlers.ofByteArray());

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(new String(response.body())).contains("user_stats");
        CRC32 crc = new CRC32();
        crc.update(response.body());
        assertThat(response.headers().firstValue("x-amz-crc32")).contains(Long.toString(crc.getValue()));
        assertThat(response.headers().firstValue("x-amzn-requestid")).isPresent();
    }

    @Test
    void transactionConflictCancelsTransactionsOnChosenTableOnly() {
        String userId = "u-" + UUID.randomUUID();
        String statKey = "plan#" + UUID.randomUUID();
        List<TransactWriteItem> items = List.of(
                TransactWriteItem.builder().put(p -> p.tableName("users").item(user(userId, "free"))).build(),
                TransactWriteItem.builder().update(u -> u.tableName("user_stats").key(Map.of("statKey", s(statKey)))
                        .updateExpression("ADD #c :one").expressionAttributeNames(Map.of("#c", "count"))
                        .expressionAttributeValues(Map.of(":one", n("1")))).build(),
                TransactWriteItem.builder().put(p -> p.tableName("users_by_email")
                        .item(Map.of("email", s(userId + "@example.com"), "userId", s(userId)))).build());

        proxy.injectFor(Duration.ofSeconds(3), Set.of("user_stats"), 1.0,
                List.of(DynamoDbFault.TRANSACTION_CONFLICT), 1L);
        assertThat(proxy.faultActive()).isTrue();

        TransactionCanceledException canceled = catchThrowableOfType(
                () -> client.transactWriteItems(b -> b.transactItems(items)), TransactionCanceledException.class);
        assertThat(canceled).isNotNull();
        assertThat(canceled.statusCode()).isEqualTo(400);
        assertThat(canceled.awsErrorDetails().errorCode()).isEqualTo("TransactionCanceledException");
        assertThat(canceled.getMessage()).contains("[TransactionConflict, None, None]");
        assertThat(canceled.hasCancellationReasons()).isTrue();
        assertThat(canceled.cancellationReasons()).extracting(CancellationReason::code)
                .containsExactly("TransactionConflict", "None", "None");
        assertThat(canceled.cancellationReasons().get(0).message()).isEqualTo("Transaction is ongoing for the item");
        assertThat(canceled.requestId()).isNotBlank();
        // Nothing reached DynamoDB.
        assertThat(direct.getItem(b -> b.tableName("users").key(Map.of("userId", s(userId)))).hasItem()).isFalse();
        assertThat(direct.getItem(b -> b.tableName("user_stats").key(Map.of("statKey", s(statKey)))).hasItem())
                .isFalse();

        // Other tables are untouched by the fault.
        String other = "u-" + UUID.randomUUID();
        client.putItem(b -> b.tableName("users").item(user(other, "pro")));
        assertThat(direct.getItem(b -> b.tableName("users").key(Map.of("userId", s(other)))).hasItem()).isTrue();

        // A non-transactional write to user_stats cannot be a transaction conflict: it is throttled.
        DynamoDbException throttled = catchThrowableOfType(() -> client.updateItem(u -> u.tableName("user_stats")
                .key(Map.of("statKey", s(statKey))).updateExpression("ADD #c :one")
                .expressionAttributeNames(Map.of("#c", "count"))
                .expressionAttributeValues(Map.of(":one", n("1")))), DynamoDbException.class);
        assertThat(throttled.awsErrorDetails().errorCode()).isEqualTo("ThrottlingException");
        assertThat(proxy.injected()).containsEntry(DynamoDbFault.TRANSACTION_CONFLICT, 1L)
                .containsEntry(DynamoDbFault.THROTTLING, 1L);

        // The fault ends by itself; the same transaction then goes through.
        proxy.awaitFaultEnd(Duration.ofSeconds(10));
        assertThat(proxy.faultActive()).isFalse();
        client.transactWriteItems(b -> b.transactItems(items));
        assertThat(direct.getItem(b -> b.tableName("user_stats").key(Map.of("statKey", s(statKey)))).item()
                .get("count").n()).isEqualTo("1");
        assertThat(direct.getItem(b -> b.tableName("users").key(Map.of("userId", s(userId)))).hasItem()).isTrue();
    }

    @Test
    void throttlingAndProvisionedThroughputSurfaceAsSdkExceptionsAndAreRetried() {
        proxy.injectFor(Duration.ofSeconds(4), Set.of("users"), 1.0,
                List.of(DynamoDbFault.THROTTLING, DynamoDbFault.PROVISIONED_THROUGHPUT_EXCEEDED), 7L);
        String userId = "u-" + UUID.randomUUID();

        DynamoDbException first = catchThrowableOfType(
                () -> client.putItem(b -> b.tableName("users").item(user(userId, "pro"))), DynamoDbException.class);
        assertThat(first.awsErrorDetails().errorCode()).isEqualTo("ThrottlingException");
        assertThat(first).isInstanceOf(ThrottlingException.class);
        assertThat(first.isThrottlingException()).isTrue();
        assertThat(first.getMessage()).contains("Rate of requests exceeds the allowed throughput.");

        // Round-robin: next is PTEE, also for BatchWriteItem naming the table in RequestItems.
        assertThatThrownBy(() -> client.batchWriteItem(b -> b.requestItems(Map.of("users", List.of(
                WriteRequest.builder().putRequest(PutRequest.builder().item(user(userId, "pro")).build()).build())))))
                .isInstanceOf(ProvisionedThroughputExceededException.class)
                .satisfies(e -> assertThat(((DynamoDbException) e).isThrottlingException()).isTrue());

        // Reads are never faulted.
        assertThat(client.getItem(b -> b.tableName("users").key(Map.of("userId", s(userId)))).hasItem()).isFalse();

        // The SDK's standard retry mode retries both as throttling: several attempts per call.
        long before = totalInjected();
        try (DynamoDbClient retrying = ProxyTestClients.standardRetry(proxy.endpoint())) {
            assertThatThrownBy(() -> retrying.deleteItem(b -> b.tableName("users").key(Map.of("userId", s(userId)))))
                    .isInstanceOf(DynamoDbException.class)
                    .satisfies(e -> assertThat(((DynamoDbException) e).isThrottlingException()).isTrue());
        }
        assertThat(totalInjected() - before).isEqualTo(3); // standard mode: 3 attempts
        assertThat(direct.getItem(b -> b.tableName("users").key(Map.of("userId", s(userId)))).hasItem()).isFalse();

        proxy.awaitFaultEnd(Duration.ofSeconds(10));
        client.putItem(b -> b.tableName("users").item(user(userId, "pro")));
        assertThat(direct.getItem(b -> b.tableName("users").key(Map.of("userId", s(userId)))).hasItem()).isTrue();
    }

    @Test
    void probabilityIsSeededAndReproducible() {
        List<Boolean> firstRun = faultPattern(11L);
        List<Boolean> secondRun = faultPattern(11L);
        assertThat(secondRun).isEqualTo(firstRun);
        assertThat(firstRun).contains(true, false); // 0.5 over 24 writes: both outcomes occur
    }

    private List<Boolean> faultPattern(long seed) {
        proxy.injectFor(Duration.ofSeconds(30), Set.of("users"), 0.5, List.of(DynamoDbFault.THROTTLING), seed);
        List<Boolean> faulted = new ArrayList<>();
        for (int i = 0; i < 24; i++) {
            String userId = "p-" + UUID.randomUUID();
            try {
                client.putItem(b -> b.tableName("users").item(user(userId, "free")));
                faulted.add(false);
            } catch (ThrottlingException e) {
                faulted.add(true);
            }
        }
        return faulted;
    }

    private long totalInjected() {
        return proxy.injected().values().stream().mapToLong(Long::longValue).sum();
    }

    private static Map<String, AttributeValue> user(String userId, String plan) {
        return Map.of("userId", s(userId), "email", s(userId + "@example.com"), "name", s("Test User"),
                "plan", s(plan), "country", s("KR"), "locale", s("ko"), "createdAt", s("2025-01-01T00:00:00Z"),
                "version", n("1"));
    }

    private static AttributeValue s(String v) {
        return AttributeValue.fromS(v);
    }

    private static AttributeValue n(String v) {
        return AttributeValue.fromN(v);
    }
}
