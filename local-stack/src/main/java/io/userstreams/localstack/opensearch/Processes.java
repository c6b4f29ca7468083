package io.userstreams.localstack.opensearch;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/** Process and port helpers for Linux (/proc), kept apart so they can be tested on their own. */
final class Processes {

    /** Main class on the command line of every OpenSearch server JVM. */
    static final String OPENSEARCH_MAIN_CLASS = "org.opensearch.bootstrap.OpenSearch";

    private Processes() {
    }

    /** Real uid of this JVM, from /proc/self/status; falls back to the user name. */
    static int currentUid() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("Uid:")) {
                    return Integer.parseInt(line.substring(4).trim().split("\\s+")[0]);
                }
            }
        } catch (IOException | RuntimeException e) {
            // not Linux or /proc unavailable
        }
        return "root".equals(System.getProperty("user.name")) ? 0 : 1000;
    }

    /** The NUL-separated arguments of a live process, empty when it is gone or unreadable. */
    static Optional<List<String>> commandLine(long pid) {
        try {
            byte[] raw = Files.readAllBytes(Path.of("/proc", Long.toString(pid), "cmdline"));
            if (raw.length == 0) {
                return Optional.empty();
            }
            String joined = new String(raw, StandardCharsets.UTF_8);
            return Optional.of(List.of(joined.split("\0")));
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    /** A java process running OpenSearch whose arguments mention {@code marker} (its state folder). */
    static boolean isOpenSearchJava(long pid, String marker) {
        return commandLine(pid)
                .filter(args -> !args.isEmpty())
                .filter(args -> Path.of(args.get(0)).getFileName().toString().equals("java"))
                .filter(args -> args.contains(OPENSEARCH_MAIN_CLASS))
                .filter(args -> args.stream().anyMatch(a -> a.contains(marker)))
                .isPresent();
    }

    /**
     * SIGTERM to the process, wait up to {@code grace}, then SIGKILL; descendants (snapshotted
     * first, since they are re-parented once the process dies) get the same treatment.
     * Returns true when it had to use SIGKILL.
     */
    static boolean terminateTree(ProcessHandle process, Duration grace) {
        List<ProcessHandle> descendants = process.descendants().toList();
        process.destroy();
        descendants.forEach(ProcessHandle::destroy);
        boolean forced = false;
        if (!awaitExit(process, grace)) {
            forced = true;
            process.destroyForcibly();
            awaitExit(process, Duration.ofSeconds(10));
        }
        for (ProcessHandle child : descendants) {
            if (!awaitExit(child, Duration.ofSeconds(2))) {
                forced = true;
                child.destroyForcibly();
                awaitExit(child, Duration.ofSeconds(5));
            }
        }
        return forced;
    }

    /**
     * SIGKILL for a process tree that may still be spawning (the launcher script starts helper
     * JVMs): children first, again until none is left, so none is orphaned mid-spawn; then the root.
     */
    static void killTreeNow(ProcessHandle process) {
        List<ProcessHandle> seen = new java.util.ArrayList<>();
        for (int round = 0; round < 20 && process.isAlive(); round++) {
            List<ProcessHandle> descendants = process.descendants().toList();
            if (descendants.isEmpty()) {
                break;
            }
            seen.addAll(descendants);
            descendants.forEach(ProcessHandle::destroyForcibly);
            descendants.forEach(d -> awaitExit(d, Duration.ofSeconds(2)));
        }
        seen.addAll(process.descendants().toList());
        process.destroyForcibly();
        awaitExit(process, Duration.ofSeconds(10));
        for (ProcessHandle p : seen) {
            if (p.isAlive()) {
                p.destroyForcibly();
                awaitExit(p, Duration.ofSeconds(2));
            }
        }
    }

    static boolean awaitExit(ProcessHandle process, Duration timeout) {
        if (!process.isAlive()) {
            return true;
        }
        try {
            process.onExit().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            return true;
        } catch (TimeoutException e) {
            return !process.isAlive();
        } catch (ExecutionException e) {
            return !process.isAlive();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return !process.isAlive();
        }
    }


}
