package io.userstreams.localstack;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.opensearch.client.opensearch.generic.Requests;

@ExtendWith(LocalStackExtension.class)
class OpenSearchIndexTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void usersIndexExistsWithTheTemplatesExplicitMappingAndSettings(LocalStack stack, LocalResources resources)
            throws Exception {
        assumeTrue(stack.openSearchEnabled(), "OpenSearch is off (" + LocalStackExtension.OPENSEARCH_PROPERTY + ")");
        var client = stack.openSearch();
        String index = resources.openSearchIndex();
        assertThat(client.indices().exists(e -> e.index(index)).value()).isTrue();

        JsonNode mapping = get(stack, "/" + index + "/_mapping").path(index).path("mappings");
        assertThat(mapping.path("dynamic").asText()).isEqualTo("strict");
        JsonNode properties = mapping.path("properties");
        assertThat(properties.path("userId").path("type").asText()).isEqualTo("keyword");
        assertThat(properties.path("email").path("type").asText()).isEqualTo("keyword");
        assertThat(properties.path("name").path("type").asText()).isEqualTo("text");
        assertThat(properties.path("name").path("fields").path("raw").path("type").asText()).isEqualTo("keyword");
        assertThat(properties.path("createdAt").path("type").asText()).isEqualTo("date");
        assertThat(properties.path("version").path("type").asText()).isEqualTo("long");
        assertThat(properties.path("expiresAt").path("type").asText()).isEqualTo("long");

        JsonNode settings = get(stack, "/" + index + "/_settings").path(index).path("settings").path("index");
        assertThat(settings.path("gc_deletes").asText()).isEqualTo("15d");
        assertThat(settings.path("number_of_shards").asText()).isEqualTo("1");
        assertThat(settings.path("number_of_replicas").asText()).isEqualTo("0");
    }

    @Test
    void strictMappingRejectsUnknownFields(LocalStack stack, LocalResources resources) throws Exception {
        assumeTrue(stack.openSearchEnabled(), "OpenSearch is off");
        try (var response = stack.openSearch().generic().execute(Requests.builder().method("PUT")
                .endpoint("/" + resources.openSearchIndex() + "/_doc/strict-check")
                .json("{\"userId\":\"strict-check\",\"shoeSize\":42}").build())) {
            assertThat(response.getStatus()).isEqualTo(400);
            assertThat(response.getBody().orElseThrow().bodyAsString()).contains("strict_dynamic_mapping_exception");
        }
    }

    private static JsonNode get(LocalStack stack, String path) throws Exception {
        try (var response = stack.openSearch().generic().execute(Requests.builder().method("GET").endpoint(path).build())) {
            assertThat(response.getStatus()).isEqualTo(200);
            return JSON.readTree(response.getBody().orElseThrow().bodyAsString());
        }
    }
}
