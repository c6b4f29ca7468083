package io.userstreams.bench;

import io.userstreams.core.aws.CallMeter;
import io.userstreams.kcl.ConsumerSettings;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A {@link BenchConsumer} JVM: launched with the stack's environment, read through its stdout probes,
 * killed with SIGKILL (no hook, no checkpoint, no lease released) or stopped with SIGTERM.
 */
final class ConsumerChild implements AutoCloseable {

    /** Inherited variables a consumer may see; everything else (e.g. AWS_PROFILE) is dropped on purpose. */
    private static final List<String> INHERITED = List.of("PATH", "HOME", "LANG", "TMPDIR", "USER");

    final String workerId;
    final long launchedAt;
    final Path meterFile;
    final Path logFile;
    final Path outFile;
    private final Process process;
    private final AtomicLong delivered = new AtomicLong();
    private final AtomicLong done = new AtomicLong();
    private final AtomicLong batches = new AtomicLong();
    private final AtomicLong processingMicros = new AtomicLong();
    private volatile long firstDeliveredAt;
    private volatile long startedAt;
    private volatile long lastDoneAt;
    private final Thread reader;

    private ConsumerChild(String workerId, Process process, long launchedAt, Path meterFile, Path logFile) {
        this.workerId = workerId;
        this.process = process;
        this.launchedAt = launchedAt;
        this.meterFile = meterFile;
        this.logFile = logFile;
        this.outFile = logFile.resolveSibling(workerId + ".out");
        this.reader = new Thread(this::read, "child-" + workerId);
        reader.setDaemon(true);
        reader.start();
    }

    static ConsumerChild start(String application, String workerId, String mode, Map<String, String> stackEnv,
                               Map<String, String> settings, Path dir) {
        Path log = dir.resolve(workerId + ".log");
        Path meter = dir.resolve(workerId + ".meter");
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> command = new java.util.ArrayList<>(List.of(java, "-Xmx512m"));
        // e.g. a flight recording of the consumer: -Dbench.childJvmArgs=-XX:StartFlightRecording=filename=...
        String extra = System.getProperty("bench.childJvmArgs", "").trim();
        if (!extra.isEmpty()) {
            command.addAll(List.of(extra.replace("{worker}", workerId).split("\\s+")));
        }
        command.addAll(List.of("-cp", System.getProperty("java.class.path"), BenchConsumer.class.getName()));
        ProcessBuilder pb = new ProcessBuilder(command);
        Map<String, String> env = pb.environment();
        Map<String, String> inherited = new HashMap<>(env);
        env.clear();
        INHERITED.forEach(k -> {
            if (inherited.containsKey(k)) {
                env.put(k, inherited.get(k));
            }
        });
        env.putAll(stackEnv);
        env.put(ConsumerSettings.APPLICATION_NAME, application);
        env.put(ConsumerSettings.WORKER_ID, workerId);
        env.put(ConsumerSettings.HEALTH_PORT, "-1");
        env.putAll(settings);
        env.put("BENCH_MODE", mode);
        env.put("LOG_FILE", log.toString());
        env.put(CallMeter.VARIABLE, meter.toString());
        pb.redirectErrorStream(true);
        try {
            return new ConsumerChild(workerId, pb.start(), System.currentTimeMillis(), meter, log);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start consumer " + workerId, e);
        }
    }

