package io.userstreams.faults;

import java.io.PrintStream;
import java.time.Duration;
import java.util.List;

/**
 * One scenario run, as the suite's table shows it.
 *
 * @param written      records the scenario caused (writes to the users table and injected records)
 * @param checked      effects compared with the users table and the ledger afterwards
 * @param lost         effects missing (including bad records not dead-lettered with their reason)
 * @param duplicated   effects present too often
 * @param deadLettered bad records of this scenario found in the dead-letter queue with their reason
 * @param recovery     from the end of the fault until every effect was exact; null if never
 */
record ScenarioResult(int round, Scenario scenario, Scenario.RuntimeKind runtime, long written, long checked, long lost,
                      long duplicated, long deadLettered, Duration recovery, List<String> problems) {

    boolean passed() {
        return lost == 0 && duplicated == 0 && recovery != null && problems.isEmpty();
    }

    static void printHeader(PrintStream out) {
        out.printf("%-5s %-42s %-7s %8s %8s %5s %10s %13s %9s %s%n", "round", "scenario", "runtime", "written",
                "checked", "lost", "duplicated", "dead-lettered", "recovery", "result");
    }

    void print(PrintStream out) {
        out.printf("%-5d %-42s %-7s %8d %8d %5d %10d %13d %9s %s%n", round, scenario.number + " " + scenario.title,
                runtime.label(), written, checked, lost, duplicated, deadLettered,
                recovery == null ? "never" : String.format("%.1f s", recovery.toMillis() / 1000.0),
                passed() ? "ok" : "FAILED");
    }

    static void printTable(List<ScenarioResult> results, PrintStream out) {
        printHeader(out);
        results.forEach(r -> r.print(out));
        for (ScenarioResult r : results) {
            if (!r.passed()) {
                out.println("round " + r.round + " scenario " + r.scenario.number + " (" + r.runtime.label() + "): "
                        + String.join("; ", r.problems));
            }
        }
    }
}
