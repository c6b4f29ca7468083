package io.userstreams.localstack;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import java.io.IOException;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.net.Socket;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.StreamViewType;
import software.amazon.awssdk.services.dynamodb.model.TimeToLiveStatus;
import software.amazon.awssdk.services.dynamodb.model.Record;
import software.amazon.awssdk.services.dynamodb.model.Shard;
import software.amazon.awssdk.services.dynamodb.model.ShardIteratorType;
import software.amazon.awssdk.services.dynamodb.streams.DynamoDbStreamsClient;

@ExtendWith(LocalStackExtension.class)
class DynamoDbStreamTest {

    @Test
    void streamReadSeesInsertModifyRemoveWithOldAndNewImages(DynamoDbClient dynamoDb, DynamoDbStreamsClient streams,
            LocalResources resources) throws InterruptedException {
        String table = resources.usersTable();
        String id = "stream-" + UUID.randomUUID();
        Map<String, AttributeValue> key = Map.of("userId", s(id));
        dynamoDb.putItem(r -> r.tableName(table).item(Map.of("userId", s(id), "email", s("k@example.com"),
                "plan", s("free"), "version", n("1"))));
        dynamoDb.updateItem(r -> r.tableName(table).key(key)
                .updateExpression("SET #p = :p, #v = :v")
                .expressionAttributeNames(Map.of("#p", "plan", "#v", "version"))
                .expressionAttributeValues(Map.of(":p", s("pro"), ":v", n("2"))));
        dynamoDb.deleteItem(r -> r.tableName(table).key(key));

        List<Record> mine = new ArrayList<>();
        long deadline = System.currentTimeMillis() + 15_000;
        while (mine.size() < 3 && System.currentTimeMillis() < deadline) {
            mine.clear();
            mine.addAll(readAll(streams, resources.usersStreamArn(), id));
            if (mine.size() < 3) {
                Thread.sleep(200);
            }
        }
        assertThat(mine).extracting(Record::eventNameAsString).containsExactly("INSERT", "MODIFY", "REMOVE");

        Record insert = mine.get(0);
        assertThat(insert.dynamodb().oldImage()).isEmpty();
        assertThat(insert.dynamodb().newImage()).containsEntry("plan", s("free")).containsEntry("version", n("1"));
        assertThat(insert.dynamodb().streamViewType()).isEqualTo(StreamViewType.NEW_AND_OLD_IMAGES);

        Record modify = mine.get(1);
        assertThat(modify.dynamodb().oldImage()).containsEntry("plan", s("free")).containsEntry("version", n("1"));
        assertThat(modify.dynamodb().newImage()).containsEntry("plan", s("pro")).containsEntry("version", n("2"));

        Record remove = mine.get(2);
        assertThat(remove.dynamodb().oldImage()).containsEntry("plan", s("pro")).containsEntry("email", s("k@example.com"));
        assertThat(remove.dynamodb().newImage()).isEmpty();
        assertThat(remove.dynamodb().keys()).isEqualTo(key);
        // Sequence numbers grow within the shard (compared as numbers: they are 21+ digit strings).
        assertThat(new java.math.BigInteger(insert.dynamodb().sequenceNumber()))
                .isLessThan(new java.math.BigInteger(remove.dynamodb().sequenceNumber()));
    }

    @Test
    void usersTableHasItsStreamAndTtlEnabled(DynamoDbClient dynamoDb, LocalResources resources) {
        var table = dynamoDb.describeTable(r -> r.tableName(resources.usersTable())).table();
        assertThat(table.streamSpecification().streamEnabled()).isTrue();
        assertThat(table.streamSpecification().streamViewType()).isEqualTo(StreamViewType.NEW_AND_OLD_IMAGES);
        assertThat(table.latestStreamArn()).isEqualTo(resources.usersStreamArn());
        var ttl = dynamoDb.describeTimeToLive(r -> r.tableName(resources.usersTable())).timeToLiveDescription();
        assertThat(ttl.timeToLiveStatus()).isEqualTo(TimeToLiveStatus.ENABLED);
        assertThat(ttl.attributeName()).isEqualTo("expiresAt");
        var idempotencyTtl = dynamoDb.describeTimeToLive(r -> r.tableName(resources.idempotencyTable()))
                .timeToLiveDescription();
        assertThat(idempotencyTtl.timeToLiveStatus()).isEqualTo(TimeToLiveStatus.ENABLED);
        // Only the users table streams: derived tables must not feed the consumer.
        assertThat(dynamoDb.describeTable(r -> r.tableName(resources.userStatsTable())).table().streamSpecification())
                .isNull();
    }

    @Test
    void dynamoDbListensOnLoopbackOnly(LocalStack stack) throws IOException {
        int port = stack.dynamoDbEndpoint().getPort();
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", port), 2000);
        }
        List<InetAddress> external = new ArrayList<>();
        for (NetworkInterface nif : Collections.list(NetworkInterface.getNetworkInterfaces())) {
            if (nif.isUp() && !nif.isLoopback()) {
                Collections.list(nif.getInetAddresses()).stream().filter(a -> a instanceof Inet4Address)
                        .forEach(external::add);
            }
        }
        for (int p : new int[] {port, stack.sqsEndpoint().getPort(), stack.snsEndpoint().getPort()}) {
            for (InetAddress address : external) {
                try (Socket s = new Socket()) {
                    s.connect(new InetSocketAddress(address, p), 2000);
                    fail("port " + p + " answers on " + address + ": the stack must bind 127.0.0.1 only");
                } catch (IOException expected) {
                    // refused: not listening on that interface
                }
            }
        }
    }

    private static List<Record> readAll(DynamoDbStreamsClient streams, String streamArn, String userId) {
        List<Record> out = new ArrayList<>();
        List<Shard> shards = streams.describeStream(r -> r.streamArn(streamArn)).streamDescription().shards();
        for (Shard shard : shards) {
            String iterator = streams.getShardIterator(r -> r.streamArn(streamArn).shardId(shard.shardId())
                    .shardIteratorType(ShardIteratorType.TRIM_HORIZON)).shardIterator();
            for (int i = 0; i < 100 && iterator != null; i++) {
                String it = iterator;
                var page = streams.getRecords(r -> r.shardIterator(it).limit(1000));
                page.records().stream()
                        .filter(r -> s(userId).equals(r.dynamodb().keys().get("userId")))
                        .forEach(out::add);
                if (page.records().isEmpty()) {
                    break; // caught up with the open shard
                }
                iterator = page.nextShardIterator();
            }
        }
        return out;
    }

    private static AttributeValue s(String v) {
        return AttributeValue.fromS(v);
    }

    private static AttributeValue n(String v) {
        return AttributeValue.fromN(v);
    }
}
