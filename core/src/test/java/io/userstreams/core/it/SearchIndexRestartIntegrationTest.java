package io.userstreams.core.it;

import static io.userstreams.core.Fixtures.insert;
import static io.userstreams.core.Fixtures.modify;
import static io.userstreams.core.Fixtures.remove;
import static io.userstreams.core.Fixtures.user;
import static org.assertj.core.api.Assertions.assertThat;

import io.userstreams.core.UserStreamsCore;
import io.userstreams.core.aws.AwsConnection;
import io.userstreams.core.change.ChangeRecord;
import io.userstreams.core.search.OpenSearchClients;
import io.userstreams.core.user.User;
import io.userstreams.localstack.LocalStack;
import io.userstreams.localstack.LocalStackExtension;
import io.userstreams.localstack.opensearch.OpenSearchNode;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.opensearch.client.opensearch.OpenSearchClient;
import org.opensearch.client.opensearch._types.HealthStatus;

/**
 * OpenSearch keeps delete tombstones in memory: a node restart (relocation, blue/green update)
 * forgets them. Deletes must survive it, so a replay of an older INSERT cannot bring a deleted
 * user back. Runs on its own node (restarting the shared one would disturb the other tests).
 */
@ExtendWith(LocalStackExtension.class)
class SearchIndexRestartIntegrationTest {

    @Test
    void aDeleteSurvivesANodeRestartAndAReplayOfTheOldInsertDoesNotBringTheUserBack(LocalStack stack) throws Exception {
        OpenSearchNode node = OpenSearchNode.start(OpenSearchNode.Config.forTests());
        try {
            String endpoint = node.endpoint().toString();
            String index = SearchIndexIntegrationTest.index();
            Map<String, String> env = Map.of("REACTIONS", "search-index", "OPENSEARCH_INDEX", index,
                    "OPENSEARCH_ENDPOINT", endpoint);
            User v1 = user(ItSupport.unique("gone"));
            User v2 = v1.withPlan("pro").withVersion(2);
            User kept = user(ItSupport.unique("kept"));
            List<ChangeRecord> history = List.of(insert(v1), modify(v1, v2), insert(kept));
            try (UserStreamsCore core = ItSupport.core(stack, env, b -> { })) {
                assertThat(core.processor().process(history).isComplete()).isTrue();
                assertThat(core.processor().process(List.of(remove(v2))).isComplete()).isTrue();
            }

            node = node.restart();

            OpenSearchClient client = OpenSearchClients.create(endpoint, AwsConnection.fromEnvironment(stack.environment()),
                    ItSupport.HTTP, false);
            try {
                client.cluster().health(h -> h.index(index).waitForStatus(HealthStatus.Yellow));
                try (UserStreamsCore core = ItSupport.core(stack, env, b -> { })) {
                    assertThat(core.processor().process(history).isComplete()).isTrue();
                }
                assertThat(SearchIndexIntegrationTest.searchable(client, index, v1.userId())).isFalse();
                assertThat(SearchIndexIntegrationTest.searchable(client, index, kept.userId())).isTrue();
            } finally {
                OpenSearchClients.close(client);
            }
        } finally {
            node.close();
        }
    }
}
