package io.userstreams.faults;

import io.userstreams.kcl.ConsumerMain;
import io.userstreams.kcl.ConsumerSettings;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The real KCL consumer ({@link ConsumerMain}, as EC2 runs it) in its own JVM, so faults are real:
 * {@code kill -9} skips every hook, SIGTERM runs the graceful shutdown. Its JSON log goes to a file.
 */
final class ConsumerProcess implements AutoCloseable {

    /** Inherited variables a consumer may see; everything else (e.g. AWS_PROFILE) is dropped on purpose. */
    private static final List<String> INHERITED = List.of("PATH", "HOME", "LANG", "TMPDIR", "USER");

    private final String workerId;
    private final Process process;
    private final Path logFile;

    private ConsumerProcess(String workerId, Process process, Path logFile) {
        this.workerId = workerId;
        this.process = process;
        this.logFile = logFile;
    }

    /** Starts a consumer with {@code env} (the stack's variables plus the consumer's settings). */
    static ConsumerProcess start(String workerId, Map<String, String> env, Path logDir) {
        Path log = logDir.resolve(workerId + ".log");
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        ProcessBuilder pb = new ProcessBuilder(java, "-Xmx384m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
                "-cp", System.getProperty("java.class.path"), ConsumerMain.class.getName());
        Map<String, String> childEnv = pb.environment();
        Map<String, String> inherited = Map.copyOf(childEnv);
        childEnv.clear();
        INHERITED.forEach(k -> {
            if (inherited.containsKey(k)) {
                childEnv.put(k, inherited.get(k));
            }
        });
        childEnv.putAll(env);
        childEnv.put(ConsumerSettings.WORKER_ID, workerId);
        childEnv.put("LOG_FILE", log.toString());
        pb.redirectErrorStream(true).redirectOutput(logDir.resolve(workerId + ".out").toFile());
        try {
            return new ConsumerProcess(workerId, pb.start(), log);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start consumer " + workerId, e);
        }
    }

    String workerId() {
        return workerId;
    }

    boolean isAlive() {
        return process.isAlive();
    }

    Path logFile() {
        return logFile;
    }

    /** SIGKILL: no shutdown hook, no checkpoint, no lease released. */
    void kill9() {
        process.destroyForcibly();
        waitFor(Duration.ofSeconds(10));
    }

    /** SIGTERM, then waits: returns the exit code (143 = ended by the signal after the hooks ran). */
    int terminate(Duration timeout) {
        process.toHandle().destroy();
        if (!waitFor(timeout)) {
            throw new IllegalStateException("consumer " + workerId + " did not stop within " + timeout
                    + " of SIGTERM; log " + logFile);
        }
        return process.exitValue();
    }

    private boolean waitFor(Duration timeout) {
        try {
            return process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    @Override
    public void close() {
        if (process.isAlive()) {
            process.destroyForcibly();
            waitFor(Duration.ofSeconds(10));
        }
    }
}
