package io.userstreams.localstack.opensearch;

import io.userstreams.localstack.Ports;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.hc.core5.http.HttpHost;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.opensearch.client.json.jackson.JacksonJsonpMapper;
import org.opensearch.client.opensearch.OpenSearchClient;
import org.opensearch.client.opensearch._types.VersionType;
import org.opensearch.client.opensearch.core.BulkResponse;
import org.opensearch.client.opensearch.core.GetResponse;
import org.opensearch.client.opensearch.core.bulk.BulkOperation;
import org.opensearch.client.opensearch.core.bulk.BulkResponseItem;
import org.opensearch.client.transport.httpclient5.ApacheHttpClient5Transport;
import org.opensearch.client.transport.httpclient5.ApacheHttpClient5TransportBuilder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** One real node for the whole class (a start costs ~10-20 s on 2 busy cores); the last test stops it. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class OpenSearchNodeTest {

    private static final Logger log = LoggerFactory.getLogger(OpenSearchNodeTest.class);
    private static final String INDEX = "users-versions-test";

    private OpenSearchNode node;
    private ApacheHttpClient5Transport transport;
    private OpenSearchClient client;

    @BeforeAll
    void startNode() {
        node = OpenSearchNode.start(OpenSearchNode.Config.forTests());
        log.atInfo().addKeyValue("version", node.version()).addKeyValue("startMs", node.startDuration().toMillis())
                .addKeyValue("rssMb", node.residentSetBytes() >> 20).log("Test node ready");
        URI endpoint = node.endpoint();
        transport = ApacheHttpClient5TransportBuilder.builder(new HttpHost("http", endpoint.getHost(), endpoint.getPort()))
                .setMapper(new JacksonJsonpMapper())
                .build();
        client = new OpenSearchClient(transport);
    }

    @AfterAll
    void stopNode() throws IOException {
        if (transport != null) {
            transport.close();
        }
        if (node != null) {
            node.close();
        }
    }

    @Test
    @Order(1)
    void answersOnLoopbackWithTheChosenVersion() throws Exception {
        assertThat(node.endpoint().getHost()).isEqualTo("127.0.0.1");
        assertThat(node.endpoint().getPort()).isPositive();
        String expected = JdkLocator.isJdk21Available() ? DistributionChoice.PREFERRED_VERSION : DistributionChoice.FALLBACK_VERSION;
        assertThat(node.version()).isEqualTo(expected);

        HttpResponse<String> health = HttpClient.newHttpClient().send(
                HttpRequest.newBuilder(node.endpoint().resolve("/_cluster/health")).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(health.statusCode()).isEqualTo(200);
        assertThat(health.body()).containsPattern("\"status\"\\s*:\\s*\"(green|yellow)\"").contains("user-streams-local");
    }

    @Test
    @Order(2)
    void isAnOpenSearchJvmOnTheChosenJdkAndNotRoot() throws IOException {
        Optional<List<String>> cmdline = Processes.commandLine(node.pid());
        assertThat(cmdline).get().satisfies(args -> {
            assertThat(args).contains(Processes.OPENSEARCH_MAIN_CLASS, "-Xmx512m", "-XX:TieredStopAtLevel=1",
                    "-Ediscovery.type=single-node");
            JdkLocator.findJdk(21).ifPresent(jdk -> assertThat(args.get(0)).isEqualTo(jdk.javaExecutable().toString()));
        });
        String uidLine = Files.readAllLines(Path.of("/proc", Long.toString(node.pid()), "status")).stream()
                .filter(l -> l.startsWith("Uid:")).findFirst().orElseThrow();
        int uid = Integer.parseInt(uidLine.substring(4).trim().split("\\s+")[0]);
        if (Processes.currentUid() == 0) {
            assertThat(uid).isEqualTo(OpenSearchNode.UNPRIVILEGED_ID);
        } else {
            assertThat(uid).isEqualTo(Processes.currentUid());
        }
        assertThat(node.residentSetBytes()).isBetween(100L << 20, 2L << 30);
    }

    @Test
    @Order(3)
    void bulkWithExternalVersionsRejectsOlderVersionsPerItem() throws IOException {
        BulkResponse first = client.bulk(b -> b.refresh(org.opensearch.client.opensearch._types.Refresh.True)
                .operations(index("u1", 5, "five")));
        assertThat(first.errors()).isFalse();
        assertThat(first.items().get(0).status()).isEqualTo(201);

        BulkResponse mixed = client.bulk(b -> b.operations(List.of(
                index("u1", 3, "three"),    // older: rejected
                index("u2", 1, "new user"), // new document: accepted
                index("u1", 5, "five again"), // equal: rejected
                index("u1", 6, "six"))));   // newer: accepted

        assertThat(mixed.errors()).isTrue();
        assertThat(mixed.items()).extracting(BulkResponseItem::status).containsExactly(409, 201, 409, 200);
        assertThat(mixed.items().get(0).error().type()).isEqualTo("version_conflict_engine_exception");
        assertThat(mixed.items().get(3).version()).isEqualTo(6L);

        GetResponse<Map> u1 = client.get(g -> g.index(INDEX).id("u1"), Map.class);
        assertThat(u1.version()).isEqualTo(6L);
        assertThat(u1.source()).containsEntry("name", "six");
    }

    @Test
    @Order(4)
    void aVersionedDeleteBlocksOlderReindexWhileItsTombstoneLives() throws IOException {
        BulkResponse delete = client.bulk(b -> b.operations(o -> o.delete(d -> d.index(INDEX).id("u2")
                .version(2L).versionType(VersionType.External))));
        assertThat(delete.items().get(0).status()).isEqualTo(200);

        BulkResponse replay = client.bulk(b -> b.operations(index("u2", 1, "resurrected?")));
        assertThat(replay.items().get(0).status()).isEqualTo(409);
    }

    @Test
    @Order(5)
    void aTakenPortIsReportedWithTheOptionToChangeIt() {
        int taken = node.endpoint().getPort();
        long before = System.nanoTime();

        assertThatThrownBy(() -> OpenSearchNode.start(OpenSearchNode.Config.forTests().withHttpPort(taken)))
                .isInstanceOf(OpenSearchStartException.class)
                .hasMessageContaining("port " + taken)
                .hasMessageContaining("--opensearch-port")
                .hasMessageContaining("OPENSEARCH_PORT");
        assertThat(Duration.ofNanos(System.nanoTime() - before)).as("fails before launching anything").isLessThan(Duration.ofSeconds(10));
        assertThat(node.isRunning()).isTrue();
    }

    @Test
    @Order(6)
    void closeStopsTheProcessFreesThePortAndIsIdempotent() {
        long pid = node.pid();
        int port = node.endpoint().getPort();
        int transportPort = node.transportPort();
        Path folder = node.logFile().getParent();

        node.close();

        assertThat(ProcessHandle.of(pid).filter(ProcessHandle::isAlive)).isEmpty();
        assertThat(Ports.isFree("127.0.0.1", port)).isTrue();
        assertThat(Ports.isFree("127.0.0.1", transportPort)).isTrue();
        assertThat(folder).doesNotExist();
        node.close(); // second close is a no-op
        assertThat(node.isRunning()).isFalse();
    }

    private static BulkOperation index(String id, long version, String name) {
        return BulkOperation.of(o -> o.index(i -> i.index(INDEX).id(id).version(version).versionType(VersionType.External)
                .document(Map.of("userId", id, "name", name))));
    }
}
