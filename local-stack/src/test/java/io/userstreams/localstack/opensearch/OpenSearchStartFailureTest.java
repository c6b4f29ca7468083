package io.userstreams.localstack.opensearch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

class OpenSearchStartFailureTest {

    @Test
    void aNodeThatCannotStartReportsTheTailOfItsLogAndLeavesNoProcess() throws IOException {
        OpenSearchNode.Config config = OpenSearchNode.Config.forTests().withSetting("userstreams.bogus.setting", "1");

        OpenSearchStartException failure = catchThrowableOfType(OpenSearchStartException.class, () -> {
            try (OpenSearchNode unexpected = OpenSearchNode.start(config)) {
                throw new AssertionError("started despite a bogus setting: " + unexpected);
            }
        });

        assertThat(failure).isNotNull();
        assertThat(failure.getMessage())
                .contains("exited with code")
                .contains("Last " + OpenSearchNode.LOG_TAIL_LINES + " lines")
                // OpenSearch's own words, only found in its log
                .contains("unknown setting [userstreams.bogus.setting]");
        Path folder = failure.logFile().orElseThrow().getParent();
        assertThat(failure.getMessage()).contains(folder.resolve("opensearch.log").toString());
        assertThat(processesMentioning(folder.toString())).as("no process of the failed node is left").isZero();
    }

    @Test
    void aNodeThatIsNotReadyInTimeIsKilledAndReportsItsLogTail() throws IOException {
        OpenSearchNode.Config config = OpenSearchNode.Config.forTests().withStartTimeout(Duration.ofSeconds(2));
        long before = System.nanoTime();

        OpenSearchStartException failure = catchThrowableOfType(OpenSearchStartException.class, () -> {
            try (OpenSearchNode unexpected = OpenSearchNode.start(config)) {
                throw new AssertionError("ready within 2 s: " + unexpected);
            }
        });

        assertThat(failure).isNotNull();
        assertThat(failure.getMessage())
                .contains("was not ready within 2 s")
                .contains("Last " + OpenSearchNode.LOG_TAIL_LINES + " lines");
        assertThat(Duration.ofNanos(System.nanoTime() - before)).isLessThan(Duration.ofSeconds(60));
        Path folder = failure.logFile().orElseThrow().getParent();
        // the launcher script and its helper JVMs included
        assertThat(processesMentioning(folder.toString())).as("nothing of the slow node is left").isZero();
    }

    private static long processesMentioning(String marker) throws IOException {
        try (Stream<Path> procs = Files.list(Path.of("/proc"))) {
            return procs.filter(p -> p.getFileName().toString().chars().allMatch(Character::isDigit))
                    .map(p -> Long.parseLong(p.getFileName().toString()))
                    .filter(pid -> Processes.commandLine(pid).map(args -> String.join(" ", args).contains(marker)).orElse(false))
                    .count();
        }
    }
}
