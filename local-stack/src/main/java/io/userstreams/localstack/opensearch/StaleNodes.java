package io.userstreams.localstack.opensearch;

import java.io.IOException;
import java.io.Reader;
import java.io.Writer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Properties;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Pid files of the nodes we started, and the clean-up of nodes left behind by a run that was
 * killed (kill -9, crash) before its shutdown hook could stop them.
 *
 * <p>Each node lives in its own folder named after the JVM that owns it, so several JVMs (test
 * forks of different modules, a standalone stack) can share one state root: a node is stale only
 * when its owner JVM is gone. Only a process that still looks like an OpenSearch JVM of that very
 * folder is killed, so a recycled pid never takes an unrelated process down.
 */
final class StaleNodes {

    static final String PID_FILE = "node.pid";
    static final String FOLDER_PREFIX = "node-";

    private static final Logger log = LoggerFactory.getLogger(StaleNodes.class);

    private StaleNodes() {
    }

    /** What a pid file says. */
    record PidFile(long pid, long ownerPid, Optional<Instant> ownerStart, int httpPort) {
    }

    static String folderName(long ownerPid, String unique) {
        return FOLDER_PREFIX + ownerPid + "-" + unique;
    }

    static void write(Path folder, PidFile pidFile) throws IOException {
        Properties p = new Properties();
        p.setProperty("pid", Long.toString(pidFile.pid()));
        p.setProperty("ownerPid", Long.toString(pidFile.ownerPid()));
        pidFile.ownerStart().ifPresent(s -> p.setProperty("ownerStart", s.toString()));
        p.setProperty("httpPort", Integer.toString(pidFile.httpPort()));
        Path temp = folder.resolve(PID_FILE + ".tmp");
        try (Writer w = Files.newBufferedWriter(temp)) {
            p.store(w, "OpenSearch node started by user-streams local-stack");
        }
        Distributions.moveAtomically(temp, folder.resolve(PID_FILE));
    }

    static Optional<PidFile> read(Path folder) {
        Path file = folder.resolve(PID_FILE);
        if (!Files.isRegularFile(file)) {
            return Optional.empty();
        }
        try (Reader r = Files.newBufferedReader(file)) {
            Properties p = new Properties();
            p.load(r);
            String start = p.getProperty("ownerStart");
            return Optional.of(new PidFile(
                    Long.parseLong(p.getProperty("pid").trim()),
                    Long.parseLong(p.getProperty("ownerPid").trim()),
                    start == null || start.isBlank() ? Optional.empty() : Optional.of(Instant.parse(start.trim())),
                    Integer.parseInt(p.getProperty("httpPort", "0").trim())));
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        }
    }

    static Optional<Instant> startOf(ProcessHandle process) {
        return process.info().startInstant();
    }

    /** Owner pid from a folder name {@code node-<ownerPid>-<unique>}, or -1. */
    static long ownerFromFolderName(String name) {
        if (!name.startsWith(FOLDER_PREFIX)) {
            return -1;
        }
        String rest = name.substring(FOLDER_PREFIX.length());
        int dash = rest.indexOf('-');
        try {
            return Long.parseLong(dash < 0 ? rest : rest.substring(0, dash));
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    static boolean isOwnerAlive(long ownerPid, Optional<Instant> recordedStart) {
        Optional<ProcessHandle> owner = ProcessHandle.of(ownerPid).filter(ProcessHandle::isAlive);
        if (owner.isEmpty()) {
            return false;
        }
        if (recordedStart.isPresent()) {
            Optional<Instant> actual = startOf(owner.get());
            // same pid, different start time: the pid was recycled and the real owner is gone
            return actual.isEmpty() || actual.get().equals(recordedStart.get());
        }
        return true;
    }

    /**
     * Stops stale nodes under {@code nodesRoot} and deletes their folders. Nodes of live owners
     * (including this JVM) are left alone. Returns the pids it stopped.
     */
    static List<Long> sweep(Path nodesRoot) {
        List<Long> stopped = new ArrayList<>();
        if (!Files.isDirectory(nodesRoot)) {
            return stopped;
        }
        List<Path> folders;
        try (Stream<Path> children = Files.list(nodesRoot)) {
            folders = children.filter(Files::isDirectory).toList();
        } catch (IOException e) {
            return stopped;
        }
        long self = ProcessHandle.current().pid();
        for (Path folder : folders) {
            long ownerFromName = ownerFromFolderName(folder.getFileName().toString());
            if (ownerFromName < 0 || ownerFromName == self) {
                continue;
            }
            Optional<PidFile> pidFile = read(folder);
            Optional<Instant> ownerStart = pidFile.flatMap(PidFile::ownerStart);
            if (isOwnerAlive(ownerFromName, ownerStart)) {
                continue;
            }
            boolean nodeStillRunning = false;
            if (pidFile.isPresent()) {
                long pid = pidFile.get().pid();
                Optional<ProcessHandle> process = ProcessHandle.of(pid).filter(ProcessHandle::isAlive);
                if (process.isPresent() && Processes.isOpenSearchJava(pid, folder.toAbsolutePath().toString())) {
                    boolean forced = Processes.terminateTree(process.get(), Duration.ofSeconds(10));
                    nodeStillRunning = process.get().isAlive();
                    stopped.add(pid);
                    log.atWarn()
                            .addKeyValue("pid", pid)
                            .addKeyValue("ownerPid", ownerFromName)
                            .addKeyValue("httpPort", pidFile.get().httpPort())
                            .addKeyValue("folder", folder.toString())
                            .addKeyValue("signal", forced ? "SIGKILL" : "SIGTERM")
                            .log("Stopped a stale OpenSearch node left behind by a killed run");
                }
            }
            if (!nodeStillRunning) {
                FileTrees.deleteQuietly(folder);
            }
        }
        return stopped;
    }
}
