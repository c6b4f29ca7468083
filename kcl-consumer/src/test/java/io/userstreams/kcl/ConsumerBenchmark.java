package io.userstreams.kcl;

import io.userstreams.localstack.LocalResources;
import io.userstreams.localstack.LocalStack;
import io.userstreams.localstack.LocalStackOptions;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.BatchWriteItemResponse;
import software.amazon.awssdk.services.dynamodb.model.PutRequest;
import software.amazon.awssdk.services.dynamodb.model.WriteRequest;

/**
 * Benchmark (prints figures): the full local stack in this JVM; two consumers in child JVMs on the
 * same stream at once — the real one (all reactions) and the ceiling (a no-op processor, separate
 * lease table). Phase 1 writes N users as fast as the table takes them (burst: throughput);
 * phase 2 writes users at a steady rate (latency when the consumer keeps up).
 *
 * <p>"Effect visible" = the core returned for the record's batch: the welcome email published, the
 * derived tables' transaction committed and the index bulk acknowledged by OpenSearch (searchable
 * after the index refresh interval, 1 s by default, on top).
 *
 * <p>Run: see README (java -cp test classpath io.userstreams.kcl.ConsumerBenchmark [users] [steadyRate]).
 */
public final class ConsumerBenchmark {

    private ConsumerBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        int users = args.length > 0 ? Integer.parseInt(args[0]) : 20_000;
        int steadyRate = args.length > 1 ? Integer.parseInt(args[1]) : 200;
        int steadyUsers = args.length > 2 ? Integer.parseInt(args[2]) : 2_000;
        Path dir = Files.createDirectories(Path.of("target", "bench"));
        try (LocalStack stack = LocalStack.start(LocalStackOptions.forTests())) {
            LocalResources res = stack.resources();
            DynamoDbClient ddb = stack.dynamoDb();
            ChildProcess core = null;
            ChildProcess noop = null;
            try {
                long launchCore = System.currentTimeMillis();
                core = ChildProcess.start("bench-core", env(stack, "bench-core", "core"), dir, "-Xmx512m");
                long launchNoop = System.currentTimeMillis();
                noop = ChildProcess.start("bench-noop", env(stack, "bench-noop", "noop"), dir, "-Xmx512m");
                // Time to first record: launch → the first record delivered (a user written at launch).
                TestUsers.insert(ddb, res.usersTable(), "warmup-0", 0);
                long firstCore = Long.parseLong(core.awaitLine("DONE", 180_000).split(" ")[1]);
                long firstNoop = Long.parseLong(noop.awaitLine("DONE", 180_000).split(" ")[1]);

                // Phase 1: burst.
                Map<String, Long> written = new ConcurrentHashMap<>();
                long t0 = System.currentTimeMillis();
                burst(ddb, res.usersTable(), "b-", users, written);
                long t1 = System.currentTimeMillis();
                long coreEnd = awaitAll(core, "b-", users, 600_000);
                long noopEnd = awaitAll(noop, "b-", users, 600_000);
                Map<String, Long> coreDone = doneTimes(core);
                long rssCoreBurst = rssKb(core.process.pid());

                // Phase 2: steady rate.
                Map<String, Long> steadyWritten = new ConcurrentHashMap<>();
                paced(ddb, res.usersTable(), "s-", steadyUsers, steadyRate, steadyWritten);
                awaitAll(core, "s-", steadyUsers, 300_000);
                Map<String, Long> coreDone2 = doneTimes(core);
                long hwmCore = hwmKb(core.process.pid());
                long rssCore = rssKb(core.process.pid());
                long hwmNoop = hwmKb(noop.process.pid());

                double coreRate = users * 1000.0 / (coreEnd - t0);
                double noopRate = users * 1000.0 / (noopEnd - t0);
                long[] burstLat = latencies(written, coreDone);
                long[] steadyLat = latencies(steadyWritten, coreDone2);
                System.out.println();
                System.out.println("=== user-streams KCL consumer benchmark (" + users + " users, PARALLELISM "
                        + System.getProperty("bench.parallelism", "4") + ", load average "
                        + Files.readString(Path.of("/proc/loadavg")).split(" ")[0] + " on "
                        + Runtime.getRuntime().availableProcessors() + " CPUs) ===");
                System.out.printf("writes: %d users in %d ms (%.0f users/s, BatchWriteItem x4 threads)%n", users,
                        t1 - t0, users * 1000.0 / (t1 - t0));
                System.out.printf("time to first record: consumer %d ms, no-op %d ms (JVM launch → first record"
                        + " processed, fresh lease table)%n", firstCore - launchCore, firstNoop - launchNoop);
                System.out.printf("end-to-end (first write → last effect): consumer %.0f records/s, no-op ceiling"
                        + " %.0f records/s, ratio %.2f (target ≥ 0.80)%n", coreRate, noopRate, coreRate / noopRate);
                System.out.printf("write→indexed latency, burst of %d: p50 %d ms, p99 %d ms, max %d ms%n", users,
                        pct(burstLat, 50), pct(burstLat, 99), burstLat[burstLat.length - 1]);
                System.out.printf("write→indexed latency, steady %d users/s x %d: p50 %d ms, p99 %d ms, max %d ms"
                        + " (targets p50 ≤ 500, p99 ≤ 1500)%n", steadyRate, steadyUsers, pct(steadyLat, 50),
                        pct(steadyLat, 99), steadyLat[steadyLat.length - 1]);
                System.out.printf("consumer RSS: %d MB now, %d MB after burst, peak (VmHWM) %d MB (-Xmx512m;"
                        + " target ≤ 512 MB); no-op peak %d MB%n", rssCore / 1024, rssCoreBurst / 1024,
                        hwmCore / 1024, hwmNoop / 1024);
            } finally {
                if (core != null) {
                    core.close();
                }
                if (noop != null) {
                    noop.close();
                }
            }
        }
    }

    private static Map<String, String> env(LocalStack stack, String app, String mode) {
        Map<String, String> env = new HashMap<>(stack.environment());
        env.put(ConsumerSettings.APPLICATION_NAME, app);
        env.put(ConsumerSettings.WORKER_ID, app + "-1");
        env.put(ConsumerSettings.HEALTH_PORT, "-1");
        env.put("CHILD_MODE", mode);
        env.put(ConsumerSettings.PARALLELISM, System.getProperty("bench.parallelism", "4"));
        env.put("CHILD_REPORT_IDS", "true");
        return env;
    }

    private static void burst(DynamoDbClient ddb, String table, String prefix, int n, Map<String, Long> written)
            throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(4);
        List<Future<?>> futures = new ArrayList<>();
        for (int start = 0; start < n; start += 25) {
            int from = start;
            int to = Math.min(n, start + 25);
            futures.add(pool.submit(() -> {
                List<WriteRequest> batch = new ArrayList<>();
                for (int i = from; i < to; i++) {
                    batch.add(WriteRequest.builder().putRequest(PutRequest.builder()
                            .item(TestUsers.user(prefix + i, i, 1)).build()).build());
                }
                Map<String, List<WriteRequest>> pending = Map.of(table, batch);
                while (!pending.isEmpty()) {
                    Map<String, List<WriteRequest>> req = pending;
                    BatchWriteItemResponse r = ddb.batchWriteItem(b -> b.requestItems(req));
                    long now = System.currentTimeMillis();
                    List<WriteRequest> left = r.unprocessedItems().getOrDefault(table, List.of());
                    for (WriteRequest w : req.get(table)) {
                        if (!left.contains(w)) {
                            written.putIfAbsent(w.putRequest().item().get("userId").s(), now);
                        }
                    }
                    pending = left.isEmpty() ? Map.of() : Map.of(table, left);
                }
                return null;
            }));
        }
        for (Future<?> f : futures) {
            f.get();
        }
        pool.shutdown();
    }

    private static void paced(DynamoDbClient ddb, String table, String prefix, int n, int rate,
                              Map<String, Long> written) throws InterruptedException {
        long start = System.nanoTime();
        for (int i = 0; i < n; i++) {
            long due = start + (long) (i * 1e9 / rate);
            long wait = due - System.nanoTime();
            if (wait > 0) {
                Thread.sleep(wait / 1_000_000, (int) (wait % 1_000_000));
            }
            Map<String, AttributeValue> item = TestUsers.user(prefix + i, i, 1);
            ddb.putItem(b -> b.tableName(table).item(item));
            written.put(prefix + i, System.currentTimeMillis());
        }
    }

    /** Waits until every user with the prefix was processed; returns when the last one was. */
    private static long awaitAll(ChildProcess child, String prefix, int n, long timeoutMs) throws InterruptedException {
        long deadline = System.currentTimeMillis() + timeoutMs;
        while (System.currentTimeMillis() < deadline) {
            Map<String, Long> done = doneTimes(child);
            long count = done.keySet().stream().filter(k -> k.startsWith(prefix)).count();
            if (count >= n) {
                return done.entrySet().stream().filter(e -> e.getKey().startsWith(prefix))
                        .mapToLong(Map.Entry::getValue).max().orElseThrow();
            }
            if (!child.process.isAlive()) {
                throw new IllegalStateException(child.name + " died; log " + child.logFile);
            }
            Thread.sleep(250);
        }
        throw new IllegalStateException(child.name + " did not process all " + prefix + " users in time");
    }

    /** userId → first time its batch was done (redeliveries keep the first). */
    private static Map<String, Long> doneTimes(ChildProcess child) {
        Map<String, Long> out = new HashMap<>();
        for (String line : child.lines("DONE ")) {
            String[] parts = line.split(" ");
            if (parts.length < 3) {
                continue;
            }
            long t = Long.parseLong(parts[1]);
            for (String id : parts[2].split(",")) {
                if (!id.isEmpty()) {
                    out.putIfAbsent(id, t);
                }
            }
        }
        return out;
    }

    private static long[] latencies(Map<String, Long> written, Map<String, Long> done) {
        long[] lat = written.entrySet().stream().filter(e -> done.containsKey(e.getKey()))
                .mapToLong(e -> Math.max(0, done.get(e.getKey()) - e.getValue())).toArray();
        Arrays.sort(lat);
        return lat;
    }

    private static long pct(long[] sorted, int p) {
        if (sorted.length == 0) {
            return -1;
        }
        return sorted[Math.min(sorted.length - 1, (int) Math.ceil(p / 100.0 * sorted.length) - 1)];
    }

    private static long rssKb(long pid) {
        return status(pid, "VmRSS:");
    }

    private static long hwmKb(long pid) {
        return status(pid, "VmHWM:");
    }

    private static long status(long pid, String field) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"))) {
                if (line.startsWith(field)) {
                    return Long.parseLong(line.replaceAll("[^0-9]", ""));
                }
            }
        } catch (Exception e) {
            return -1;
        }
        return -1;
    }
}
