package io.userstreams.kcl;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

/** A consumer JVM started from the test classpath; always killed in close(). */
final class ChildProcess implements AutoCloseable {

    final String name;
    final Process process;
    final List<String> lines = new CopyOnWriteArrayList<>();
    final Path logFile;
    private final Thread reader;

    private ChildProcess(String name, Process process, Path logFile) {
        this.name = name;
        this.process = process;
        this.logFile = logFile;
        this.reader = new Thread(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(process.getInputStream(),
                    StandardCharsets.UTF_8))) {
                String line;
                while ((line = r.readLine()) != null) {
                    lines.add(line);
                }
            } catch (IOException ignored) {
                // the process died: that is what some tests do on purpose
            }
        }, "child-" + name);
        reader.setDaemon(true);
        reader.start();
    }

    /**
     * A child consumer's environment on {@code stack}: the welcome and derived-tables reactions (whose
     * duplicates would show), batches of 20, no ops port, an optional pause between apply and checkpoint.
     */
    static Map<String, String> consumerEnvironment(io.userstreams.localstack.LocalStack stack, String app, String worker,
                                                   long pauseMs) {
        Map<String, String> env = new java.util.HashMap<>(stack.environment());
        env.put(ConsumerSettings.APPLICATION_NAME, app);
        env.put(ConsumerSettings.WORKER_ID, worker);
        env.put(ConsumerSettings.HEALTH_PORT, "-1");
        env.put(ConsumerSettings.MAX_RECORDS, "20");
        env.put("REACTIONS", "welcome-email,derived-tables");
        env.put("CHILD_PAUSE_AFTER_APPLY_MS", Long.toString(pauseMs));
        return env;
    }

    static ChildProcess start(String name, Map<String, String> env, Path dir) throws IOException {
        return start(name, env, dir, "-Xmx256m");
    }

    static ChildProcess start(String name, Map<String, String> env, Path dir, String heap) throws IOException {
        Path log = dir.resolve(name + "-" + System.nanoTime() + ".log");
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        ProcessBuilder pb = new ProcessBuilder(java, heap, "-cp", System.getProperty("java.class.path"),
                ChildConsumer.class.getName());
        pb.environment().putAll(env);
        pb.environment().put("LOG_FILE", log.toString());
        pb.redirectErrorStream(true);
        return new ChildProcess(name, pb.start(), log);
    }

    Optional<String> firstLine(String prefix) {
        return lines.stream().filter(l -> l.startsWith(prefix)).findFirst();
    }

    List<String> lines(String prefix) {
        List<String> out = new ArrayList<>();
        for (String l : lines) {
            if (l.startsWith(prefix)) {
                out.add(l);
            }
        }
        return out;
    }

    String awaitLine(String prefix, long timeoutMs) throws InterruptedException {
        long deadline = System.currentTimeMillis() + timeoutMs;
        while (System.currentTimeMillis() < deadline) {
            Optional<String> l = firstLine(prefix);
            if (l.isPresent()) {
                return l.get();
            }
            if (!process.isAlive()) {
                throw new AssertionError(name + " exited with " + process.exitValue() + " before printing '" + prefix
                        + "'; output: " + lines + "; log " + logFile);
            }
            Thread.sleep(100);
        }
        throw new AssertionError(name + " did not print '" + prefix + "' within " + timeoutMs + " ms; output: "
                + lines + "; log " + logFile);
    }

    /** SIGKILL: no shutdown hook, no checkpoint, no lease release. */
    void kill9() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor(10, TimeUnit.SECONDS);
    }

    /** SIGTERM: the JVM runs its shutdown hooks (graceful shutdown). */
    int terminate(long timeoutMs) throws InterruptedException {
        // Process.destroy() would also close our end of the child's stdout and lose its last lines.
        process.toHandle().destroy();
        if (!process.waitFor(timeoutMs, TimeUnit.MILLISECONDS)) {
            throw new AssertionError(name + " did not exit within " + timeoutMs + " ms of SIGTERM");
        }
        reader.join(5000);      // the last lines may still be in the pipe when the process has exited
        return process.exitValue();
    }

    @Override
    public void close() throws InterruptedException {
        if (process.isAlive()) {
            process.destroyForcibly();
            process.waitFor(10, TimeUnit.SECONDS);
        }
    }
}
