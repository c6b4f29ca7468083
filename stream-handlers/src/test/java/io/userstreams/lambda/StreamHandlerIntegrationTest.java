package io.userstreams.lambda;

import static org.assertj.core.api.Assertions.assertThat;

import com.amazonaws.services.lambda.runtime.events.DynamodbEvent;
import com.amazonaws.services.lambda.runtime.events.DynamodbEvent.DynamodbStreamRecord;
import com.amazonaws.services.lambda.runtime.events.StreamsEventResponse;
import com.amazonaws.services.lambda.runtime.events.StreamsEventResponse.BatchItemFailure;
import com.amazonaws.services.lambda.runtime.tests.EventLoader;
import com.fasterxml.jackson.databind.JsonNode;
import io.userstreams.localstack.LocalStack;
import io.userstreams.localstack.LocalStackExtension;
import io.userstreams.localsns.SnsFault;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import software.amazon.awssdk.services.sqs.model.Message;

/**
 * The Lambda handler against the real local stack (the local DynamoDB, ElasticMQ, the SNS endpoint, an
 * OpenSearch node), fed the Lambda-format fixtures under src/test/resources/events.
 */
@ExtendWith(LocalStackExtension.class)
class StreamHandlerIntegrationTest {

    static final Duration FIRST = Duration.ofSeconds(5);
    static final Duration QUIET = Duration.ofSeconds(2);

    final StackState state;
    final List<StreamHandlerRuntime> runtimes = new ArrayList<>();

    StreamHandlerIntegrationTest(LocalStack stack) {
        this.state = new StackState(stack);
    }

    @BeforeEach
    void reset() {
        state.stack.snsServer().faults().clear();
        state.reset();
    }

    @AfterEach
    void closeRuntimes() throws Exception {
        state.stack.snsServer().faults().clear();
        for (StreamHandlerRuntime r : runtimes) {
            r.close();
        }
    }

    UserStreamHandler handler(Map<String, String> env) {
        StreamHandlerRuntime runtime = StreamHandlerRuntime.fromEnvironment(env);
        runtimes.add(runtime);
        return new UserStreamHandler(runtime);
    }

    UserStreamHandler handler() {
        return handler(state.environment());
    }

    static DynamodbEvent event(String name) {
        return EventLoader.loadDynamoDbEvent("events/" + name);
    }

    static List<String> failures(StreamsEventResponse response) {
        return response.getBatchItemFailures().stream().map(BatchItemFailure::getItemIdentifier).toList();
    }

    static Map<String, Integer> countByUser(List<Message> messages) {
        Map<String, Integer> counts = new TreeMap<>();
        for (Message m : messages) {
            counts.merge(StackState.welcomeUserId(m), 1, Integer::sum);
        }
        return counts;
    }

    @Test
    void theSameBatchDeliveredThreeTimesSendsExactlyOneWelcomePerNewUser() {
        String queue = state.subscribeWelcomeQueue();
        UserStreamHandler handler = handler();

        for (int delivery = 1; delivery <= 3; delivery++) {
            assertThat(failures(handler.handleRequest(event("inserts.json"), null))).as("delivery %d", delivery).isEmpty();
        }

        List<Message> welcomes = state.drain(queue, FIRST, QUIET);
        assertThat(countByUser(welcomes)).containsExactlyInAnyOrderEntriesOf(Map.of(
                "u-1001", 1, "u-1002", 1, "u-1003", 1, "u-1004", 1, "u-1005", 1));
        JsonNode korean = welcomes.stream().map(m -> StackState.json(m.body()))
                .filter(n -> n.at("/MessageAttributes/userId/Value").asText().equals("u-1001")).findFirst().orElseThrow();
        assertThat(korean.at("/MessageAttributes/locale/Value").asText()).isEqualTo("ko");
        assertThat(korean.at("/MessageAttributes/email/Value").asText()).isEqualTo("kim.minji@example.com");
        assertThat(korean.at("/MessageAttributes/eventType/Value").asText()).isNotBlank();
        assertThat(korean.get("Message").asText()).isNotBlank();
    }

