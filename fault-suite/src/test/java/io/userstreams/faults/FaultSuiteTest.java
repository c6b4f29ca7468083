package io.userstreams.faults;

import static org.assertj.core.api.Assertions.assertThat;

import io.userstreams.kcl.JsonLogs;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The CI part of the fault suite: every scenario once, with the KCL consumer and with the Lambda
 * handler where it applies. Fails on any loss or duplicate, and prints the table.
 */
class FaultSuiteTest {

    @Test
    // A hang guard only: the suite's duration is printed, not asserted (timings on a shared
    // 2-core machine are noise; a slow run is not a lost record).
    @Timeout(value = 30, unit = TimeUnit.MINUTES)
    void nothingIsLostAndNothingIsDuplicatedUnderFaults() throws Exception {
        Path dir = Path.of("target", "fault-suite");
        FaultSuite.Options options = FaultSuite.Options.ci(dir);
        JsonLogs.toFile(dir.resolve("suite.log"), "INFO");
        long start = System.nanoTime();
        List<ScenarioResult> results;
        Verifier.Check sabotaged;
        try (FaultSuite suite = FaultSuite.start(options, System.out)) {
            results = suite.run();
            sabotaged = suite.sabotageAndCheck();
        }
        long seconds = (System.nanoTime() - start) / 1_000_000_000L;
        System.out.println("fault suite took " + seconds + " s");
        ByteArrayOutputStream table = new ByteArrayOutputStream();
        ScenarioResult.printTable(results, new PrintStream(table, true, StandardCharsets.UTF_8));
        // 9 scenarios with KCL, 6 with Lambda (1, 2, 8 and 9 are about consumer processes; 10 replays once).
        assertThat(results).hasSize(15);
        assertThat(results).as(table.toString(StandardCharsets.UTF_8)).allMatch(ScenarioResult::passed);
        assertThat(results.stream().filter(r -> r.scenario() == Scenario.POISON))
                .allMatch(r -> r.deadLettered() >= 1000);
        // The same comparison sees effects broken behind the runtimes' backs: it can fail.
        assertThat(sabotaged.lost()).as("mapping and index document removed").isEqualTo(2);
        assertThat(sabotaged.duplicated()).as("counter bumped, welcome sent again").isEqualTo(2);
        assertThat(sabotaged.problems()).anyMatch(p -> p.startsWith("users_by_email: missing"))
                .anyMatch(p -> p.startsWith("index: missing")).anyMatch(p -> p.startsWith("welcome: 2 for"))
                .anyMatch(p -> p.startsWith("user_stats: plan#"));
    }
}
