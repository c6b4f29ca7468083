package io.userstreams.localstack.opensearch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Download and unpack against a local HTTP server and a small fake distribution (no network). */
class DistributionsTest {

    private static final String VERSION = "9.9.9";

    @TempDir
    Path tmp;

    private HttpServer server;
    private final Map<String, byte[]> served = new ConcurrentHashMap<>();
    private final AtomicInteger zipRequests = new AtomicInteger();
    private URI remote;

    @BeforeEach
    void serve() throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/", exchange -> {
            String path = exchange.getRequestURI().getPath();
            if (path.endsWith(".zip")) {
                zipRequests.incrementAndGet();
            }
            byte[] body = served.get(path);
            if (body == null) {
                exchange.sendResponseHeaders(404, -1);
            } else {
                exchange.sendResponseHeaders(200, body.length);
                try (OutputStream out = exchange.getResponseBody()) {
                    out.write(body);
                }
            }
            exchange.close();
        });
        server.start();
        remote = URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/maven2/");
    }

    @AfterEach
    void stop() {
        server.stop(0);
    }

    @Test
    void downloadsIntoTheLocalRepositoryOnceAndVerifiesTheChecksum() throws Exception {
        byte[] zip = fakeDistribution();
        publish(zip, sha1(zip));
        Path repo = tmp.resolve("repo");

        Path resolved = Distributions.resolveZip(repo, remote, VERSION);

        assertThat(resolved).isEqualTo(repo.resolve("org/opensearch/distribution/integ-test-zip/opensearch/9.9.9/opensearch-9.9.9.zip"));
        assertThat(Files.readAllBytes(resolved)).isEqualTo(zip);
        assertThat(Files.readString(resolved.resolveSibling("opensearch-9.9.9.zip.sha1"))).isEqualTo(sha1(zip));
        assertThat(leftoverParts(resolved.getParent())).isEmpty();

        Distributions.resolveZip(repo, remote, VERSION);
        assertThat(zipRequests).as("second resolve uses the local copy").hasValue(1);
    }

    @Test
    void aChecksumMismatchLeavesNothingBehind() throws Exception {
        byte[] zip = fakeDistribution();
        publish(zip, "0000000000000000000000000000000000000000");
        Path repo = tmp.resolve("repo");

        assertThatThrownBy(() -> Distributions.resolveZip(repo, remote, VERSION))
                .isInstanceOf(UncheckedIOException.class)
                .hasMessageContaining("SHA-1 mismatch")
                .hasMessageContaining("mvn dependency:get");
        Path dir = Distributions.zipPath(repo, VERSION).getParent();
        assertThat(Distributions.zipPath(repo, VERSION)).doesNotExist();
        assertThat(leftoverParts(dir)).isEmpty();
    }

    @Test
    void aMissingArtifactNamesTheUrl() {
        assertThatThrownBy(() -> Distributions.resolveZip(tmp.resolve("repo"), remote, VERSION))
                .hasMessageContaining(remote + "org/opensearch/distribution/integ-test-zip/opensearch/9.9.9/opensearch-9.9.9.zip")
                .hasMessageContaining("404");
    }

    @Test
    void unpacksOnceKeepingExecutableScriptsAndIgnoresAnInterruptedUnpack() throws Exception {
        Path zip = tmp.resolve("opensearch-9.9.9.zip");
        Files.write(zip, fakeDistribution());
        Path cache = tmp.resolve("dist");
        // what a killed unpack leaves: a temp folder that must never be taken for the real one
        Files.createDirectories(cache.resolve(".unpack-9.9.9-dead/bin"));

        Path home = Distributions.unpack(zip, cache, VERSION);

        assertThat(home).isEqualTo(cache.resolve("opensearch-9.9.9"));
        assertThat(Files.getPosixFilePermissions(home.resolve("bin/opensearch"))).contains(PosixFilePermission.OWNER_EXECUTE, PosixFilePermission.OTHERS_EXECUTE);
        assertThat(Files.getPosixFilePermissions(home.resolve("config/jvm.options")))
                .contains(PosixFilePermission.OTHERS_READ).doesNotContain(PosixFilePermission.OWNER_EXECUTE);
        assertThat(Files.readString(home.resolve("config/jvm.options"))).contains("-Xmx1g");

        Files.writeString(home.resolve("marker"), "kept");
        assertThat(Distributions.unpack(zip, cache, VERSION)).isEqualTo(home);
        assertThat(home.resolve("marker")).as("second call reuses the unpacked copy").exists();
        try (Stream<Path> children = Files.list(cache)) {
            assertThat(children.map(p -> p.getFileName().toString()))
                    .containsExactlyInAnyOrder("opensearch-9.9.9", ".unpack-9.9.9-dead");
        }
    }

    @Test
    void rewritesRelativeJvmOptionPathsIntoTheNodeFolder() {
        String options = String.join("\n",
                "-Xms1g",
                "-XX:HeapDumpPath=data",
                "-XX:ErrorFile=logs/hs_err_pid%p.log",
                "8:-Xloggc:logs/gc.log",
                "9-:-Xlog:gc*,gc+age=trace,safepoint:file=logs/gc.log:utctime,pid,tags:filecount=32,filesize=64m",
                "21-:-javaagent:agent/opensearch-agent.jar");
        Path folder = Path.of("/state/nodes/node-1-abc");

        String rewritten = OpenSearchNode.rewriteJvmOptions(options, folder);

        assertThat(rewritten.split("\n")).containsExactly(
                "-Xms1g",
                "-XX:HeapDumpPath=/state/nodes/node-1-abc/data",
                "-XX:ErrorFile=/state/nodes/node-1-abc/logs/hs_err_pid%p.log",
                "8:-Xloggc:/state/nodes/node-1-abc/logs/gc.log",
                "9-:-Xlog:gc*,gc+age=trace,safepoint:file=/state/nodes/node-1-abc/logs/gc.log:utctime,pid,tags:filecount=32,filesize=64m",
                // resolved against the distribution home, where the script runs from: must stay
                "21-:-javaagent:agent/opensearch-agent.jar");
    }

    @Test
    void tailKeepsTheLastLines() throws IOException {
        Path log = tmp.resolve("opensearch.log");
        StringBuilder text = new StringBuilder();
        for (int i = 1; i <= 100; i++) {
            text.append("line ").append(i).append('\n');
        }
        Files.writeString(log, text);

        String tail = OpenSearchNode.tail(log, 40);

        List<String> lines = List.of(tail.split("\n"));
        assertThat(lines).hasSize(40);
        assertThat(lines.get(0)).isEqualTo("line 61");
        assertThat(lines.get(39)).isEqualTo("line 100");
    }

    private void publish(byte[] zip, String sha1) {
        String base = "/maven2/org/opensearch/distribution/integ-test-zip/opensearch/9.9.9/opensearch-9.9.9.zip";
        served.put(base, zip);
        served.put(base + ".sha1", (sha1 + "  opensearch-9.9.9.zip\n").getBytes(StandardCharsets.UTF_8));
    }

    private static List<Path> leftoverParts(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        try (Stream<Path> files = Files.list(dir)) {
            return files.filter(p -> p.getFileName().toString().endsWith(".part")).toList();
        }
    }

    /** A tiny zip shaped like the integ-test-zip, with unix modes as the real one carries. */
    private static byte[] fakeDistribution() throws IOException {
        java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
        try (ZipOutputStream zip = new ZipOutputStream(bytes)) {
            zip.putNextEntry(new ZipEntry("opensearch-9.9.9/"));
            zip.putNextEntry(new ZipEntry("opensearch-9.9.9/bin/"));
            zip.putNextEntry(new ZipEntry("opensearch-9.9.9/bin/opensearch"));
            zip.write("#!/usr/bin/env bash\necho fake\n".getBytes(StandardCharsets.UTF_8));
            zip.putNextEntry(new ZipEntry("opensearch-9.9.9/config/"));
            zip.putNextEntry(new ZipEntry("opensearch-9.9.9/config/jvm.options"));
            zip.write("-Xms1g\n-Xmx1g\n".getBytes(StandardCharsets.UTF_8));
            zip.closeEntry();
        }
        return bytes.toByteArray();
    }

    private static String sha1(byte[] data) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-1").digest(data));
    }
}