    @Test
    void aBatchHoldingTheSameInsertsTwiceSendsOneWelcomePerUser() {
        String queue = state.subscribeWelcomeQueue();
        UserStreamHandler handler = handler();

        // The same two records twice in one delivery (same eventIDs and sequence numbers), then again.
        assertThat(failures(handler.handleRequest(event("duplicated-batch.json"), null))).isEmpty();
        assertThat(failures(handler.handleRequest(event("duplicated-batch.json"), null))).isEmpty();

        assertThat(countByUser(state.drain(queue, FIRST, QUIET))).isEqualTo(Map.of("u-3001", 1, "u-3002", 1));
        assertThat(state.effects.nonZeroStats()).containsEntry("plan#pro", 1L).containsEntry("plan#free", 1L)
                .containsEntry("country#JP", 1L).containsEntry("country#KR", 1L);
    }

    @Test
    void derivedTablesAndTheIndexEqualTheUsersTableThroughTheWholeLifecycle() {
        List<DynamodbEvent> lifecycle = List.of(event("inserts.json"), event("updates.json"), event("email-change.json"),
                event("delete.json"), event("ttl-expiry.json"));
        state.applyToUsersTable(lifecycle.toArray(DynamodbEvent[]::new));
        UserStreamHandler handler = handler();

        // Delivered twice end to end: counters, email index and documents must not move on the replay.
        for (int round = 1; round <= 2; round++) {
            for (DynamodbEvent e : lifecycle) {
                assertThat(failures(handler.handleRequest(e, null))).as("round %d", round).isEmpty();
            }
        }

        Map<String, Long> expectedStats = new TreeMap<>(state.effects.expectedCounts());
        expectedStats.put("total#deleted", 1L);
        expectedStats.put("total#expired", 1L);
        assertThat(state.effects.nonZeroStats()).isEqualTo(expectedStats);

        Map<String, Map<String, String>> table = state.usersAsDocuments();
        assertThat(table).containsOnlyKeys("u-1001", "u-1002", "u-1003");
        Map<String, String> expectedEmails = new TreeMap<>();
        table.forEach((id, fields) -> expectedEmails.put(fields.get("email"), id));
        assertThat(state.effects.usersByEmail()).as("users_by_email, old address of the email change gone").isEqualTo(expectedEmails);

        Map<String, Long> versions = new HashMap<>();
        assertThat(state.indexDocuments(versions)).as("the index, item for item").isEqualTo(table);
        // External version = createdAt millis * 2^20 + the item's version (core ExternalVersions).
        table.forEach((id, fields) -> assertThat(versions.get(id)).as("version of %s", id)
                .isEqualTo((java.time.Instant.parse(fields.get("createdAt")).toEpochMilli() << 20)
                        + Long.parseLong(fields.get("version"))));

        // An old batch replayed after the delete and the expiry never brings those users back.
        assertThat(failures(handler.handleRequest(event("inserts.json"), null))).isEmpty();
        assertThat(state.indexDocuments(new HashMap<>())).containsOnlyKeys("u-1001", "u-1002", "u-1003");
        assertThat(state.effects.nonZeroStats()).isEqualTo(expectedStats);
    }

    @Test
    void poisonRecordsGoToTheDeadLetterQueueWithTheirReasonAndTheRecordsAfterThemAreProcessed() {
        String queue = state.subscribeWelcomeQueue();
        DynamodbEvent event = event("malformed.json");

        StreamsEventResponse response = handler().handleRequest(event, null);

        assertThat(failures(response)).isEmpty();
        Map<String, JsonNode> letters = state.deadLetters(FIRST, QUIET);
        assertThat(letters).containsOnlyKeys("bad-missing-keys", "bad-wrong-types", "bad-invalid-email",
                "bad-untyped-attribute");
        for (Map.Entry<String, JsonNode> e : letters.entrySet()) {
            JsonNode letter = e.getValue();
            assertThat(letter.path("error").asText()).as(e.getKey()).isNotBlank();
            // A record without its key is refused once (validation); a bad field value by each reaction using it.
            assertThat(letter.path("reaction").asText()).as(e.getKey()).isIn("validation", "conversion",
                    "welcome-email", "derived-tables", "search-index");
            assertThat(letter.path("sequenceNumber").asText()).as(e.getKey()).isEqualTo(sequenceOf(event, e.getKey()));
        }
        assertThat(letters.get("bad-invalid-email").path("error").asText()).containsIgnoringCase("email");
        assertThat(letters.get("bad-untyped-attribute").path("reaction").asText()).isEqualTo("conversion");
        assertThat(letters.get("bad-untyped-attribute").path("rawRecord").isObject()).isTrue();

        // The good records on both sides of the poison ones were applied by every reaction.
        assertThat(state.effects.usersByEmail()).containsEntry("before@example.com", "u-2001").containsEntry("after@example.com", "u-2005")
                .hasSize(2);
        assertThat(countByUser(state.drain(queue, FIRST, QUIET))).isEqualTo(Map.of("u-2001", 1, "u-2005", 1));
        assertThat(state.indexDocuments(new HashMap<>())).containsOnlyKeys("u-2001", "u-2005");
        assertThat(state.effects.nonZeroStats()).containsEntry("plan#free", 1L).containsEntry("plan#enterprise", 1L)
                .containsEntry("country#DE", 1L).containsEntry("country#KR", 1L);
    }

