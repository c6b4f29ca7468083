package io.userstreams.localstack.opensearch;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/**
 * Stale-node handling with dummy processes this test starts itself: a small java program whose
 * command line looks like an OpenSearch node of a given folder. Nothing else is ever signalled.
 */
class StaleNodesTest {

    @TempDir
    Path stateRoot;

    private final List<Process> started = new ArrayList<>();
    private ListAppender<ILoggingEvent> appender;
    private Path nodes;
    private Path sleeperSource;

    @BeforeEach
    void setUp() throws IOException {
        nodes = Files.createDirectories(stateRoot.resolve("nodes"));
        sleeperSource = stateRoot.resolve("Sleeper.java");
        Files.writeString(sleeperSource, "public class Sleeper { public static void main(String[] a) throws Exception { Thread.sleep(120_000); } }");
        appender = new ListAppender<>();
        appender.start();
        ((Logger) LoggerFactory.getLogger(StaleNodes.class)).addAppender(appender);
    }

    @AfterEach
    void tearDown() {
        ((Logger) LoggerFactory.getLogger(StaleNodes.class)).detachAppender(appender);
        // only what this test started
        for (Process p : started) {
            p.destroyForcibly();
        }
    }

    @Test
    void stopsAnOpenSearchLookingNodeWhoseOwnerIsGoneAndSaysSoOnce() throws Exception {
        long deadOwner = deadPid();
        Path folder = Files.createDirectories(nodes.resolve(StaleNodes.folderName(deadOwner, "stale")));
        Process dummy = fakeOpenSearch(folder);
        StaleNodes.write(folder, new StaleNodes.PidFile(dummy.pid(), deadOwner, Optional.empty(), 9200));

        List<Long> stopped = StaleNodes.sweep(nodes);

        assertThat(stopped).containsExactly(dummy.pid());
        assertThat(dummy.waitFor(5, TimeUnit.SECONDS)).isTrue();
        assertThat(folder).doesNotExist();
        assertThat(appender.list).singleElement().satisfies(e -> {
            assertThat(e.getLevel()).isEqualTo(Level.WARN);
            assertThat(e.getFormattedMessage()).contains("stale OpenSearch node");
            assertThat(e.getKeyValuePairs()).anySatisfy(kv -> {
                assertThat(kv.key).isEqualTo("pid");
                assertThat(kv.value).isEqualTo(dummy.pid());
            });
        });
    }

    @Test
    void leavesTheNodeOfALiveOwnerAlone() throws Exception {
        Process owner = start(new ProcessBuilder("sleep", "120"));
        Path folder = Files.createDirectories(nodes.resolve(StaleNodes.folderName(owner.pid(), "live")));
        Process dummy = fakeOpenSearch(folder);
        StaleNodes.write(folder, new StaleNodes.PidFile(dummy.pid(), owner.pid(), StaleNodes.startOf(owner.toHandle()), 9200));

        assertThat(StaleNodes.sweep(nodes)).isEmpty();

        assertThat(dummy.isAlive()).isTrue();
        assertThat(folder.resolve(StaleNodes.PID_FILE)).exists();
        assertThat(appender.list).isEmpty();
    }

    @Test
    void aRecycledOwnerPidDoesNotKeepAStaleNodeAlive() throws Exception {
        Process recycled = start(new ProcessBuilder("sleep", "120"));
        Path folder = Files.createDirectories(nodes.resolve(StaleNodes.folderName(recycled.pid(), "recycled")));
        Process dummy = fakeOpenSearch(folder);
        // the pid file says the owner started long ago: this live process only reuses its pid
        StaleNodes.write(folder, new StaleNodes.PidFile(dummy.pid(), recycled.pid(), Optional.of(Instant.parse("2020-01-01T00:00:00Z")), 9200));

        assertThat(StaleNodes.sweep(nodes)).containsExactly(dummy.pid());

        assertThat(dummy.waitFor(5, TimeUnit.SECONDS)).isTrue();
        assertThat(recycled.isAlive()).as("the owner-pid process itself is never touched").isTrue();
    }

    @Test
    void neverKillsAProcessThatIsNotAnOpenSearchNodeOfThatFolder() throws Exception {
        long deadOwner = deadPid();
        Path folder = Files.createDirectories(nodes.resolve(StaleNodes.folderName(deadOwner, "reused")));
        Process unrelated = start(new ProcessBuilder("sleep", "120"));
        Path otherFolder = Files.createDirectories(nodes.resolve(StaleNodes.folderName(deadOwner, "other")));
        Process otherNode = fakeOpenSearch(stateRoot.resolve("somewhere-else"));
        StaleNodes.write(folder, new StaleNodes.PidFile(unrelated.pid(), deadOwner, Optional.empty(), 9200));
        StaleNodes.write(otherFolder, new StaleNodes.PidFile(otherNode.pid(), deadOwner, Optional.empty(), 9201));

        assertThat(StaleNodes.sweep(nodes)).isEmpty();

        assertThat(unrelated.isAlive()).isTrue();
        assertThat(otherNode.isAlive()).isTrue();
        assertThat(folder).as("the stale folder itself is cleaned up").doesNotExist();
        assertThat(otherFolder).doesNotExist();
    }

    @Test
    void recognisesOpenSearchCommandLines() throws Exception {
        Path folder = Files.createDirectories(nodes.resolve("node-1-x"));
        Process dummy = fakeOpenSearch(folder);
        Process sleep = start(new ProcessBuilder("sleep", "120"));

        assertThat(Processes.isOpenSearchJava(dummy.pid(), folder.toString())).isTrue();
        assertThat(Processes.isOpenSearchJava(dummy.pid(), "/not/its/folder")).isFalse();
        assertThat(Processes.isOpenSearchJava(sleep.pid(), "")).isFalse();
        assertThat(StaleNodes.ownerFromFolderName("node-4242-ab12")).isEqualTo(4242);
        assertThat(StaleNodes.ownerFromFolderName("dist")).isEqualTo(-1);
    }

    /** A JVM whose command line looks like an OpenSearch node with its data under {@code folder}. */
    private Process fakeOpenSearch(Path folder) throws Exception {
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        Process p = start(new ProcessBuilder(java.toString(), "-Xmx32m", sleeperSource.toString(),
                Processes.OPENSEARCH_MAIN_CLASS, "-Epath.data=" + folder.toAbsolutePath().resolve("data")));
        // the source launcher compiles first; the command line is visible at once
        assertThat(Processes.commandLine(p.pid())).isPresent();
        return p;
    }

    private Process start(ProcessBuilder builder) throws IOException {
        Process p = builder.redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        started.add(p);
        return p;
    }

    /** The pid of a process that has already exited. */
    private static long deadPid() throws Exception {
        Process p = new ProcessBuilder("true").start();
        assertThat(p.waitFor(10, TimeUnit.SECONDS)).isTrue();
        assertThat(p.toHandle().onExit().get(5, TimeUnit.SECONDS).isAlive()).isFalse();
        return p.pid();
    }

}
