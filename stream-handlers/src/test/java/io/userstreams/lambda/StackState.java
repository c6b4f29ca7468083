package io.userstreams.lambda;

import com.amazonaws.services.lambda.runtime.events.DynamodbEvent;
import com.amazonaws.services.lambda.runtime.events.DynamodbEvent.DynamodbStreamRecord;
import com.amazonaws.services.lambda.runtime.events.transformers.v2.dynamodb.DynamodbRecordTransformer;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.userstreams.localstack.LocalResources;
import io.userstreams.localstack.LocalStack;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import org.opensearch.client.opensearch.OpenSearchClient;
import org.opensearch.client.opensearch.core.SearchResponse;
import org.opensearch.client.opensearch.core.search.Hit;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.Record;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.Message;
import software.amazon.awssdk.services.sqs.model.MessageSystemAttributeName;

/**
 * Test helpers over the shared local stack: wipe the product's data between tests, write the users
 * table as the fixtures describe it, and read back what the reactions produced.
 */
public final class StackState {

    static final ObjectMapper JSON = new ObjectMapper();

    final LocalStack stack;
    final LocalResources resources;
    final DynamoDbClient dynamoDb;
    final SqsClient sqs;

    public StackState(LocalStack stack) {
        this.stack = stack;
        this.resources = stack.resources();
        this.dynamoDb = stack.dynamoDb();
        this.sqs = stack.sqs();
    }

    /** The environment the handler gets in these tests: the stack's, plus a function name. */
    public Map<String, String> environment() {
        Map<String, String> env = new HashMap<>(stack.environment());
        env.put(StreamHandlerRuntime.FUNCTION_NAME, "user-streams-it");
        return env;
    }

