package io.userstreams.core.it;

import static io.userstreams.core.Fixtures.insert;
import static io.userstreams.core.Fixtures.record;
import static io.userstreams.core.Fixtures.user;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.userstreams.core.UserStreamsCore;
import io.userstreams.core.change.ChangeKind;
import io.userstreams.core.change.ChangeRecord;
import io.userstreams.core.derived.DerivedEffects;
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

/** One bad image does not block the item's later changes, on the real DynamoDB and OpenSearch. */
@ExtendWith(LocalStackExtension.class)
class InvalidImageIntegrationTest {

    @Test
    void aPlanNoValidatorKnowsIsRefusedOnceAndTheLaterChangesAndTheDeleteApply(LocalStack stack, OpenSearchClient client)
            throws Exception {
        String index = SearchIndexIntegrationTest.index();
        String queue = stack.sqs().createQueue(q -> q.queueName(ItSupport.unique("image-dlq"))).queueUrl();
        String id = ItSupport.unique("img");
        // Country "AQ" keeps this run's counts apart from other tests' in the shared stats table.
        User v1 = user(id, id + "@a.example.com", "free", "AQ", "ko");
        User v3 = v1.withEmail(id + "@c.example.com").withPlan("pro").withVersion(3);
        Map<String, AttributeValue> item1 = UserItems.toItem(v1);
        Map<String, AttributeValue> item2 = new HashMap<>(UserItems.toItem(v1.withEmail(id + "@b.example.com").withVersion(2)));
        item2.put("plan", AttributeValue.fromS("gold"));
        Map<String, AttributeValue> item3 = UserItems.toItem(v3);
        ChangeRecord bad = record(ChangeKind.MODIFY, false, id, item1, item2);
        List<ChangeRecord> history = List.of(insert(v1), bad, record(ChangeKind.MODIFY, false, id, item2, item3));
        Map<String, String> env = new HashMap<>(Map.of("REACTIONS", "derived-tables,search-index",
                "OPENSEARCH_INDEX", index, "DEAD_LETTER_QUEUE_URL", queue));
        Map<String, Long> before = DerivedTablesIntegrationTest.stats(stack);
        String byEmail = stack.resources().usersByEmailTable();
        try (UserStreamsCore core = ItSupport.core(stack, env, b -> { })) {
            assertThat(core.processor().process(history).isComplete()).isTrue();
            assertThat(DerivedTablesIntegrationTest.owner(stack.dynamoDb(), byEmail, id + "@c.example.com")).isEqualTo(id);
            assertThat(DerivedTablesIntegrationTest.owner(stack.dynamoDb(), byEmail, id + "@b.example.com")).isNull();
            assertThat(SearchIndexIntegrationTest.doc(client, index, id)).containsEntry("plan", "pro");

            assertThat(core.processor().process(List.of(record(ChangeKind.REMOVE, false, id, item3, Map.of())))
                    .isComplete()).isTrue();
        }
        Map<String, Long> after = DerivedTablesIntegrationTest.stats(stack);
        assertThat(DerivedTablesIntegrationTest.owner(stack.dynamoDb(), byEmail, id + "@c.example.com")).isNull();
        assertThat(DerivedTablesIntegrationTest.delta(before, after, DerivedEffects.countryKey("AQ"))).isZero();
        assertThat(DerivedTablesIntegrationTest.delta(before, after, DerivedEffects.planKey("gold"))).isZero();
        assertThat(SearchIndexIntegrationTest.doc(client, index, id)).isNull();
        List<Message> letters = ItSupport.drain(stack.sqs(), queue, Duration.ofSeconds(1));
        assertThat(letters).hasSize(2).allSatisfy(m -> {
            JsonNode letter = ItSupport.json(m.body());
            assertThat(letter.path("eventId").asText()).isEqualTo(bad.eventId());
            assertThat(letter.path("error").asText()).startsWith("newImage.plan:");
        });
        assertThat(letters.stream().map(m -> ItSupport.json(m.body()).path("reaction").asText()))
                .containsExactlyInAnyOrder("derived-tables", "search-index");
    }
}
