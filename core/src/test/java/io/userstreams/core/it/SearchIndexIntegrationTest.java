package io.userstreams.core.it;

import static io.userstreams.core.Fixtures.insert;
import static io.userstreams.core.Fixtures.modify;
import static io.userstreams.core.Fixtures.remove;
import static io.userstreams.core.Fixtures.user;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.userstreams.core.UserStreamsCore;
import io.userstreams.core.change.ChangeRecord;
import io.userstreams.core.processing.BatchOutcome;
import io.userstreams.core.search.ExternalVersions;
import io.userstreams.core.user.User;
import io.userstreams.localstack.LocalStack;
import io.userstreams.localstack.LocalStackExtension;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.opensearch.client.opensearch.OpenSearchClient;
import org.opensearch.client.opensearch.core.GetResponse;
import org.opensearch.client.opensearch.generic.Body;
import org.opensearch.client.opensearch.generic.Requests;
import software.amazon.awssdk.services.sqs.model.Message;

/** The users index on a real OpenSearch node: external versions, tombstones, per-item statuses. */
@ExtendWith(LocalStackExtension.class)
class SearchIndexIntegrationTest {

    static String index() {
        return ItSupport.unique("users-it").toLowerCase(Locale.ROOT);
    }

    static Map<String, String> searchOnly(String index) {
        return Map.of("REACTIONS", "search-index", "OPENSEARCH_INDEX", index);
    }

    /** The user's live document, or null when there is none or it is a tombstone (the user was deleted). */
    @SuppressWarnings({"rawtypes", "unchecked"})
    static Map<String, Object> doc(OpenSearchClient client, String index, String id) throws Exception {
        GetResponse<Map> r = client.get(g -> g.index(index).id(id), Map.class);
        Map<String, Object> source = r.found() ? (Map<String, Object>) r.source() : null;
        return source == null || Boolean.TRUE.equals(source.get("deleted")) ? null : source;
    }

    /** Whether a search (what users of the index do) finds the user: through the live alias when there is one. */
    static boolean searchable(OpenSearchClient client, String index, String userId) throws Exception {
        client.indices().refresh(r -> r.index(index));
        boolean alias = client.indices().existsAlias(a -> a.name(index + "-live")).value();
        String target = alias ? index + "-live" : index;
        var hits = client.search(s -> s.index(target).query(q -> q.term(t -> t.field("userId").value(v -> v.stringValue(userId)))),
                Map.class).hits();
        return hits.total().value() > 0;
    }

    static long version(OpenSearchClient client, String index, String id) throws Exception {
        return client.get(g -> g.index(index).id(id), Map.class).version();
    }

    static JsonNode get(OpenSearchClient client, String path) throws Exception {
        try (var r = client.generic().execute(Requests.builder().method("GET").endpoint(path).build())) {
            return ItSupport.json(r.getBody().map(Body::bodyAsString).orElse("{}"));
        }
    }

    @Test
    void createsTheIndexFromTheTemplateWhenMissing(LocalStack stack, OpenSearchClient client) throws Exception {
        String index = index();
        try (UserStreamsCore core = ItSupport.core(stack, searchOnly(index), b -> { })) {
            core.ensureSearchIndex();
            core.ensureSearchIndex(); // idempotent
        }
        JsonNode settings = get(client, "/" + index + "/_settings");
        assertThat(settings.at("/" + index + "/settings/index/gc_deletes").asText()).isEqualTo("15d");
        JsonNode mapping = get(client, "/" + index + "/_mapping");
        assertThat(mapping.at("/" + index + "/mappings/dynamic").asText()).isEqualTo("strict");
        assertThat(mapping.at("/" + index + "/mappings/properties/email/type").asText()).isEqualTo("keyword");
    }

