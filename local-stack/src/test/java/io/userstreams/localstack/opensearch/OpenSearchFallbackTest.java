package io.userstreams.localstack.opensearch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The no-JDK-21 path for real: 2.19.6 on a JDK 17 (a small node, ~5 s). */
class OpenSearchFallbackTest {

    @Test
    void theFallbackVersionRunsOnJdk17() throws Exception {
        Optional<JdkLocator.Jdk> jdk17 = JdkLocator.scan(JdkLocator.DEFAULT_JVM_ROOT).stream().filter(j -> j.feature() == 17).findFirst()
                .or(() -> Runtime.version().feature() == 17
                        ? JdkLocator.read(Path.of(System.getProperty("java.home"))) : Optional.empty());
        assumeTrue(jdk17.isPresent(), "needs a JDK 17");
        DistributionChoice fallback = DistributionChoice.choose(Optional.empty(), jdk17.get().home(), 17);

        try (OpenSearchNode node = OpenSearchNode.start(OpenSearchNode.Config.forTests(), fallback)) {
            assertThat(node.version()).isEqualTo("2.19.6");
            assertThat(Processes.commandLine(node.pid())).get()
                    .satisfies(args -> assertThat(args.get(0)).isEqualTo(jdk17.get().javaExecutable().toString()));
            HttpResponse<String> health = HttpClient.newHttpClient().send(
                    HttpRequest.newBuilder(node.endpoint().resolve("/_cluster/health")).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(health.statusCode()).isEqualTo(200);
        }
    }
}
