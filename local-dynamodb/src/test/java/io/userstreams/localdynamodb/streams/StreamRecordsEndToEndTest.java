package io.userstreams.localdynamodb.streams;

import static org.assertj.core.api.Assertions.assertThat;

import io.userstreams.localdynamodb.LocalDynamoDb;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.http.SdkHttpClient;
import software.amazon.awssdk.http.apache5.Apache5HttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeDefinition;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.BillingMode;
import software.amazon.awssdk.services.dynamodb.model.GetRecordsResponse;
import software.amazon.awssdk.services.dynamodb.model.KeySchemaElement;
import software.amazon.awssdk.services.dynamodb.model.KeyType;
import software.amazon.awssdk.services.dynamodb.model.OperationType;
import software.amazon.awssdk.services.dynamodb.model.Record;
import software.amazon.awssdk.services.dynamodb.model.ScalarAttributeType;
import software.amazon.awssdk.services.dynamodb.model.Shard;
import software.amazon.awssdk.services.dynamodb.model.ShardIteratorType;
import software.amazon.awssdk.services.dynamodb.model.StreamStatus;
import software.amazon.awssdk.services.dynamodb.model.StreamViewType;
import software.amazon.awssdk.services.dynamodb.streams.DynamoDbStreamsClient;

/** Writes through the DynamoDB API, records read through DynamoDB Streams, both with the real SDK v2. */
class StreamRecordsEndToEndTest {

    private static final AtomicInteger TABLES = new AtomicInteger();
    private static LocalDynamoDb db;
    private static SdkHttpClient http;
    private static DynamoDbClient dynamo;
    private static DynamoDbStreamsClient streams;

    @BeforeAll
    static void start() {
        db = LocalDynamoDb.builder().region("eu-central-1").accountId("111122223333").shardsPerStream(2)
                .ttlSweepInterval(Duration.ofHours(1)).start();
        http = Apache5HttpClient.builder().build();
        StaticCredentialsProvider credentials = StaticCredentialsProvider.create(AwsBasicCredentials.create("x", "x"));
        dynamo = DynamoDbClient.builder().endpointOverride(db.endpoint()).region(Region.EU_CENTRAL_1)
                .credentialsProvider(credentials).httpClient(http).build();
        streams = DynamoDbStreamsClient.builder().endpointOverride(db.endpoint()).region(Region.EU_CENTRAL_1)
                .credentialsProvider(credentials).httpClient(http).build();
    }

    @AfterAll
    static void stop() {
        if (streams != null) {
            streams.close();
        }
        if (dynamo != null) {
            dynamo.close();
        }
        if (http != null) {
            http.close();
        }
        if (db != null) {
            db.close();
        }
    }

    private static String table(StreamViewType viewType) {
        String name = "users-" + TABLES.incrementAndGet();
        dynamo.createTable(b -> b.tableName(name).billingMode(BillingMode.PAY_PER_REQUEST)
                .keySchema(KeySchemaElement.builder().attributeName("userId").keyType(KeyType.HASH).build())
                .attributeDefinitions(AttributeDefinition.builder().attributeName("userId")
                        .attributeType(ScalarAttributeType.S).build())
                .streamSpecification(s -> s.streamEnabled(true).streamViewType(viewType)));
        return name;
    }

    private static List<Record> readAll(String arn) {
        List<Record> out = new ArrayList<>();
        for (Shard shard : streams.describeStream(b -> b.streamArn(arn)).streamDescription().shards()) {
            String it = streams.getShardIterator(b -> b.streamArn(arn).shardId(shard.shardId())
                    .shardIteratorType(ShardIteratorType.TRIM_HORIZON)).shardIterator();
            while (it != null) {
                String current = it;
                GetRecordsResponse page = streams.getRecords(b -> b.shardIterator(current));
                out.addAll(page.records());
                it = page.records().isEmpty() ? null : page.nextShardIterator();
            }
        }
        return out;
    }

    private static Map<String, AttributeValue> key(String user) {
        return Map.of("userId", AttributeValue.fromS(user));
    }