    @Test
    void withoutDeadLetterQueueUrlTheLocalQueueIsFoundByName() {
        Map<String, String> env = state.environment();
        env.remove("DEAD_LETTER_QUEUE_URL");
        env.put("REACTIONS", "derived-tables");

        assertThat(failures(handler(env).handleRequest(event("malformed.json"), null))).isEmpty();

        assertThat(state.deadLetters(FIRST, QUIET)).containsOnlyKeys("bad-missing-keys", "bad-wrong-types",
                "bad-invalid-email", "bad-untyped-attribute");
    }

    static String sequenceOf(DynamodbEvent event, String eventId) {
        return event.getRecords().stream().filter(r -> eventId.equals(r.getEventID())).findFirst()
                .map(r -> r.getDynamodb().getSequenceNumber()).orElseThrow();
    }

    @Test
    void whenSnsIsDownTheFirstRecordItBlocksIsTheBatchItemFailureAndRedeliveryFinishesTheJob() {
        String queue = state.subscribeWelcomeQueue();
        Map<String, String> env = state.environment();
        // The fixture events are days old: parking (for records near the stream's 24 h retention)
        // would take them out of the failure path this test is about.
        env.put(Parking.PARK_AFTER_SECONDS, "0");
        UserStreamHandler handler = handler(env);
        // A batch whose first records need no email (an update and a delete), then two inserts.
        DynamodbEvent batch = new DynamodbEvent();
        List<DynamodbStreamRecord> records = new ArrayList<>();
        records.add(event("updates.json").getRecords().get(0));
        records.add(event("delete.json").getRecords().get(0));
        records.addAll(event("duplicated-batch.json").getRecords().subList(0, 2));
        batch.setRecords(records);
        state.stack.snsServer().faults().failAll(SnsFault.UNAVAILABLE);

        StreamsEventResponse response = handler.handleRequest(batch, null);

        String firstInsert = records.get(2).getDynamodb().getSequenceNumber();
        assertThat(failures(response)).as("fail fast: only the first blocked record").containsExactly(firstInsert);
        assertThat(state.deadLetters(Duration.ofSeconds(1), Duration.ofMillis(500)))
                .as("a sink outage is not the records' fault").isEmpty();

        // Lambda redelivers from the failed record once SNS is back.
        state.stack.snsServer().faults().clear();
        DynamodbEvent redelivery = new DynamodbEvent();
        redelivery.setRecords(records.subList(2, 4));
        assertThat(failures(handler.handleRequest(redelivery, null))).isEmpty();
        assertThat(countByUser(state.drain(queue, FIRST, QUIET))).isEqualTo(Map.of("u-3001", 1, "u-3002", 1));
    }

    @Test
    void whenTheSearchEndpointIsUnreachableTheFirstRecordIsTheBatchItemFailure() {
        Map<String, String> env = state.environment();
        // The fixture events are days old: parking (for records near the stream's 24 h retention)
        // would take them out of the failure path this test is about.
        env.put(Parking.PARK_AFTER_SECONDS, "0");
        env.put("OPENSEARCH_ENDPOINT", "http://127.0.0.1:9"); // discard port: connection refused
        env.put("REACTIONS", "search-index");
        DynamodbEvent event = event("inserts.json");

        StreamsEventResponse response = handler(env).handleRequest(event, null);

        assertThat(failures(response)).containsExactly(event.getRecords().get(0).getDynamodb().getSequenceNumber());
        assertThat(state.deadLetters(Duration.ofSeconds(1), Duration.ofMillis(500))).isEmpty();
    }
}
