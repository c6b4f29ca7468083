package io.userstreams.lambda;

import com.amazonaws.services.lambda.runtime.events.DynamodbEvent;
import com.amazonaws.services.lambda.runtime.events.DynamodbEvent.DynamodbStreamRecord;
import com.amazonaws.services.lambda.runtime.events.transformers.v2.dynamodb.DynamodbRecordTransformer;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.userstreams.core.effects.EffectsReader;
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
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.Record;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.Message;
import software.amazon.awssdk.services.sqs.model.MessageSystemAttributeName;

/**
 * Test helpers over the shared local stack: wipe the product's data between tests, write the users
 * table as the fixtures describe it, drain queues. What the reactions produced is read back by
 * core's shared {@link EffectsReader} ({@link #effects}).
 */
public final class StackState {

    static final ObjectMapper JSON = new ObjectMapper();

    final LocalStack stack;
    final LocalResources resources;
    final DynamoDbClient dynamoDb;
    final SqsClient sqs;
    /** What the reactions wrote, read back: the reader test-kit and the other suites share. */
    public final EffectsReader effects;

    public StackState(LocalStack stack) {
        this.stack = stack;
        this.resources = stack.resources();
        this.dynamoDb = stack.dynamoDb();
        this.sqs = stack.sqs();
        this.effects = EffectsReader.of(dynamoDb, stack.openSearchEnabled() ? stack.openSearch() : null,
                io.userstreams.core.config.CoreSettings.fromEnvironment(stack.environment()));
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

    /**
     * The users table as the search documents should look: userId → fields as strings (the shared
     * reader's scan; the comparison form is this test's own).
     */
    Map<String, Map<String, String>> usersAsDocuments() {
        Map<String, Map<String, String>> docs = new TreeMap<>();
        for (Map<String, AttributeValue> item : effects.scan(resources.usersTable())) {
            Map<String, String> fields = new TreeMap<>();
            item.forEach((name, value) -> fields.put(name, value.s() != null ? value.s() : value.n()));
            docs.put(item.get("userId").s(), fields);
        }
        return docs;
    }

    /**
     * The index's live documents (the shared reader's, tombstones left out) in the same form:
     * document id → fields as strings, {@code changedAt} bookkeeping left out; versions filled in.
     */
    Map<String, Map<String, String>> indexDocuments(Map<String, Long> versions) {
        Map<String, Map<String, String>> docs = new TreeMap<>();
        effects.indexedUsers().forEach((id, doc) -> {
            Map<String, String> fields = new TreeMap<>();
            doc.source().forEach((k, v) -> fields.put(k, String.valueOf(v)));
            fields.remove("changedAt");
            docs.put(id, fields);
            if (doc.version() != null) {
                versions.put(id, doc.version());
            }
        });
        return docs;
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