    /**
     * Empties the tables, the dead-letter queue and the index. The index is dropped and re-created
     * rather than emptied: delete tombstones (gc_deletes 15d) would otherwise reject re-indexing the
     * same fixture users at the same external versions.
     */
    public void reset() {
        for (String table : List.of(resources.usersTable(), resources.usersByEmailTable(), resources.userStatsTable(),
                resources.idempotencyTable())) {
            clearTable(table);
        }
        sqs.purgeQueue(r -> r.queueUrl(resources.deadLetterQueueUrl()));
        // The fixtures' users are welcomed again in the next test: the FIFO topic must not drop them.
        stack.snsServer().forgetDeduplication();
        if (stack.openSearchEnabled()) {
            try {
                OpenSearchClient os = stack.openSearch();
                if (os.indices().exists(e -> e.index(resources.openSearchIndex())).value()) {
                    os.indices().delete(d -> d.index(resources.openSearchIndex()));
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            LocalResources.create(stack); // re-creates the index from template.yaml
        }
    }

    private void clearTable(String table) {
        String key = dynamoDb.describeTable(d -> d.tableName(table)).table().keySchema().get(0).attributeName();
        dynamoDb.scanPaginator(s -> s.tableName(table)).items().forEach(item ->
                dynamoDb.deleteItem(d -> d.tableName(table).key(Map.of(key, item.get(key)))));
    }

    /** A fresh queue subscribed to the welcome topic (SNS JSON envelope, as email consumers get it). */
    String subscribeWelcomeQueue() {
        return stack.subscribeQueue(resources.welcomeTopicArn(), "welcome-it-" + UUID.randomUUID().toString().substring(0, 8),
                false);
    }

    /**
     * Every message that arrives on the queue within {@code quiet} of the last one (first wait up to
     * {@code first}): enough to prove both "it arrived" and "nothing more arrived".
     */
    List<Message> drain(String queueUrl, Duration first, Duration quiet) {
        List<Message> all = new ArrayList<>();
        long deadline = System.nanoTime() + first.toNanos();
        while (System.nanoTime() < deadline) {
            List<Message> batch = sqs.receiveMessage(r -> r.queueUrl(queueUrl).maxNumberOfMessages(10).waitTimeSeconds(1)
                    .messageAttributeNames("All").messageSystemAttributeNames(MessageSystemAttributeName.ALL)).messages();
            if (!batch.isEmpty()) {
                all.addAll(batch);
                for (Message m : batch) {
                    sqs.deleteMessage(d -> d.queueUrl(queueUrl).receiptHandle(m.receiptHandle()));
                }
                deadline = Math.max(deadline, System.nanoTime() + quiet.toNanos());
            }
        }
        return all;
    }

    static JsonNode json(String text) {
        try {
            return JSON.readTree(text);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The userId attribute of a welcome notification (SNS envelope). */
    static String welcomeUserId(Message m) {
        return json(m.body()).at("/MessageAttributes/userId/Value").asText();
    }

    /** Writes the users table as the fixtures leave it: put each new image, delete on REMOVE, in order. */
    void applyToUsersTable(DynamodbEvent... events) {
        for (DynamodbEvent event : events) {
            for (DynamodbStreamRecord r : event.getRecords()) {
                Record v2 = DynamodbRecordTransformer.toRecordV2(r);
                if ("REMOVE".equals(r.getEventName())) {
                    dynamoDb.deleteItem(d -> d.tableName(resources.usersTable()).key(v2.dynamodb().keys()));
                } else {
                    dynamoDb.putItem(p -> p.tableName(resources.usersTable()).item(v2.dynamodb().newImage()));
                }
            }
        }
    }

    List<Map<String, AttributeValue>> scan(String table) {
        List<Map<String, AttributeValue>> items = new ArrayList<>();
        dynamoDb.scanPaginator(s -> s.tableName(table).consistentRead(true)).items().forEach(items::add);
        return items;
    }

    /** plan#x / country#x counts computed from the users table, the way user_stats should hold them. */
    public Map<String, Long> statsFromUsersTable() {
        Map<String, Long> counts = new TreeMap<>();
        for (Map<String, AttributeValue> user : scan(resources.usersTable())) {
            counts.merge("plan#" + user.get("plan").s(), 1L, Long::sum);
            counts.merge("country#" + user.get("country").s(), 1L, Long::sum);
        }
        return counts;
    }

    /** user_stats as statKey → count, without zero counters (a counter that went back to 0 may stay). */
    public Map<String, Long> userStats() {
        Map<String, Long> stats = new TreeMap<>();
        for (Map<String, AttributeValue> item : scan(resources.userStatsTable())) {
            long count = Long.parseLong(item.get("count").n());
            if (count != 0) {
                stats.put(item.get("statKey").s(), count);
            }
        }
        return stats;
    }

    /** The users table as the search documents should look: userId → fields. */
    Map<String, Map<String, String>> usersAsDocuments() {
        Map<String, Map<String, String>> docs = new TreeMap<>();
        for (Map<String, AttributeValue> item : scan(resources.usersTable())) {
            Map<String, String> fields = new TreeMap<>();
            item.forEach((name, value) -> fields.put(name, value.s() != null ? value.s() : value.n()));
            docs.put(item.get("userId").s(), fields);
        }
        return docs;
    }

    /**
     * The index as searches see it (the live alias: tombstones of deleted users hidden): document id →
     * fields (as strings, to compare with the table; {@code changedAt} bookkeeping left out), plus
     * each document's version.
     */
    Map<String, Map<String, String>> indexDocuments(Map<String, Long> versions) {
        try {
            OpenSearchClient os = stack.openSearch();
            os.indices().refresh(r -> r.index(resources.openSearchIndex()));
            SearchResponse<ObjectNode> response = os.search(s -> s.index(resources.openSearchIndex() + "-live").size(1000)
                    .version(true), ObjectNode.class);
            Map<String, Map<String, String>> docs = new TreeMap<>();
            for (Hit<ObjectNode> hit : response.hits().hits()) {
                Map<String, String> fields = new TreeMap<>();
                hit.source().fields().forEachRemaining(e -> fields.put(e.getKey(), e.getValue().asText()));
                fields.remove("changedAt");
                docs.put(hit.id(), fields);
                if (hit.version() != null) {
                    versions.put(hit.id(), hit.version());
                }
            }
            return docs;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** users_by_email as email → userId. */
    Map<String, String> emailIndex() {
        Map<String, String> index = new TreeMap<>();
        for (Map<String, AttributeValue> item : scan(resources.usersByEmailTable())) {
            index.put(item.get("email").s(), item.get("userId").s());
        }
        return index;
    }

    /** The dead-letter queue's messages as JSON, keyed by eventId. */
    Map<String, JsonNode> deadLetters(Duration first, Duration quiet) {
        Map<String, JsonNode> letters = new LinkedHashMap<>();
        for (Message m : drain(resources.deadLetterQueueUrl(), first, quiet)) {
            JsonNode body = json(m.body());
            letters.put(body.path("eventId").asText(), body);
        }
        return letters;
    }
}
