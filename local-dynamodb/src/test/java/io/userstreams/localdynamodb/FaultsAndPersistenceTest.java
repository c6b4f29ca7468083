package io.userstreams.localdynamodb;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.client.config.ClientOverrideConfiguration;
import software.amazon.awssdk.core.retry.RetryMode;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.DynamoDbException;
import software.amazon.awssdk.services.dynamodb.model.ProvisionedThroughputExceededException;

class FaultsAndPersistenceTest {

    private static DynamoDbClient clientFor(LocalDynamoDb db) {
        return DynamoDbClient.builder().endpointOverride(db.endpoint()).region(Region.US_EAST_1)
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("x", "x")))
                .overrideConfiguration(ClientOverrideConfiguration.builder().retryStrategy(RetryMode.STANDARD)
                        .retryStrategy(b -> b.maxAttempts(1)).build())
                .build();
    }

    private static void createTable(DynamoDbClient client, String name) {
        client.createTable(b -> b.tableName(name).billingMode("PAY_PER_REQUEST")
                .attributeDefinitions(a -> a.attributeName("pk").attributeType("S"))
                .keySchema(k -> k.attributeName("pk").keyType("HASH")));
    }

    @Test
    void faultsAnswerForTheirTableAndOperationUntilTheyEnd() throws Exception {
        try (LocalDynamoDb db = LocalDynamoDb.builder().start(); DynamoDbClient client = clientFor(db)) {
            createTable(client, "faulty");
            createTable(client, "healthy");
            db.faults().fail("faulty", "PutItem", "ProvisionedThroughputExceededException", Duration.ofSeconds(30));
            var error = org.assertj.core.api.Assertions.catchThrowableOfType(ProvisionedThroughputExceededException.class,
                    () -> client.putItem(b -> b.tableName("faulty").item(Map.of("pk", ServerTestBase.s("a")))));
            assertThat(error).isNotNull();
            client.putItem(b -> b.tableName("healthy").item(Map.of("pk", ServerTestBase.s("a"))));
            client.getItem(b -> b.tableName("faulty").key(Map.of("pk", ServerTestBase.s("a"))));
            db.faults().fail(null, null, "InternalServerError", Duration.ofSeconds(30));
            var internal = org.assertj.core.api.Assertions.catchThrowableOfType(DynamoDbException.class,
                    () -> client.getItem(b -> b.tableName("healthy").key(Map.of("pk", ServerTestBase.s("a")))));
            assertThat(internal.statusCode()).isEqualTo(500);
            assertThat(internal.awsErrorDetails().errorCode()).isEqualTo("InternalServerError");
            db.faults().clear();
            client.putItem(b -> b.tableName("faulty").item(Map.of("pk", ServerTestBase.s("a"))));
            db.faults().fail("faulty", null, "InternalServerError", Duration.ofMillis(100));
            Thread.sleep(300);
            client.putItem(b -> b.tableName("faulty").item(Map.of("pk", ServerTestBase.s("expired"))));
            db.faults().fail("healthy", null, "ThrottlingException", Duration.ofSeconds(30));
            var throttled = org.assertj.core.api.Assertions.catchThrowableOfType(DynamoDbException.class,
                    () -> client.transactWriteItems(b -> b.transactItems(t -> t.put(p -> p.tableName("healthy").item(Map.of("pk", ServerTestBase.s("b")))))));
            assertThat(throttled.awsErrorDetails().errorCode()).isEqualTo("ThrottlingException");
        }
    }

    @Test
    void tablesAndItemsSurviveARestartWithADataDirectory(@TempDir Path directory) {
        try (LocalDynamoDb db = LocalDynamoDb.builder().dataDirectory(directory).start(); DynamoDbClient client = clientFor(db)) {
            createTable(client, "kept");
            client.updateTimeToLive(b -> b.tableName("kept").timeToLiveSpecification(t -> t.attributeName("ttl").enabled(true)));
            client.putItem(b -> b.tableName("kept").item(Map.of("pk", ServerTestBase.s("a"), "v", ServerTestBase.n("1.50"))));
        }
        assertThat(directory.resolve("kept.table.json")).exists();
        try (LocalDynamoDb db = LocalDynamoDb.builder().dataDirectory(directory).start(); DynamoDbClient client = clientFor(db)) {
            assertThat(client.getItem(b -> b.tableName("kept").key(Map.of("pk", ServerTestBase.s("a")))).item())
                    .containsEntry("v", ServerTestBase.n("1.5"));
            assertThat(client.describeTimeToLive(b -> b.tableName("kept")).timeToLiveDescription().attributeName()).isEqualTo("ttl");
            assertThat(client.describeTable(b -> b.tableName("kept")).table().itemCount()).isEqualTo(1);
        }
    }

    @Test
    void startsFastOnceTheJvmHasLoadedItsClasses() {
        // the first start in a JVM also pays class loading (Jackson, the JDK HTTP server), which depends on machine load
        LocalDynamoDb.builder().start().close();
        long start = System.nanoTime();
        try (LocalDynamoDb db = LocalDynamoDb.builder().start(); DynamoDbClient client = clientFor(db)) {
            long millis = (System.nanoTime() - start) / 1_000_000;
            assertThat(millis).as("start-up in ms").isLessThan(300);
            assertThat(client.listTables().tableNames()).isEmpty();
        }
    }
}
