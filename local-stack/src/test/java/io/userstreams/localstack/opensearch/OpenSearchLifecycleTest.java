package io.userstreams.localstack.opensearch;

import io.userstreams.localstack.Ports;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A node owned by a child JVM (2.19.6 on JDK 17, the quick fallback node): a SIGTERM to that JVM
 * (Ctrl-C) stops the node through the shutdown hook; after a kill -9 the orphaned node is found
 * and stopped as stale. Everything runs in a state root of its own, so only nodes started here
 * can be touched.
 */
class OpenSearchLifecycleTest {

    private Path stateRoot;
    private JdkLocator.Jdk jdk17;
    private final List<ProcessHandle> started = new ArrayList<>();

    @BeforeEach
    void setUp() throws IOException {
        Optional<JdkLocator.Jdk> found = JdkLocator.scan(JdkLocator.DEFAULT_JVM_ROOT).stream().filter(j -> j.feature() == 17).findFirst()
                .or(() -> Runtime.version().feature() == 17 ? JdkLocator.read(Path.of(System.getProperty("java.home"))) : Optional.empty());
        assumeTrue(found.isPresent(), "needs a JDK 17 for the 2.19.6 fallback node");
        jdk17 = found.get();
        // not a JUnit @TempDir (mode 700): uid 65534 must be able to enter it when we are root
        stateRoot = OpenSearchNode.Config.defaultStateRoot().resolveSibling("lifecycle-test-" + UUID.randomUUID());
        Files.createDirectories(stateRoot);
        Files.setPosixFilePermissions(stateRoot, PosixFilePermissions.fromString("rwxr-xr-x"));
    }

    @AfterEach
    void tearDown() {
        // whatever this test started and is still alive (child JVMs, and nodes of this state root)
        for (ProcessHandle p : started) {
            if (p.isAlive()) {
                p.destroyForcibly();
            }
        }
        FileTrees.deleteQuietly(stateRoot);
    }

    @Test
    void ctrlCOnTheOwningJvmStopsItsNodeThroughTheShutdownHook() throws Exception {
        Process child = startHolder();
        Ready ready = awaitReady(child);
        assertThat(ready.version()).isEqualTo(DistributionChoice.FALLBACK_VERSION);
        assertThat(Processes.commandLine(ready.pid())).get()
                .satisfies(args -> assertThat(args.get(0)).isEqualTo(jdk17.javaExecutable().toString()));
        assertThat(get("http://127.0.0.1:" + ready.port() + "/_cluster/health").statusCode()).isEqualTo(200);

        child.destroy(); // SIGTERM, what Ctrl-C amounts to for the JVM

        assertThat(Processes.awaitExit(child.toHandle(), Duration.ofSeconds(30))).isTrue();
        assertThat(ProcessHandle.of(ready.pid()).filter(ProcessHandle::isAlive)).as("node stopped by the hook").isEmpty();
        assertThat(Ports.isFree("127.0.0.1", ready.port())).isTrue();
        assertThat(Files.readString(stateRoot.resolve("holder.out"))).contains("OpenSearch stopped");
    }

    @Test
    void aNodeOrphanedByKillMinus9IsStoppedAsStaleOnTheNextStart() throws Exception {
        Process child = startHolder();
        Ready ready = awaitReady(child);
        ProcessHandle node = ProcessHandle.of(ready.pid()).orElseThrow();
        started.add(node);

        child.destroyForcibly(); // kill -9: no hook runs
        assertThat(Processes.awaitExit(child.toHandle(), Duration.ofSeconds(30))).isTrue();
        assertThat(node.isAlive()).as("the orphan outlives its owner").isTrue();

        List<Long> stopped = StaleNodes.sweep(stateRoot.resolve("nodes"));

        assertThat(stopped).containsExactly(ready.pid());
        assertThat(node.isAlive()).isFalse();
        assertThat(Ports.isFree("127.0.0.1", ready.port())).isTrue();
        try (var folders = Files.list(stateRoot.resolve("nodes"))) {
            assertThat(folders.toList()).as("stale folder removed").isEmpty();
        }
    }

    private record Ready(long pid, int port, String version) {
    }

    private Process startHolder() throws IOException {
        String classpath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        Process child = new ProcessBuilder(java.toString(), "-Xmx256m", "-cp", classpath, NodeHolder.class.getName(),
                stateRoot.toString(), jdk17.home().toString())
                .redirectErrorStream(true)
                .redirectOutput(stateRoot.resolve("holder.out").toFile())
                .start();
        started.add(child.toHandle());
        return child;
    }

    private Ready awaitReady(Process child) throws Exception {
        Path out = stateRoot.resolve("holder.out");
        long deadline = System.nanoTime() + Duration.ofSeconds(180).toNanos();
        while (System.nanoTime() < deadline) {
            Optional<String> line = Files.readAllLines(out).stream().filter(l -> l.startsWith("READY ")).findFirst();
            if (line.isPresent()) {
                String[] parts = line.get().split(" ");
                Ready ready = new Ready(Long.parseLong(parts[1]), Integer.parseInt(parts[2]), parts[3]);
                ProcessHandle.of(ready.pid()).ifPresent(started::add);
                return ready;
            }
            if (!child.isAlive()) {
                throw new AssertionError("holder JVM exited early:\n" + Files.readString(out));
            }
            Thread.sleep(200);
        }
        throw new AssertionError("holder JVM not ready in time:\n" + Files.readString(out));
    }

    private static HttpResponse<String> get(String url) throws Exception {
        return HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(url)).build(), HttpResponse.BodyHandlers.ofString());
    }
}
