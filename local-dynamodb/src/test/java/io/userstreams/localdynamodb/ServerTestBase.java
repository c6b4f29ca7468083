package io.userstreams.localdynamodb;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.userstreams.localdynamodb.streams.ItemChange;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.function.Executable;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.http.apache5.Apache5HttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeDefinition;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.BillingMode;
import software.amazon.awssdk.services.dynamodb.model.DynamoDbException;
import software.amazon.awssdk.services.dynamodb.model.KeySchemaElement;
import software.amazon.awssdk.services.dynamodb.model.KeyType;
import software.amazon.awssdk.services.dynamodb.model.ScalarAttributeType;

/** One server per test class, reached over HTTP by the real SDK v2 client. */
abstract class ServerTestBase {
    static LocalDynamoDb db;
    static DynamoDbClient client;
    static final List<ItemChange> changes = Collections.synchronizedList(new ArrayList<>());
    private static final AtomicInteger TABLE_COUNTER = new AtomicInteger();

    @BeforeAll
    static void startServer() {
        db = LocalDynamoDb.builder().ttlSweepInterval(Duration.ofHours(1)).changeListener(changes::add).start();
        client = DynamoDbClient.builder()
                .endpointOverride(db.endpoint())
                .region(Region.US_EAST_1)
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("x", "x")))
                .httpClient(Apache5HttpClient.builder().build())
                .build();
    }

    @AfterAll
    static void stopServer() {
        if (client != null) {
            client.close();
        }
        if (db != null) {
            db.close();
        }
    }

    static String uniqueName(String prefix) {
        return prefix + "-" + TABLE_COUNTER.incrementAndGet();
    }

    /** A pay-per-request table with a string hash key "pk" and, if given, a sort key "sk" of that type. */
    static String table(String prefix, ScalarAttributeType sortType) {
        String name = uniqueName(prefix);
        List<AttributeDefinition> definitions = new ArrayList<>();
        List<KeySchemaElement> schema = new ArrayList<>();
        definitions.add(AttributeDefinition.builder().attributeName("pk").attributeType(ScalarAttributeType.S).build());
        schema.add(KeySchemaElement.builder().attributeName("pk").keyType(KeyType.HASH).build());
        if (sortType != null) {
            definitions.add(AttributeDefinition.builder().attributeName("sk").attributeType(sortType).build());
            schema.add(KeySchemaElement.builder().attributeName("sk").keyType(KeyType.RANGE).build());
        }
        client.createTable(b -> b.tableName(name).attributeDefinitions(definitions).keySchema(schema)
                .billingMode(BillingMode.PAY_PER_REQUEST));
        return name;
    }

    static AttributeValue s(String value) {
        return AttributeValue.fromS(value);
    }

    static AttributeValue n(String value) {
        return AttributeValue.fromN(value);
    }

    static AttributeValue b(int... values) {
        byte[] bytes = new byte[values.length];
        for (int i = 0; i < values.length; i++) {
            bytes[i] = (byte) values[i];
        }
        return AttributeValue.fromB(SdkBytes.fromByteArray(bytes));
    }

    static Map<String, AttributeValue> item(Object... keysAndValues) {
        Map<String, AttributeValue> item = new HashMap<>();
        for (int i = 0; i < keysAndValues.length; i += 2) {
            Object value = keysAndValues[i + 1];
            item.put((String) keysAndValues[i], value instanceof AttributeValue av ? av : s(value.toString()));
        }
        return item;
    }

    static Map<String, AttributeValue> key(String pk) {
        return item("pk", pk);
    }

    static Map<String, String> names(String... pairs) {
        Map<String, String> names = new HashMap<>();
        for (int i = 0; i < pairs.length; i += 2) {
            names.put(pairs[i], pairs[i + 1]);
        }
        return names;
    }

    /** Runs the call, expects a service error, checks its code and message. */
    static <T extends DynamoDbException> T assertError(Class<T> type, String code, String message, Executable call) {
        T error = catchThrowableOfType(type, () -> {
            try {
                call.execute();
            } catch (RuntimeException e) {
                throw e;
            } catch (Throwable t) {
                throw new RuntimeException(t);
            }
        });
        assertThat(error).as("expected %s", code).isNotNull();
        assertThat(error.awsErrorDetails().errorCode()).isEqualTo(code);
        if (message != null) {
            assertThat(error.awsErrorDetails().errorMessage()).isEqualTo(message);
        }
        return error;
    }

    static DynamoDbException assertValidation(String message, Executable call) {
        return assertError(DynamoDbException.class, "ValidationException", message, call);
    }
}
