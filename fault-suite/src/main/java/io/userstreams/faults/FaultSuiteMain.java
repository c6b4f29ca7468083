package io.userstreams.faults;

import io.userstreams.faults.Scenario.RuntimeKind;
import io.userstreams.kcl.JsonLogs;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * {@code bin/fault-suite [--soak 30m] [--scenarios 1,3,6] [--runtimes kcl,lambda] [--work-dir DIR]}:
 * the fault suite once (as CI runs it), or repeatedly for a soak. Exit 0 when nothing was lost or
 * duplicated, 1 otherwise, 2 on bad arguments.
 */
public final class FaultSuiteMain {

    private FaultSuiteMain() {
    }

    public static void main(String[] args) {
        FaultSuite.Options options;
        try {
            options = parse(args);
        } catch (IllegalArgumentException e) {
            System.err.println("fault-suite: " + e.getMessage());
            System.err.println("usage: bin/fault-suite [--soak DURATION e.g. 30m, 2h] [--scenarios 1,2,...,10]"
                    + " [--runtimes kcl,lambda] [--work-dir DIR]");
            System.exit(2);
            return;
        }
        JsonLogs.toFile(options.workDir().resolve("suite.log"), "INFO");
        List<ScenarioResult> results;
        try (FaultSuite suite = FaultSuite.start(options, System.out)) {
            Runtime.getRuntime().addShutdownHook(new Thread(suite::close, "fault-suite-stop"));
            results = suite.run();
        }
        long failed = results.stream().filter(r -> !r.passed()).count();
        System.out.printf("%d scenario runs, %d failed%n", results.size(), failed);
        System.exit(failed == 0 ? 0 : 1);
    }

    static FaultSuite.Options parse(String[] args) {
        // bin/fault-suite passes the repository root: logs land beside the CI run's, in the module's target.
        FaultSuite.Options o = FaultSuite.Options.ci(Path.of(System.getProperty("user-streams.root", "."),
                "fault-suite", "target", "fault-suite"));
        List<Integer> scenarios = o.scenarios();
        List<RuntimeKind> runtimes = o.runtimes();
        Duration soak = o.soak();
        Path dir = o.workDir();
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            if (a.equals("-h") || a.equals("--help")) {
                throw new IllegalArgumentException("the fault and bad-input suite");
            }
            if (i + 1 >= args.length) {
                throw new IllegalArgumentException(a + " needs a value");
            }
            String v = args[++i];
            switch (a) {
                case "--soak" -> soak = duration(v);
                case "--scenarios" -> {
                    scenarios = new ArrayList<>();
                    for (String s : v.split(",")) {
                        try {
                            scenarios.add(Scenario.byNumber(Integer.parseInt(s.trim())).number);
                        } catch (NumberFormatException e) {
                            throw new IllegalArgumentException("--scenarios takes numbers 1-10, got '" + s + "'");
                        }
                    }
                }
                case "--runtimes" -> {
                    runtimes = new ArrayList<>();
                    for (String s : v.split(",")) {
                        try {
                            runtimes.add(RuntimeKind.valueOf(s.trim().toUpperCase(Locale.ROOT)));
                        } catch (IllegalArgumentException e) {
                            throw new IllegalArgumentException("--runtimes takes kcl and/or lambda, got '" + s + "'");
                        }
                    }
                }
                case "--work-dir" -> dir = Path.of(v);
                default -> throw new IllegalArgumentException("unknown option " + a + "; known: "
                        + Arrays.asList("--soak", "--scenarios", "--runtimes", "--work-dir"));
            }
        }
        return new FaultSuite.Options(List.copyOf(scenarios), List.copyOf(runtimes), soak, dir);
    }

    /** 90s, 30m, 2h, or ISO-8601 (PT30M). */
    static Duration duration(String v) {
        String s = v.trim().toLowerCase(Locale.ROOT);
        try {
            if (s.startsWith("pt")) {
                return Duration.parse(s.toUpperCase(Locale.ROOT));
            }
            long n = Long.parseLong(s.substring(0, s.length() - 1));
            return switch (s.charAt(s.length() - 1)) {
                case 's' -> Duration.ofSeconds(n);
                case 'm' -> Duration.ofMinutes(n);
                case 'h' -> Duration.ofHours(n);
                default -> throw new IllegalArgumentException("bad unit");
            };
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("--soak takes a duration like 90s, 30m, 2h or PT30M, got '" + v + "'");
        }
    }
}
