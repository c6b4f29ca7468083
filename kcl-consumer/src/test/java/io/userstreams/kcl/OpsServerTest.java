package io.userstreams.kcl;

import static org.assertj.core.api.Assertions.assertThat;

import io.userstreams.core.config.ReactionId;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

class OpsServerTest {

    private final HttpClient http = HttpClient.newHttpClient();

    @Test
    void metrics_are_the_registry_in_the_prometheus_text_format_and_health_follows_the_scheduler() throws Exception {
        ConsumerMetrics metrics = new ConsumerMetrics();
        metrics.recordProcessed(ReactionId.DERIVED_TABLES, null);
        metrics.bind(() -> 1, () -> true);
        AtomicBoolean healthy = new AtomicBoolean(true);

        try (OpsServer server = new OpsServer("127.0.0.1", 0, healthy::get, metrics.registry())) {
            HttpResponse<String> scrape = get(server, "/metrics", "GET");
            assertThat(scrape.statusCode()).isEqualTo(200);
            assertThat(scrape.headers().firstValue("Content-Type"))
                    .contains("text/plain; version=0.0.4; charset=utf-8");
            assertThat(ConsumerMetricsTest.samples(scrape.body()))
                    .containsEntry("user_streams_records_processed_total{reaction=\"derived-tables\"}", 1.0)
                    .containsEntry("user_streams_leases_held", 1.0)
                    .containsKey("user_streams_batch_records_count")
                    .containsKey("jvm_threads_current");
            assertThat(get(server, "/metrics", "HEAD").body()).isEmpty();

            assertThat(get(server, "/health", "GET").statusCode()).isEqualTo(200);
            healthy.set(false);
            assertThat(get(server, "/health", "GET").statusCode()).isEqualTo(503);
        }
    }

    private HttpResponse<String> get(OpsServer server, String path, String method) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + path))
                .method(method, HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
    }
}