    private void read() {
        try (BufferedReader r = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = r.readLine()) != null) {
                String[] f = line.split(" ");
                if (f.length == 3 && f[0].equals("DELIVERED")) {
                    if (delivered.getAndAdd(Long.parseLong(f[2])) == 0) {
                        firstDeliveredAt = Long.parseLong(f[1]);
                    }
                } else if (f.length == 4 && f[0].equals("DONE")) {
                    done.addAndGet(Long.parseLong(f[2]));
                    lastDoneAt = Long.parseLong(f[1]);
                    batches.incrementAndGet();
                    processingMicros.addAndGet(Long.parseLong(f[3]));
                } else if (f.length == 4 && f[0].equals("IDS")) {
                    long deliveredMs = Long.parseLong(f[1]);
                    long doneMs = Long.parseLong(f[2]);
                    for (String id : f[3].split(",")) {
                        deliveredAt.putIfAbsent(id, deliveredMs);
                        doneAt.putIfAbsent(id, doneMs);
                    }
                } else if (f.length == 2 && f[0].equals("STARTED")) {
                    startedAt = Long.parseLong(f[1]);
                } else {
                    // anything else (a configuration error, a stack trace) is kept for the failure message
                    Files.writeString(outFile, line + "\n", StandardCharsets.UTF_8, java.nio.file.StandardOpenOption.CREATE,
                            java.nio.file.StandardOpenOption.APPEND);
                }
            }
        } catch (IOException ignored) {
            // killed on purpose
        }
    }

    /** userId → when a batch holding its first record reached the core (first delivery only). */
    final Map<String, Long> deliveredAt = new java.util.concurrent.ConcurrentHashMap<>();
    /** userId → when the core finished the batch holding its first record. */
    final Map<String, Long> doneAt = new java.util.concurrent.ConcurrentHashMap<>();

    long done() {
        return done.get();
    }

    /** Batches the core finished so far. */
    long batches() {
        return batches.get();
    }

    /** Time spent inside the processor (the core, or the no-op) so far, summed over batches. */
    long processingMillis() {
        return processingMicros.get() / 1000;
    }

    long firstDeliveredAt() {
        return firstDeliveredAt;
    }

    long lastDoneAt() {
        return lastDoneAt;
    }

    /** When the child printed STARTED (its scheduler was started), or 0. */
    long startedAt() {
        return startedAt;
    }

    boolean started() {
        return startedAt > 0;
    }

    boolean alive() {
        return process.isAlive();
    }

    long pid() {
        return process.pid();
    }

    /** Waits until {@code n} records are done; returns when the last of them was. */
    long awaitDone(long n, long timeoutMs) throws InterruptedException {
        long deadline = System.currentTimeMillis() + timeoutMs;
        while (done.get() < n) {
            if (!process.isAlive()) {
                throw new IllegalStateException("consumer " + workerId + " died; output " + tail());
            }
            if (System.currentTimeMillis() > deadline) {
                throw new IllegalStateException("consumer " + workerId + " did " + done.get() + " of " + n
                        + " records in " + timeoutMs + " ms; log " + logFile);
            }
            Thread.sleep(5);
        }
        return lastDoneAt;
    }

    private String tail() {
        try {
            String text = Files.exists(outFile) ? Files.readString(outFile) : "";
            return outFile + ": " + text.substring(Math.max(0, text.length() - 2000));
        } catch (IOException e) {
            return outFile.toString();
        }
    }

    void awaitStarted(long timeoutMs) throws InterruptedException {
        long deadline = System.currentTimeMillis() + timeoutMs;
        while (!started()) {
            if (!process.isAlive() || System.currentTimeMillis() > deadline) {
                throw new IllegalStateException("consumer " + workerId + " did not start; output " + tail());
            }
            Thread.sleep(20);
        }
    }

    /** The call meter as the child last wrote it. */
    Map<String, CallMeter.Usage> meter() {
        return CallMeter.readFrom(meterFile);
    }

    /** Peak resident memory (VmHWM) in MB, or -1. */
    long peakRssMb() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc", Long.toString(process.pid()), "status"))) {
                if (line.startsWith("VmHWM:")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", "")) / 1024;
                }
            }
        } catch (IOException | RuntimeException e) {
            return -1;
        }
        return -1;
    }

    void kill9() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor(10, TimeUnit.SECONDS);
    }

    /** SIGTERM: the graceful shutdown runs (and the meter's last write). */
    void terminate() throws InterruptedException {
        process.toHandle().destroy();
        if (!process.waitFor(40, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            process.waitFor(10, TimeUnit.SECONDS);
        }
    }

    @Override
    public void close() throws InterruptedException {
        if (process.isAlive()) {
            process.destroyForcibly();
            process.waitFor(10, TimeUnit.SECONDS);
        }
    }
}
