package io.userstreams.lambda;

import static org.assertj.core.api.Assertions.assertThat;

import com.amazonaws.services.lambda.runtime.events.StreamsEventResponse;
import com.amazonaws.services.lambda.runtime.tests.EventLoader;
import io.userstreams.localstack.LocalStack;
import io.userstreams.localstack.LocalStackExtension;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.opensearch.client.opensearch.OpenSearchClient;

/**
 * A first deployment: the search domain has no users index yet, and the search-index runtime
 * creates it before its first write (HEAD, then PUT with the template's settings and mappings).
 */
@ExtendWith(LocalStackExtension.class)
class SearchIndexCreationIntegrationTest {

    final StackState state;

    SearchIndexCreationIntegrationTest(LocalStack stack) {
        this.state = new StackState(stack);
    }

    @AfterEach
    void restore() {
        state.reset(); // the index as the local stack makes it, for the next test class
    }

    @Test
    void theRuntimeCreatesAMissingIndexAndIndexesIntoIt() throws Exception {
        state.reset();
        OpenSearchClient os = state.stack.openSearch();
        String index = state.resources.openSearchIndex();
        os.indices().delete(d -> d.index(index));
        assertThat(os.indices().exists(e -> e.index(index)).value()).isFalse();

        Map<String, String> env = state.environment();
        env.put("REACTIONS", "search-index");
        try (StreamHandlerRuntime runtime = StreamHandlerRuntime.fromEnvironment(env)) {
            StreamsEventResponse response = new UserStreamHandler(runtime)
                    .handleRequest(EventLoader.loadDynamoDbEvent("events/inserts.json"), null);
            assertThat(response.getBatchItemFailures()).isEmpty();
        }
        assertThat(os.indices().exists(e -> e.index(index)).value()).isTrue();
        assertThat(os.indices().getMapping(m -> m.index(index)).get(index).mappings().properties()).containsKey("email");
    }
}
