package io.userstreams.localstack.opensearch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.util.List;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Finding the zip Maven resolved, and unpacking a small fake distribution (no network). */
class DistributionsTest {

    private static final String VERSION = "9.9.9";

    @TempDir
    Path tmp;

    @Test
    void findsTheZipMavenResolvedIntoTheLocalRepository() throws IOException {
        Path repo = tmp.resolve("repo");
        Path zip = repo.resolve("org/opensearch/distribution/integ-test-zip/opensearch/9.9.9/opensearch-9.9.9.zip");
        Files.createDirectories(zip.getParent());
        Files.write(zip, fakeDistribution());

        assertThat(Distributions.locateZip(repo, VERSION)).isEqualTo(zip);
    }

    @Test
    void aMissingZipSaysHowToHaveMavenResolveItAndDownloadsNothing() {
        Path repo = tmp.resolve("repo");

        assertThatThrownBy(() -> Distributions.locateZip(repo, VERSION))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("OpenSearch distribution 9.9.9 is not in the local Maven repository")
                .hasMessageContaining(repo.resolve("org/opensearch/distribution/integ-test-zip/opensearch/9.9.9/opensearch-9.9.9.zip").toString())
                .hasMessageContaining("mvn dependency:get -Dartifact=org.opensearch.distribution.integ-test-zip:opensearch:9.9.9:zip");
        assertThat(repo).doesNotExist();
    }

    @Test
    void theLocalRepositoryIsMavensOwn() throws IOException {
        Path home = tmp.resolve("home");
        assertThat(Distributions.localRepository("/elsewhere/repo", home)).isEqualTo(Path.of("/elsewhere/repo"));
        assertThat(Distributions.localRepository(null, home)).isEqualTo(home.resolve(".m2/repository"));

        Files.createDirectories(home.resolve(".m2"));
        Files.writeString(home.resolve(".m2/settings.xml"), """
                <settings>
                  <!-- the template's example, commented out:
                  <localRepository>/path/to/local/repo</localRepository>
                  -->
                  <localRepository>${user.home}/maven-repo</localRepository>
                </settings>
                """);
        assertThat(Distributions.localRepository("", home)).isEqualTo(home.resolve("maven-repo"));
        assertThat(Distributions.localRepository("/elsewhere/repo", home))
                .as("-Dmaven.repo.local wins over settings.xml, as in Maven").isEqualTo(Path.of("/elsewhere/repo"));
    }

    @Test
    void theVersionsAreTheOnesTheBuildResolves() {
        // written by resource filtering from the root pom's opensearch.dist.* properties
        assertThat(DistributionChoice.PREFERRED_VERSION).matches("\\d+\\.\\d+\\.\\d+").startsWith("3.");
        assertThat(DistributionChoice.FALLBACK_VERSION).matches("\\d+\\.\\d+\\.\\d+").startsWith("2.");
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
}
