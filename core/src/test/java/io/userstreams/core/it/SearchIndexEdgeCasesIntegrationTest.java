package io.userstreams.core.it;

import static io.userstreams.core.Fixtures.insert;
import static io.userstreams.core.Fixtures.record;
import static io.userstreams.core.Fixtures.user;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.userstreams.core.UserStreamsCore;
import io.userstreams.core.change.ChangeKind;
import io.userstreams.core.change.ChangeRecord;
import io.userstreams.core.processing.BatchOutcome;
import io.userstreams.core.user.User;
import io.userstreams.core.user.UserItems;
import io.userstreams.localstack.LocalStack;
import io.userstreams.localstack.LocalStackExtension;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.opensearch.client.opensearch.OpenSearchClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.sqs.model.Message;

/** Edge cases of the search reaction found by the review, on a real OpenSearch node. */
@ExtendWith(LocalStackExtension.class)
class SearchIndexEdgeCasesIntegrationTest {

    static ChangeRecord insertWithCreatedAt(User u, String createdAt) {
        Map<String, AttributeValue> item = new HashMap<>(UserItems.toItem(u));
        item.put("createdAt", AttributeValue.fromS(createdAt));
        return record(ChangeKind.INSERT, false, u.userId(), Map.of(), item);
    }

    static Map<String, String> searchWithQueue(String index, String queue) {
        Map<String, String> env = new HashMap<>(SearchIndexIntegrationTest.searchOnly(index));
        env.put("DEAD_LETTER_QUEUE_URL", queue);
        return env;
    }

    /** Before 1970 the external version is negative: OpenSearch refused the whole bulk and the shard blocked. */
    @Test
    void aCreatedAtOutsideTheVersionRangeIsDeadLetteredAloneAndTheRestOfTheBulkIsIndexed(LocalStack stack,
                                                                                       OpenSearchClient client)
            throws Exception {
        String index = SearchIndexIntegrationTest.index();
        String queue = stack.sqs().createQueue(q -> q.queueName(ItSupport.unique("range-dlq"))).queueUrl();
        User first = user(ItSupport.unique("first"));
        User old = user(ItSupport.unique("old"));
        User future = user(ItSupport.unique("future"));
        User last = user(ItSupport.unique("last"));
        List<ChangeRecord> batch = List.of(insert(first), insertWithCreatedAt(old, "1969-07-20T20:17:40Z"),
                insertWithCreatedAt(future, "2300-01-01T00:00:00Z"), insert(last));
        try (UserStreamsCore core = ItSupport.core(stack, searchWithQueue(index, queue), b -> { })) {
            BatchOutcome outcome = core.processor().process(batch);
            assertThat(outcome.isComplete()).isTrue();
            assertThat(outcome.deadLettered()).isEqualTo(2);
        }
        assertThat(SearchIndexIntegrationTest.doc(client, index, first.userId())).isNotNull();
        assertThat(SearchIndexIntegrationTest.doc(client, index, last.userId())).isNotNull();
        assertThat(SearchIndexIntegrationTest.doc(client, index, old.userId())).isNull();
        List<Message> letters = ItSupport.drain(stack.sqs(), queue, Duration.ofSeconds(1));
        assertThat(letters).hasSize(2);
        for (Message m : letters) {
            JsonNode letter = ItSupport.json(m.body());
            assertThat(letter.path("error").asText()).contains("createdAt").contains("between 1970-01-01T00:00:00Z");
        }
    }

    static int call(OpenSearchClient client, String method, String path, String json) throws Exception {
        var b = org.opensearch.client.opensearch.generic.Requests.builder().method(method).endpoint(path);
        if (json != null) {
            b = b.json(json);
        }
        try (var r = client.generic().execute(b.build())) {
            return r.getStatus();
        }
    }

