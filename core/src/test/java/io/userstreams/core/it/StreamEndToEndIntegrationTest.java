package io.userstreams.core.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.userstreams.core.UserStreamsCore;
import io.userstreams.core.change.ChangeKind;
import io.userstreams.core.change.ChangeRecord;
import io.userstreams.core.change.StreamRecordConverter;
import io.userstreams.core.processing.BatchOutcome;
import io.userstreams.core.search.SearchIndexReaction;
import io.userstreams.core.user.User;
import io.userstreams.core.user.UserItems;
import io.userstreams.localstack.LocalStack;
import io.userstreams.localstack.LocalStackExtension;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.opensearch.client.opensearch.OpenSearchClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.Record;
import software.amazon.awssdk.services.dynamodb.model.Shard;
import software.amazon.awssdk.services.dynamodb.model.ShardIteratorType;
import software.amazon.awssdk.services.dynamodb.streams.DynamoDbStreamsClient;

/**
 * Real writes to the users table → real local DynamoDB stream records → converter → all three
 * reactions → the sinks equal the table, delivered three times.
 */
@ExtendWith(LocalStackExtension.class)
class StreamEndToEndIntegrationTest {

    static List<ChangeRecord> readStream(LocalStack stack, String prefix) {
        DynamoDbStreamsClient streams = stack.dynamoDbStreams();
        String arn = stack.resources().usersStreamArn();
        List<ChangeRecord> out = new ArrayList<>();
        for (Shard shard : streams.describeStream(r -> r.streamArn(arn)).streamDescription().shards()) {
            String iterator = streams.getShardIterator(r -> r.streamArn(arn).shardId(shard.shardId())
                    .shardIteratorType(ShardIteratorType.TRIM_HORIZON)).shardIterator();
            for (int polls = 0; iterator != null && polls < 50; polls++) {
                String it = iterator;
                var response = streams.getRecords(r -> r.shardIterator(it).limit(1000));
                for (Record r : response.records()) {
                    if (r.dynamodb().keys().get("userId").s().startsWith(prefix)) {
                        out.add(StreamRecordConverter.convert(r, shard.shardId()));
                    }
                }
                if (response.records().isEmpty()) {
                    break;
                }
                iterator = response.nextShardIterator();
            }
        }
        return out;
    }

    @Test
    void sinksEqualTheTableAfterTheStreamIsDeliveredThreeTimes(LocalStack stack, OpenSearchClient search)
            throws Exception {
        String run = ItSupport.unique("e2e");
        String queue = stack.subscribeQueue(stack.resources().welcomeTopicArn(), ItSupport.unique("e2e-welcome"), true);
        var ddb = stack.dynamoDb();
        String table = stack.resources().usersTable();
        Instant created = Instant.now().truncatedTo(ChronoUnit.MILLIS);
        List<User> users = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            User u = new User(run + "-" + i, run + "-" + i + "@example.com", "User " + i, i % 2 == 0 ? "free" : "pro",
                    "TV", i % 2 == 0 ? "ko" : "en-US", created, 1, OptionalLong.empty());
            users.add(u);
            ddb.putItem(r -> r.tableName(table).item(UserItems.toItem(u)));
        }
        User changedEmail = users.get(1).withEmail(run + "-1@new.example.com").withVersion(2);
        ddb.putItem(r -> r.tableName(table).item(UserItems.toItem(changedEmail)));
        User changedPlan = users.get(2).withPlan("enterprise").withVersion(2);
        ddb.putItem(r -> r.tableName(table).item(UserItems.toItem(changedPlan)));
        ddb.deleteItem(r -> r.tableName(table).key(UserItems.key(users.get(3).userId())));

        List<ChangeRecord> records = readStream(stack, run);
        assertThat(records).extracting(ChangeRecord::kind).containsExactly(ChangeKind.INSERT, ChangeKind.INSERT,
                ChangeKind.INSERT, ChangeKind.INSERT, ChangeKind.INSERT, ChangeKind.INSERT, ChangeKind.MODIFY,
                ChangeKind.MODIFY, ChangeKind.REMOVE);
        assertThat(records.get(8).ttlExpiry()).isFalse();

        try (UserStreamsCore core = ItSupport.core(stack, Map.of(), b -> { })) {
            for (int i = 0; i < 3; i++) {
                BatchOutcome outcome = core.processor().process(records);
                assertThat(outcome.isComplete()).isTrue();
                assertThat(outcome.deadLettered()).isZero();
            }
        }

        // The table as it is now, our users only.
        Map<String, Map<String, AttributeValue>> items = new HashMap<>();
        ddb.scanPaginator(r -> r.tableName(table)).items().forEach(i -> {
            if (i.get("userId").s().startsWith(run)) {
                items.put(i.get("userId").s(), i);
            }
        });
        assertThat(items).hasSize(5);

        // users_by_email: every live user's email, and nothing for the old or deleted addresses.
        String byEmail = stack.resources().usersByEmailTable();
        for (var item : items.values()) {
            var mapping = ddb.getItem(r -> r.tableName(byEmail).key(Map.of("email", item.get("email")))).item();
            assertThat(mapping.get("userId")).isEqualTo(item.get("userId"));
        }
        for (String gone : List.of(users.get(1).email(), users.get(3).email())) {
            assertThat(ddb.getItem(r -> r.tableName(byEmail).key(Map.of("email", AttributeValue.fromS(gone)))).item())
                    .isEmpty();
        }
        // user_stats for this run's country equals a count from the table.
        var stat = ddb.getItem(r -> r.tableName(stack.resources().userStatsTable())
                .key(Map.of("statKey", AttributeValue.fromS("country#TV")))).item();
        assertThat(Long.parseLong(stat.get("count").n())).isEqualTo(items.size());

        // The index equals the table, item for item.
        search.indices().refresh(r -> r.index(stack.resources().openSearchIndex()));
        for (var item : items.values()) {
            @SuppressWarnings("rawtypes")
            var doc = search.get(g -> g.index(stack.resources().openSearchIndex()).id(item.get("userId").s()), Map.class);
            assertThat(doc.found()).isTrue();
            Map<String, Object> expected = SearchIndexReaction.document(UserItems.fromItem(item));
            assertThat(doc.source()).hasSize(expected.size() + 1).containsKey("changedAt"); // + the change's time
            expected.forEach((k, v) -> assertThat(String.valueOf(doc.source().get(k))).as(k).isEqualTo(String.valueOf(v)));
        }
        // The deleted user is a tombstone, hidden from searches.
        assertThat(SearchIndexIntegrationTest.doc(search, stack.resources().openSearchIndex(), users.get(3).userId()))
                .isNull();
        assertThat(SearchIndexIntegrationTest.searchable(search, stack.resources().openSearchIndex(),
                users.get(3).userId())).isFalse();

        // One welcome per created user, however often the stream was delivered.
        assertThat(ItSupport.drain(stack.sqs(), queue, Duration.ofSeconds(2))).hasSize(6);
    }
}
