package io.userstreams.testkit;

import io.userstreams.core.search.IndexDefinition;
import io.userstreams.core.search.OpenSearchIndexSink;
import io.userstreams.localstack.LocalResources;
import io.userstreams.localstack.LocalStack;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.DeleteRequest;
import software.amazon.awssdk.services.dynamodb.model.KeySchemaElement;
import software.amazon.awssdk.services.dynamodb.model.ScanResponse;
import software.amazon.awssdk.services.dynamodb.model.TableDescription;
import software.amazon.awssdk.services.dynamodb.model.WriteRequest;

/**
 * Resets the local stack's data between tests: the users table is recreated (a fresh stream, so
 * capture and replays see only this test's records), the other tables emptied, the queues purged
 * and the search index recreated from template.yaml (its delete tombstones go with it).
 */
final class LocalData {

    private LocalData() {
    }

    static void reset(LocalStack stack, List<String> queueUrls) {
        LocalResources res = stack.resources();
        DynamoDbClient ddb = stack.dynamoDb();
        recreate(ddb, res.usersTable());
        List<String> tables = new ArrayList<>(List.of(res.usersByEmailTable(), res.userStatsTable(), res.idempotencyTable()));
        res.mailSendsTable().ifPresent(tables::add);
        res.mailSuppressionTable().ifPresent(tables::add);
        for (String table : tables) {
            empty(ddb, table);
        }
        List<String> queues = new ArrayList<>(queueUrls);
        queues.add(res.deadLetterQueueUrl());
        res.welcomeQueueUrl().ifPresent(queues::add);
        res.queues().values().stream().filter(q -> q.endsWith("-dlq.fifo")).forEach(queues::add);
        if (stack.mailServer() != null) {
            stack.mailServer().purge();
            stack.sesServer().faults().clear();
        }
        for (String q : queues) {
            stack.sqs().purgeQueue(b -> b.queueUrl(q));
        }
        // Tests reuse user ids: their welcomes must not be taken for re-publishes by the FIFO topic.
        stack.snsServer().forgetDeduplication();
        if (stack.openSearchEnabled()) {
            var os = stack.openSearch();
            try {
                if (os.indices().exists(e -> e.index(res.openSearchIndex())).value()) {
                    os.indices().delete(d -> d.index(res.openSearchIndex()));
                }
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
            new OpenSearchIndexSink(os, IndexDefinition.fromTemplate().withName(res.openSearchIndex())).ensureIndex();
        }
    }

    /** Deletes and creates the table again with the same keys, stream and TTL. */
    static void recreate(DynamoDbClient ddb, String table) {
        TableDescription d = ddb.describeTable(b -> b.tableName(table)).table();
        var ttl = ddb.describeTimeToLive(b -> b.tableName(table)).timeToLiveDescription();
        ddb.deleteTable(b -> b.tableName(table));
        ddb.waiter().waitUntilTableNotExists(b -> b.tableName(table));
        ddb.createTable(b -> {
            b.tableName(table).keySchema(d.keySchema()).attributeDefinitions(d.attributeDefinitions())
                    .billingMode(software.amazon.awssdk.services.dynamodb.model.BillingMode.PAY_PER_REQUEST);
            if (d.streamSpecification() != null) {
                b.streamSpecification(d.streamSpecification());
            }
        });
        ddb.waiter().waitUntilTableExists(b -> b.tableName(table));
        if (ttl != null && ttl.attributeName() != null
                && "ENABLED".equals(ttl.timeToLiveStatusAsString())) {
            ddb.updateTimeToLive(b -> b.tableName(table).timeToLiveSpecification(s -> s.enabled(true)
                    .attributeName(ttl.attributeName())));
        }
    }

    /** Deletes every item. */
    static void empty(DynamoDbClient ddb, String table) {
        List<String> keys = ddb.describeTable(b -> b.tableName(table)).table().keySchema().stream()
                .map(KeySchemaElement::attributeName).toList();
        Map<String, AttributeValue> start = null;
        do {
            Map<String, AttributeValue> from = start;
            ScanResponse r = ddb.scan(b -> b.tableName(table).exclusiveStartKey(from));
            List<WriteRequest> deletes = new ArrayList<>();
            for (var item : r.items()) {
                Map<String, AttributeValue> key = new java.util.HashMap<>();
                keys.forEach(k -> key.put(k, item.get(k)));
                deletes.add(WriteRequest.builder().deleteRequest(DeleteRequest.builder().key(key).build()).build());
            }
            for (int i = 0; i < deletes.size(); i += 25) {
                List<WriteRequest> chunk = deletes.subList(i, Math.min(deletes.size(), i + 25));
                var resp = ddb.batchWriteItem(b -> b.requestItems(Map.of(table, chunk)));
                while (resp.hasUnprocessedItems() && !resp.unprocessedItems().isEmpty()) {
                    var left = resp.unprocessedItems();
                    resp = ddb.batchWriteItem(b -> b.requestItems(left));
                }
            }
            start = r.hasLastEvaluatedKey() && !r.lastEvaluatedKey().isEmpty() ? r.lastEvaluatedKey() : null;
        } while (start != null);
    }
}
