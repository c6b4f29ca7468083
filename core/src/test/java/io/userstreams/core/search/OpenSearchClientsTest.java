package io.userstreams.core.search;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.userstreams.core.aws.AwsConnection;
import java.net.URI;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.opensearch.client.opensearch.OpenSearchClient;
import org.opensearch.client.transport.aws.AwsSdk2Transport;
import org.opensearch.client.transport.httpclient5.ApacheHttpClient5Transport;
import software.amazon.awssdk.http.apache5.Apache5HttpClient;
import software.amazon.awssdk.regions.Region;

class OpenSearchClientsTest {

    @Test
    void signsOnlyForAmazonOpenSearchServiceOrWhenAsked() {
        assertThat(OpenSearchClients.needsSigV4(URI.create("https://search-users-abc.eu-west-1.es.amazonaws.com"),
                Map.of())).isTrue();
        assertThat(OpenSearchClients.needsSigV4(URI.create("http://127.0.0.1:9200"), Map.of())).isFalse();
        assertThat(OpenSearchClients.needsSigV4(URI.create("https://search.internal.example.com"), Map.of())).isFalse();
        assertThat(OpenSearchClients.needsSigV4(URI.create("https://vpc-proxy.example.com"),
                Map.of("OPENSEARCH_SIGV4", "true"))).isTrue();
        assertThat(OpenSearchClients.needsSigV4(URI.create("https://x.es.amazonaws.com"),
                Map.of("OPENSEARCH_SIGV4", "false"))).isFalse();
    }

    @Test
    void buildsTheMatchingTransport() {
        AwsConnection aws = AwsConnection.local(Region.EU_WEST_1, Map.of());
        try (var http = Apache5HttpClient.builder().build()) {
            OpenSearchClient signed = OpenSearchClients.create("https://search-x.eu-west-1.es.amazonaws.com", aws, http,
                    true);
            assertThat(signed._transport()).isInstanceOf(AwsSdk2Transport.class);
            OpenSearchClient plain = OpenSearchClients.create("http://127.0.0.1:9200", aws, http, false);
            assertThat(plain._transport()).isInstanceOf(ApacheHttpClient5Transport.class);
            OpenSearchClients.close(plain);
            OpenSearchClients.close(signed);
        }
        assertThatThrownBy(() -> OpenSearchClients.create("127.0.0.1:9200", aws, null, false))
                .hasMessageContaining("must be a URL");
    }
}