    /** A write block (item 403), a closed index (item 400) and a deleted index (item 404): systemic, not dead letters. */
    @Test
    void indexLevelErrorsStopTheBatchAndAMissingIndexIsCreatedAgain(LocalStack stack, OpenSearchClient client)
            throws Exception {
        String index = SearchIndexIntegrationTest.index();
        String queue = stack.sqs().createQueue(q -> q.queueName(ItSupport.unique("index-dlq"))).queueUrl();
        try (UserStreamsCore core = ItSupport.core(stack, searchWithQueue(index, queue), b -> { })) {
            assertThat(core.processor().process(List.of(insert(user(ItSupport.unique("warm"))))).isComplete()).isTrue();

            assertThat(call(client, "PUT", "/" + index + "/_settings", "{\"index.blocks.write\":true}")).isEqualTo(200);
            List<ChangeRecord> blocked = List.of(insert(user(ItSupport.unique("blocked"))));
            BatchOutcome outcome = core.processor().process(blocked);
            assertThat(outcome.completed()).as("write block").isZero();
            assertThat(call(client, "PUT", "/" + index + "/_settings", "{\"index.blocks.write\":false}")).isEqualTo(200);

            assertThat(call(client, "POST", "/" + index + "/_close", null)).isEqualTo(200);
            outcome = core.processor().process(blocked);
            assertThat(outcome.completed()).as("closed index").isZero();
            assertThat(call(client, "POST", "/" + index + "/_open", null)).isEqualTo(200);
            client.cluster().health(h -> h.index(index).waitForStatus(org.opensearch.client.opensearch._types.HealthStatus.Yellow));

            // The index disappears while auto-creation is off: the sink must not trust its old "exists".
            assertThat(call(client, "PUT", "/_cluster/settings",
                    "{\"persistent\":{\"action.auto_create_index\":\"false\"}}")).isEqualTo(200);
            try {
                assertThat(call(client, "DELETE", "/" + index, null)).isEqualTo(200);
                List<ChangeRecord> afterDelete = List.of(insert(user(ItSupport.unique("again"))));
                outcome = core.processor().process(afterDelete);
                assertThat(outcome.isComplete()).as("index created again from the template").isTrue();
                assertThat(SearchIndexIntegrationTest.doc(client, index, afterDelete.get(0).userId().orElseThrow()))
                        .isNotNull();
            } finally {
                call(client, "PUT", "/_cluster/settings", "{\"persistent\":{\"action.auto_create_index\":null}}");
            }
        }
        assertThat(ItSupport.drain(stack.sqs(), queue, Duration.ofSeconds(1))).isEmpty();
    }

    /** Version regressions are dead-lettered as such, and the deletes after them still remove the user. */
    @Test
    void versionRegressionsAreReportedAndDeletesNeverLoseToThem(LocalStack stack, OpenSearchClient client)
            throws Exception {
        String index = SearchIndexIntegrationTest.index();
        String queue = stack.sqs().createQueue(q -> q.queueName(ItSupport.unique("regress-dlq"))).queueUrl();
        User v6 = user(ItSupport.unique("nov")).withVersion(6);
        User unversioned = v6.withPlan("pro").withVersion(User.NO_VERSION);
        User v3 = user(ItSupport.unique("low")).withVersion(3);
        User lowered = new User(v3.userId(), v3.email(), v3.name(), v3.plan(), v3.country(), v3.locale(),
                v3.createdAt().minus(Duration.ofDays(30)), 4, v3.expiresAt());
        List<ChangeRecord> writes = List.of(insert(v6), io.userstreams.core.Fixtures.modify(v6, unversioned),
                insert(v3), io.userstreams.core.Fixtures.modify(v3, lowered));
        try (UserStreamsCore core = ItSupport.core(stack, searchWithQueue(index, queue), b -> { })) {
            assertThat(core.processor().process(writes).isComplete()).isTrue();
            assertThat(core.processor().process(List.of(io.userstreams.core.Fixtures.remove(unversioned),
                    io.userstreams.core.Fixtures.remove(lowered))).isComplete()).isTrue();
        }
        assertThat(SearchIndexIntegrationTest.doc(client, index, v6.userId())).isNull();
        assertThat(SearchIndexIntegrationTest.doc(client, index, v3.userId())).isNull();
        List<Message> letters = ItSupport.drain(stack.sqs(), queue, Duration.ofSeconds(1));
        assertThat(letters).hasSize(2).allSatisfy(m ->
                assertThat(ItSupport.json(m.body()).path("errorType").asText()).isEqualTo("version-regression"));
    }
}