    @ParameterizedTest
    @EnumSource(value = StreamViewType.class, names = {"KEYS_ONLY", "NEW_IMAGE", "OLD_IMAGE", "NEW_AND_OLD_IMAGES"})
    void insertModifyRemoveNoOpAndTtlInEveryViewType(StreamViewType viewType) {
        String table = table(viewType);
        dynamo.updateTimeToLive(b -> b.tableName(table).timeToLiveSpecification(t -> t.enabled(true).attributeName("expiresAt")));
        String arn = dynamo.describeTable(b -> b.tableName(table)).table().latestStreamArn();
        assertThat(arn).startsWith("arn:aws:dynamodb:eu-central-1:111122223333:table/" + table + "/stream/");

        Map<String, AttributeValue> v1 = Map.of("userId", AttributeValue.fromS("u1"), "email", AttributeValue.fromS("a@x"));
        dynamo.putItem(b -> b.tableName(table).item(v1));                                       // INSERT
        dynamo.putItem(b -> b.tableName(table).item(v1));                                       // no-op: no record
        dynamo.updateItem(b -> b.tableName(table).key(key("u1")).updateExpression("SET email = :e")
                .expressionAttributeValues(Map.of(":e", AttributeValue.fromS("b@x"))));          // MODIFY
        dynamo.updateItem(b -> b.tableName(table).key(key("u1")).updateExpression("SET email = :e")
                .expressionAttributeValues(Map.of(":e", AttributeValue.fromS("b@x"))));          // no-op: no record
        dynamo.deleteItem(b -> b.tableName(table).key(key("u1")));                              // REMOVE
        dynamo.deleteItem(b -> b.tableName(table).key(key("u1")));                              // missing: no record
        long past = Instant.now().minusSeconds(60).getEpochSecond();
        dynamo.putItem(b -> b.tableName(table).item(Map.of("userId", AttributeValue.fromS("u2"),
                "expiresAt", AttributeValue.fromN(Long.toString(past)))));                     // INSERT
        assertThat(db.sweepExpiredItems()).isEqualTo(1);                                        // REMOVE by TTL

        List<Record> records = readAll(arn);
        List<Record> u1 = records.stream().filter(r -> r.dynamodb().keys().equals(key("u1"))).toList();
        List<Record> u2 = records.stream().filter(r -> r.dynamodb().keys().equals(key("u2"))).toList();
        assertThat(records).hasSize(5);
        assertThat(u1).extracting(Record::eventName)
                .containsExactly(OperationType.INSERT, OperationType.MODIFY, OperationType.REMOVE);
        assertThat(u2).extracting(Record::eventName).containsExactly(OperationType.INSERT, OperationType.REMOVE);

        boolean withNew = viewType == StreamViewType.NEW_IMAGE || viewType == StreamViewType.NEW_AND_OLD_IMAGES;
        boolean withOld = viewType == StreamViewType.OLD_IMAGE || viewType == StreamViewType.NEW_AND_OLD_IMAGES;
        for (Record r : records) {
            assertThat(r.awsRegion()).isEqualTo("eu-central-1");
            assertThat(r.eventSource()).isEqualTo("aws:dynamodb");
            assertThat(r.eventVersion()).isEqualTo("1.1");
            assertThat(r.dynamodb().streamViewType()).isEqualTo(viewType);
            assertThat(r.dynamodb().approximateCreationDateTime())
                    .isBetween(Instant.now().minusSeconds(60), Instant.now().plusSeconds(1));
        }
        Record modify = u1.get(1);
        assertThat(modify.dynamodb().hasNewImage()).isEqualTo(withNew);
        assertThat(modify.dynamodb().hasOldImage()).isEqualTo(withOld);
        if (withNew) {
            assertThat(modify.dynamodb().newImage().get("email").s()).isEqualTo("b@x");
        }
        if (withOld) {
            assertThat(modify.dynamodb().oldImage().get("email").s()).isEqualTo("a@x");
            assertThat(u1.get(2).dynamodb().oldImage().get("email").s()).isEqualTo("b@x");
        }
        assertThat(u1.get(2).userIdentity()).isNull();
        Record ttl = u2.get(1);
        assertThat(ttl.userIdentity()).isNotNull();
        assertThat(ttl.userIdentity().type()).isEqualTo("Service");
        assertThat(ttl.userIdentity().principalId()).isEqualTo("dynamodb.amazonaws.com");
        assertThat(ttl.dynamodb().hasOldImage()).isEqualTo(withOld);
    }

    @Test
    void turningTheStreamOffAndOnGivesANewStreamAndDeleteTableDisablesIt() {
        String table = table(StreamViewType.NEW_AND_OLD_IMAGES);
        String first = dynamo.describeTable(b -> b.tableName(table)).table().latestStreamArn();
        dynamo.putItem(b -> b.tableName(table).item(key("u1")));
        dynamo.updateTable(b -> b.tableName(table).streamSpecification(s -> s.streamEnabled(false)));
        assertThat(streams.describeStream(b -> b.streamArn(first)).streamDescription().streamStatus())
                .isEqualTo(StreamStatus.DISABLED);
        assertThat(readAll(first)).hasSize(1);
        dynamo.putItem(b -> b.tableName(table).item(Map.of("userId", AttributeValue.fromS("u2"))));

        dynamo.updateTable(b -> b.tableName(table).streamSpecification(s -> s.streamEnabled(true)
                .streamViewType(StreamViewType.KEYS_ONLY)));
        String second = dynamo.describeTable(b -> b.tableName(table)).table().latestStreamArn();
        assertThat(second).isNotEqualTo(first);
        dynamo.putItem(b -> b.tableName(table).item(Map.of("userId", AttributeValue.fromS("u3"))));
        assertThat(readAll(second)).singleElement().satisfies(r -> {
            assertThat(r.dynamodb().keys()).isEqualTo(key("u3"));
            assertThat(r.dynamodb().streamViewType()).isEqualTo(StreamViewType.KEYS_ONLY);
        });
        assertThat(streams.listStreams(b -> b.tableName(table)).streams()).hasSize(2);

        dynamo.deleteTable(b -> b.tableName(table));
        assertThat(streams.describeStream(b -> b.streamArn(second)).streamDescription().streamStatus())
                .isEqualTo(StreamStatus.DISABLED);
    }
}
