package io.userstreams.localdynamodb.streams;

import static org.assertj.core.api.Assertions.assertThat;

import io.userstreams.localdynamodb.LocalDynamoDb;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.http.SdkHttpClient;
import software.amazon.awssdk.http.apache5.Apache5HttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeDefinition;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.BillingMode;
import software.amazon.awssdk.services.dynamodb.model.KeySchemaElement;
import software.amazon.awssdk.services.dynamodb.model.KeyType;
import software.amazon.awssdk.services.dynamodb.model.ScalarAttributeType;
import software.amazon.awssdk.services.dynamodb.model.Shard;
import software.amazon.awssdk.services.dynamodb.model.StreamViewType;
import software.amazon.awssdk.services.dynamodb.streams.DynamoDbStreamsClient;

/** The builder's roll-over interval and retention, on the real clock: shards close and go by themselves. */
class ScheduledRollOverTest {

    @Test
    void shardsRollOverOnTheIntervalAndClosedShardsGoAfterRetention() throws Exception {
        try (LocalDynamoDb db = LocalDynamoDb.builder().shardsPerStream(1)
                .shardRollOverInterval(Duration.ofMillis(800)).streamRetention(Duration.ofSeconds(3)).start();
             SdkHttpClient http = Apache5HttpClient.builder().build()) {
            StaticCredentialsProvider credentials = StaticCredentialsProvider.create(AwsBasicCredentials.create("x", "x"));
            try (DynamoDbClient dynamo = DynamoDbClient.builder().endpointOverride(db.endpoint()).region(Region.US_EAST_1)
                    .credentialsProvider(credentials).httpClient(http).build();
                 DynamoDbStreamsClient streams = DynamoDbStreamsClient.builder().endpointOverride(db.endpoint())
                         .region(Region.US_EAST_1).credentialsProvider(credentials).httpClient(http).build()) {
                String arn = dynamo.createTable(b -> b.tableName("users").billingMode(BillingMode.PAY_PER_REQUEST)
                        .keySchema(KeySchemaElement.builder().attributeName("userId").keyType(KeyType.HASH).build())
                        .attributeDefinitions(AttributeDefinition.builder().attributeName("userId")
                                .attributeType(ScalarAttributeType.S).build())
                        .streamSpecification(s -> s.streamEnabled(true).streamViewType(StreamViewType.KEYS_ONLY)))
                        .tableDescription().latestStreamArn();
                dynamo.putItem(b -> b.tableName("users").item(Map.of("userId", AttributeValue.fromS("early"))));
                String first = streams.describeStream(b -> b.streamArn(arn)).streamDescription().shards().get(0).shardId();

                List<Shard> shards = awaitShards(streams, arn, s -> s.size() >= 2, Duration.ofSeconds(5));
                assertThat(shards.get(0).shardId()).isEqualTo(first);
                assertThat(shards.get(0).sequenceNumberRange().endingSequenceNumber()).isNotNull();
                assertThat(shards.get(1).parentShardId()).isEqualTo(first);

                // 3 s after it closed, the first shard (and its record) is gone; its descendants remain.
                List<Shard> later = awaitShards(streams, arn,
                        s -> s.stream().noneMatch(x -> x.shardId().equals(first)), Duration.ofSeconds(8));
                assertThat(later).isNotEmpty();
                assertThat(later).anyMatch(s -> s.sequenceNumberRange().endingSequenceNumber() == null);
            }
        }
    }

    private static List<Shard> awaitShards(DynamoDbStreamsClient streams, String arn,
                                           java.util.function.Predicate<List<Shard>> condition, Duration timeout)
            throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            List<Shard> shards = streams.describeStream(b -> b.streamArn(arn)).streamDescription().shards();
            if (condition.test(shards) || System.nanoTime() > deadline) {
                assertThat(condition.test(shards)).as("shards " + shards).isTrue();
                return shards;
            }
            Thread.sleep(100);
        }
    }
}
