package io.userstreams.mail;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.GetRecordsResponse;
import software.amazon.awssdk.services.dynamodb.model.Record;
import software.amazon.awssdk.services.dynamodb.model.Shard;
import software.amazon.awssdk.services.dynamodb.model.ShardIteratorType;
import software.amazon.awssdk.services.dynamodb.streams.DynamoDbStreamsClient;

/** Reads what the users table's stream has that this reader has not returned yet (every shard, in order). */
final class UsersStream {

    private final DynamoDbStreamsClient streams;
    final String streamArn;
    private final Map<String, String> lastSequence = new HashMap<>();

    UsersStream(DynamoDbClient dynamoDb, DynamoDbStreamsClient streams, String usersTable) {
        this.streams = streams;
        // The test kit recreates the users table per test: its stream ARN changes with it.
        this.streamArn = dynamoDb.describeTable(r -> r.tableName(usersTable)).table().latestStreamArn();
    }

    List<Record> readNew() {
        List<Record> out = new ArrayList<>();
        for (Shard shard : streams.describeStream(r -> r.streamArn(streamArn)).streamDescription().shards()) {
            String after = lastSequence.get(shard.shardId());
            String iterator = streams.getShardIterator(r -> {
                r.streamArn(streamArn).shardId(shard.shardId());
                if (after == null) {
                    r.shardIteratorType(ShardIteratorType.TRIM_HORIZON);
                } else {
                    r.shardIteratorType(ShardIteratorType.AFTER_SEQUENCE_NUMBER).sequenceNumber(after);
                }
            }).shardIterator();
            while (iterator != null) {
                String it = iterator;
                GetRecordsResponse page = streams.getRecords(r -> r.shardIterator(it).limit(1000));
                if (page.records().isEmpty()) {
                    break;
                }
                out.addAll(page.records());
                lastSequence.put(shard.shardId(), page.records().get(page.records().size() - 1).dynamodb().sequenceNumber());
                iterator = page.nextShardIterator();
            }
        }
        return out;
    }
}
