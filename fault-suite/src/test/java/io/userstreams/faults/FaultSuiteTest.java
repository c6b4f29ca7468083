package io.userstreams.faults;

import static org.assertj.core.api.Assertions.assertThat;

import io.userstreams.faults.Scenario.RuntimeKind;
import io.userstreams.kcl.JsonLogs;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The CI part of the fault suite: every scenario once, with the KCL consumer and with the Lambda
 * handler where it applies. Fails on any loss or duplicate, and prints the table.
 *
 * <p>The two runtimes run side by side, each on its own local stack (free ports, its own work
 * directory): their scenarios mostly wait out outages and recoveries, so together they take about as
 * long as the KCL half alone. Every scenario, fault and check is the one {@code bin/fault-suite} runs.
 */
class FaultSuiteTest {

    @Test
    @Timeout(value = 15, unit = TimeUnit.MINUTES)
    void nothingIsLostAndNothingIsDuplicatedUnderFaults() throws Exception {
        Path dir = Path.of("target", "fault-suite");
        FaultSuite.Options ci = FaultSuite.Options.ci(dir);
        JsonLogs.toFile(dir.resolve("suite.log"), "INFO");
        PrintStream console = System.out;
        long start = System.nanoTime();
        List<ScenarioResult> results = new ArrayList<>();
        Verifier.Check sabotaged;
        // Each suite sends System.out to its own EMF file while it runs and puts back what it found:
        // the second one started is closed first, so the console is restored at the end.
        try (FaultSuite kcl = FaultSuite.start(half(ci, RuntimeKind.KCL, dir), console)) {
            try (FaultSuite lambda = FaultSuite.start(half(ci, RuntimeKind.LAMBDA, dir), console)) {
                CompletableFuture<List<ScenarioResult>> lambdaResults = CompletableFuture.supplyAsync(lambda::run);
                results.addAll(kcl.run());
                results.addAll(lambdaResults.join());
            }
            sabotaged = kcl.sabotageAndCheck();
        }
        long seconds = (System.nanoTime() - start) / 1_000_000_000L;
        console.println("fault suite took " + seconds + " s");
        ByteArrayOutputStream table = new ByteArrayOutputStream();
        ScenarioResult.printTable(results, new PrintStream(table, true, StandardCharsets.UTF_8));
        console.print(table.toString(StandardCharsets.UTF_8));
        // 8 scenarios with KCL, 5 with Lambda (1, 2 and 8 are about consumer processes).
        assertThat(results).hasSize(13);
        assertThat(results).as(table.toString(StandardCharsets.UTF_8)).allMatch(ScenarioResult::passed);
        assertThat(results.stream().filter(r -> r.scenario() == Scenario.POISON))
                .allMatch(r -> r.deadLettered() >= 1000);
        assertThat(seconds).as("the CI part stays within 10 minutes").isLessThan(600);
        // The same comparison sees effects broken behind the runtimes' backs: it can fail.
        assertThat(sabotaged.lost()).as("mapping and index document removed").isEqualTo(2);
        assertThat(sabotaged.duplicated()).as("counter bumped, welcome sent again").isEqualTo(2);
        assertThat(sabotaged.problems()).anyMatch(p -> p.startsWith("users_by_email: missing"))
                .anyMatch(p -> p.startsWith("index: missing")).anyMatch(p -> p.startsWith("welcome: 2 for"))
                .anyMatch(p -> p.startsWith("user_stats: plan#"));
    }

    /** The CI options for one runtime only, with its own work directory under {@code dir}. */
    private static FaultSuite.Options half(FaultSuite.Options ci, RuntimeKind runtime, Path dir) {
        return new FaultSuite.Options(ci.scenarios(), List.of(runtime), ci.soak(), dir.resolve(runtime.label()));
    }
}