    @Test
    void olderOrRepeatedRecordsNeverOverwriteAndAReplayAfterDeleteDoesNotResurrect(LocalStack stack,
                                                                                    OpenSearchClient client) throws Exception {
        String index = index();
        String run = ItSupport.unique("s");
        User v1 = user(run + "-kim", "kim@example.com", "free", "KR", "ko");
        User v2 = v1.withPlan("pro").withVersion(2);
        User v3 = v2.withEmail("kim@new.example.com").withVersion(3);
        User other = user(run + "-lee");
        List<ChangeRecord> history = List.of(insert(v1), modify(v1, v2), modify(v2, v3), insert(other));
        try (UserStreamsCore core = ItSupport.core(stack, searchOnly(index), b -> { })) {
            assertThat(core.processor().process(history).isComplete()).isTrue();
            assertThat(doc(client, index, v1.userId())).containsEntry("email", "kim@new.example.com")
                    .containsEntry("plan", "pro").containsEntry("createdAt", v1.createdAt().toString());
            assertThat(version(client, index, v1.userId())).isEqualTo(ExternalVersions.of(v3));

            // Older and repeated records: 409 per item, counted as done, nothing dead-lettered.
            BatchOutcome replay = core.processor().process(history.subList(0, 3));
            assertThat(replay.isComplete()).isTrue();
            assertThat(replay.deadLettered()).isZero();
            assertThat(doc(client, index, v1.userId())).containsEntry("email", "kim@new.example.com");

            assertThat(core.processor().process(List.of(remove(v3))).isComplete()).isTrue();
            assertThat(doc(client, index, v1.userId())).isNull();

            // Replaying the whole old batch after the delete does not bring the user back.
            assertThat(core.processor().process(history).isComplete()).isTrue();
            assertThat(doc(client, index, v1.userId())).isNull();
            assertThat(doc(client, index, other.userId())).isNotNull();

            // A user created again (later createdAt) is indexed again.
            User again = new User(v1.userId(), "kim@again.example.com", "Kim", "free", "KR", "ko",
                    v1.createdAt().plusSeconds(3600), 1, v1.expiresAt());
            assertThat(core.processor().process(List.of(insert(again))).isComplete()).isTrue();
            assertThat(doc(client, index, v1.userId())).containsEntry("email", "kim@again.example.com");
        }
    }

    @Test
    void itemsWithoutVersionAreIndexedAndUpdated(LocalStack stack, OpenSearchClient client) throws Exception {
        String index = index();
        User a = user(ItSupport.unique("nv")).withVersion(User.NO_VERSION);
        User b = a.withPlan("enterprise");
        try (UserStreamsCore core = ItSupport.core(stack, searchOnly(index), x -> { })) {
            ChangeRecord created = insert(a);
            assertThat(core.processor().process(List.of(created, modify(a, b))).isComplete()).isTrue();
            assertThat(doc(client, index, a.userId())).containsEntry("plan", "enterprise").containsEntry("version", 0);
            assertThat(core.processor().process(List.of(remove(b), created)).isComplete()).isTrue();
            assertThat(doc(client, index, a.userId())).isNull();
        }
    }

    @Test
    void aDocumentTheIndexRejectsIsDeadLetteredAndTheOthersAreIndexed(LocalStack stack, OpenSearchClient client)
            throws Exception {
        String index = index();
        // An index whose mapping cannot take a user's name: every document is rejected with a 400.
        try (var r = client.generic().execute(Requests.builder().method("PUT").endpoint("/" + index)
                .json("{\"mappings\":{\"properties\":{\"name\":{\"type\":\"long\"}}}}").build())) {
            assertThat(r.getStatus()).isEqualTo(200);
        }
        String queue = stack.sqs().createQueue(q -> q.queueName(ItSupport.unique("search-dlq"))).queueUrl();
        User bad = user(ItSupport.unique("bad"));
        User good = new User(ItSupport.unique("good"), "g@example.com", "12345", "free", "KR", "ko",
                bad.createdAt(), 1, bad.expiresAt());
        Map<String, String> env = new java.util.HashMap<>(searchOnly(index));
        env.put("DEAD_LETTER_QUEUE_URL", queue);
        try (UserStreamsCore core = ItSupport.core(stack, env, x -> { })) {
            BatchOutcome outcome = core.processor().process(List.of(insert(bad), insert(good)));
            assertThat(outcome.isComplete()).isTrue();
            assertThat(outcome.deadLettered()).isEqualTo(1);
        }
        assertThat(doc(client, index, good.userId())).containsEntry("name", "12345");
        List<Message> letters = ItSupport.drain(stack.sqs(), queue, Duration.ofSeconds(1));
        assertThat(letters).hasSize(1);
        JsonNode letter = ItSupport.json(letters.get(0).body());
        assertThat(letter.path("reaction").asText()).isEqualTo("search-index");
        assertThat(letter.path("errorType").asText()).endsWith("parsing_exception");
        assertThat(letter.path("attempts").asInt()).isEqualTo(3);
        assertThat(letter.path("error").asText()).contains(bad.userId()).contains("400");
    }

    @Test
    void openSearchDownIsSystemicAndNotDeadLettered(LocalStack stack) {
        String queue = stack.sqs().createQueue(q -> q.queueName(ItSupport.unique("down-dlq"))).queueUrl();
        Map<String, String> env = Map.of("REACTIONS", "search-index", "OPENSEARCH_ENDPOINT", "http://127.0.0.1:9",
                "DEAD_LETTER_QUEUE_URL", queue);
        List<ChangeRecord> batch = List.of(insert(user(ItSupport.unique("x"))));
        try (UserStreamsCore core = ItSupport.core(stack, env, x -> { })) {
            BatchOutcome outcome = core.processor().process(batch);
            assertThat(outcome.completed()).isZero();
            assertThat(outcome.firstUnfinished()).containsSame(batch.get(0));
        }
        assertThat(ItSupport.drain(stack.sqs(), queue, Duration.ofSeconds(1))).isEmpty();
    }
}
