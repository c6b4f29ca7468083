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
}
