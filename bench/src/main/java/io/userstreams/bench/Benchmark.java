package io.userstreams.bench;

import com.amazonaws.services.lambda.runtime.events.StreamsEventResponse;
import io.userstreams.core.aws.CallMeter;
import io.userstreams.core.aws.CallMeter.Usage;
import io.userstreams.lambda.StreamHandlerRuntime;
import io.userstreams.lambda.UserStreamHandler;
import io.userstreams.localstack.LocalStack;
import io.userstreams.localstack.LocalStackOptions;
import io.userstreams.testkit.esm.EventSourceMapping;
import io.userstreams.testkit.esm.MappingSettings;
import java.io.FileOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeDefinition;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.BillingMode;
import software.amazon.awssdk.services.dynamodb.model.KeySchemaElement;
import software.amazon.awssdk.services.dynamodb.model.KeyType;
import software.amazon.awssdk.services.dynamodb.model.ScalarAttributeType;
import software.amazon.awssdk.services.dynamodb.model.StreamViewType;

/**
 * Benchmark v2 (prints one table; nothing asserts a speed). One local stack; for each path its own
 * users table whose stream is pre-filled with N changes of a realistic mix ({@link ChangeMix}), then
 * drained by:
 * <ol type="a">
 *   <li>the KCL consumer with a no-op processor (child JVM): KCL + adapter + conversion;</li>
 *   <li>the KCL consumer with all reactions (child JVM, as EC2 runs it);</li>
 *   <li>the Lambda handler ({@link UserStreamHandler}) as template.yaml deploys it, WelcomeFunction and
 *       ReactionsFunction, each behind the faithful event source mapping emulator;</li>
 *   <li>the same effects written straight to the sinks in batches ({@link DirectSinks}): the sinks' limit;</li>
 * </ol>
 * plus the cost baseline ({@link PerRecordBaseline}) measured like (c). Then, at a steady write rate,
 * write → indexed and write → welcome-published latency for (b) and (c); time to first record; KCL
 * failover after kill -9 of the lease holder; peak RSS; AWS cost per million changes from the call
 * meter ({@link CallMeter}) at list prices ({@link Prices}).
 *
 * <p>Properties: {@code bench.changes} (N, default 3000), {@code bench.rate} (steady writes/s, 50),
 * {@code bench.seconds} (steady phase length, 20). Run: docs/performance.md.
 */
public final class Benchmark {

    private final int changes = Integer.getInteger("bench.changes", 3000);
    private final int rate = Integer.getInteger("bench.rate", 50);
    private final int seconds = Integer.getInteger("bench.seconds", 20);
    private final Path dir;
    private final PrintStream out;
    private final LocalStack stack;
    private final DynamoDbClient ddb;
    private final Map<String, Path> tables = new LinkedHashMap<>();
    private final List<String> lines = new ArrayList<>();
    private final Map<String, Double> rates = new LinkedHashMap<>();
    private final Map<String, Cost> costs = new LinkedHashMap<>();
    /** Consumer settings of a second, tuned KCL run (b'), e.g. {@code FAILOVER_MS=2000,PARALLELISM=8}; empty: none. */
    private final Map<String, String> tuned = parseSettings(System.getProperty("bench.kclTuned", ""));

    private Benchmark(Path dir, PrintStream out, LocalStack stack) {
        this.dir = dir;
        this.out = out;
        this.stack = stack;
        this.ddb = stack.dynamoDb();
    }

    public static void main(String[] args) throws Exception {
        Path dir = Files.createDirectories(Path.of("target", "bench"));
        PrintStream stdout = System.out;
        // The in-process handlers print EMF metric lines on stdout (CloudWatch takes them in AWS): to a file.
        PrintStream emf = new PrintStream(new FileOutputStream(dir.resolve("lambda-emf.log").toFile()), true,
                StandardCharsets.UTF_8);
        System.setOut(emf);
        String loadStart = loadAverage();
        long t0 = System.nanoTime();
        try (LocalStack stack = LocalStack.start(LocalStackOptions.forTests())) {
            stdout.printf("bench: local stack up in %.1f s; load average %s%n", (System.nanoTime() - t0) / 1e9, loadStart);
            new Benchmark(dir, stdout, stack).run(loadStart);
        } finally {
            System.setOut(stdout);
            emf.close();
        }
    }

    private void run(String loadStart) throws Exception {
        Map<String, String> env = stack.environment();
        ChangeMix kclMix = prefill("bench_users_kcl", "k-", 1);
        KclFigures noop = drainKcl("bench-noop", "noop", kclMix, "bench_users_kcl", Map.of());
        progress("(a) no-op KCL: %.0f records/s, first record %d ms; %s", noop.rate, noop.firstRecordMs, noop.profile);
        KclFigures kcl = drainKcl("bench-kcl", "core", kclMix, "bench_users_kcl", Map.of());
        progress("(b) KCL consumer: %.0f records/s, first record %d ms; %s", kcl.rate, kcl.firstRecordMs, kcl.profile);
        costs.put("KCL consumer (b)", Cost.of(kcl.meter, kclMix.size(), 0, 0, true));

        KclFigures kclTuned = null;
        if (!tuned.isEmpty()) {
            ChangeMix tunedMix = prefill("bench_users_kcl2", "t-", 1);
            kclTuned = drainKcl("bench-tuned", "core", tunedMix, "bench_users_kcl2", tuned);
            progress("(b') KCL consumer %s: %.0f records/s, first record %d ms; %s", tuned, kclTuned.rate,
                    kclTuned.firstRecordMs, kclTuned.profile);
            costs.put("KCL consumer, tuned (b')", Cost.of(kclTuned.meter, tunedMix.size(), 0, 0, true));
        }

        LambdaFigures lambda = drainLambda();
        progress("(c) Lambda: %.0f records/s; %s", lambda.rate, lambda.profile);

        ChangeMix directMix = ChangeMix.generate("d-", changes, 3);
        var directChanges = directMix.userChanges();
        Map<String, Usage> before = CallMeter.snapshot();
        Duration direct;
        try (DirectSinks sinks = new DirectSinks(env)) {
            direct = sinks.run(directChanges);
        }
        double directRate = directMix.size() / (direct.toNanos() / 1e9);
        costs.put("direct to sinks (d)", Cost.of(CallMeter.difference(CallMeter.snapshot(), before), directMix.size(), 0, 0,
                false));
        progress("(d) direct to sinks: %.0f records/s", directRate);

        BaselineFigures baseline = drainBaseline();
        progress("baseline (per record): %.0f records/s", baseline.rate);

        // ---------------------------------------------------------------- the table
        String loadEnd = loadAverage();
        out.println();
        out.printf("=== user-streams benchmark v2: N = %d stream records per path (%s), %d CPUs, load average"
                + " start %s, end %s ===%n", kclMix.size(), kclMix.counts(), Runtime.getRuntime().availableProcessors(),
                loadStart, loadEnd);
        out.println("| measure | value | target |");
        out.println("|---|---|---|");
        row("(a) no-op KCL processor, drain", "%.0f records/s", noop.rate, "");
        row("(b) KCL consumer, all reactions, drain", "%.0f records/s", kcl.rate, "");
        row("(c) Lambda handler (2 functions, emulated mapping), drain", "%.0f records/s", lambda.rate, "");
        row("(d) direct to sinks, batched, no stream/idempotency", "%.0f records/s", directRate, "");
        row("b/d", "%.2f", kcl.rate / directRate, "≥ 0.80");
        row("c/d", "%.2f", lambda.rate / directRate, "≥ 0.60");
        row("b/a (reactions vs KCL ceiling)", "%.2f", kcl.rate / noop.rate, "");
        row("per-record baseline behind the emulator, drain", "%.0f records/s", baseline.rate, "");
        row("(b) write→indexed at " + rate + "/s, p50 / p99", "%s", kcl.indexed, "≤ 150 / ≤ 400 ms");
        row("(b) write→welcome published at " + rate + "/s, p50 / p99", "%s", kcl.welcomed, "");
        row("(c) write→indexed at " + rate + "/s, p50 / p99", "%s", lambda.indexed, "≤ 150 / ≤ 400 ms");
        row("(c) write→welcome published at " + rate + "/s, p50 / p99", "%s", lambda.welcomed, "");
        row("(b) time to first record (JVM launch, fresh lease table)", "%d ms", kcl.firstRecordMs, "≤ 5000 ms");
        row("(a) time to first record (JVM launch, fresh lease table)", "%d ms", noop.firstRecordMs, "≤ 5000 ms");
        row("(c) time to first record (mapping start, warm handler)", "%d ms", lambda.firstRecordMs, "");
        row("(b) failover after kill -9 of the lease holder (kill → next new record indexed)", "%s", kcl.failover,
                "≤ 10 s");
        if (kclTuned != null) {
            String t = "(b') tuned " + tuned + ": ";
            row(t + "drain", "%.0f records/s", kclTuned.rate, "");
            row(t + "b'/d", "%.2f", kclTuned.rate / directRate, "≥ 0.80");
            row(t + "write→indexed p50 / p99", "%s", kclTuned.indexed, "≤ 150 / ≤ 400 ms");
            row(t + "write→welcome published p50 / p99", "%s", kclTuned.welcomed, "");
            row(t + "time to first record", "%d ms", kclTuned.firstRecordMs, "≤ 5000 ms");
            row(t + "failover after kill -9", "%s", kclTuned.failover, "≤ 10 s");
            row(t + "peak RSS", "%d MB", kclTuned.peakRssMb, "");
        }
        row("(a) peak RSS (VmHWM), -Xmx512m", "%d MB", noop.peakRssMb, "");
        row("(b) peak RSS (VmHWM), -Xmx512m", "%d MB", kcl.peakRssMb, "");
        lines.forEach(out::println);
        out.println();
        out.println("where the time went: (a) " + noop.profile);
        out.println("                     (b) " + kcl.profile);
        if (kclTuned != null) {
            out.println("                     (b') " + kclTuned.profile);
        }
        out.println("                     (c) " + lambda.profile);
        out.println();
        costs.put("Lambda handler (c)", lambda.cost);
        costs.put("per-record baseline (Lambda)", baseline.cost);
        Cost.printTable(costs, out);
        Cost lambdaCost = lambda.cost;
        Cost kclCost = costs.get("KCL consumer (b)");
        out.printf("cost ratio to the per-record baseline: Lambda %.2f, KCL %.2f (target ≤ 0.70)%n",
                lambdaCost.total() / baseline.cost.total(), kclCost.total() / baseline.cost.total());
        printByKind();
        out.println();
        out.println("DynamoDB calls per 1,000 changes (requests / capacity units), by path:");
        costs.forEach((name, c) -> c.printCalls(name, out));
    }

    private static Map<String, String> parseSettings(String text) {
        Map<String, String> out = new LinkedHashMap<>();
        // KEY=VALUE pairs separated by commas; a value may hold commas itself (REACTIONS=a,b).
        for (String pair : text.split(",(?=\\s*[A-Z][A-Z0-9_]*=)")) {
            int eq = pair.indexOf('=');
            if (eq > 0) {
                out.put(pair.substring(0, eq).trim(), pair.substring(eq + 1).trim());
            }
        }
        return out;
    }

    private void row(String what, String format, Object value, String target) {
        lines.add("| " + what + " | " + String.format(format, value) + " | " + target + " |");
    }

    private void progress(String format, Object... args) {
        out.printf("bench: " + format + " (load %s)%n", append(args, loadAverage()));
    }

    private static Object[] append(Object[] args, Object last) {
        Object[] all = Arrays.copyOf(args, args.length + 1);
        all[args.length] = last;
        return all;
    }

    // ---------------------------------------------------------------- prefill

    /** A users table like template.yaml's (stream NEW_AND_OLD_IMAGES, TTL on expiresAt), its stream filled. */
    private ChangeMix prefill(String table, String prefix, long seed) throws InterruptedException {
        ddb.createTable(b -> b.tableName(table).billingMode(BillingMode.PAY_PER_REQUEST)
                .attributeDefinitions(AttributeDefinition.builder().attributeName("userId")
                        .attributeType(ScalarAttributeType.S).build())
                .keySchema(KeySchemaElement.builder().attributeName("userId").keyType(KeyType.HASH).build())
                .streamSpecification(s -> s.streamEnabled(true).streamViewType(StreamViewType.NEW_AND_OLD_IMAGES)));
        ddb.updateTimeToLive(b -> b.tableName(table).timeToLiveSpecification(t -> t.enabled(true).attributeName("expiresAt")));
        ChangeMix mix = ChangeMix.generate(prefix, changes, seed);
        Duration written = mix.writeTo(ddb, table);
        mix.awaitExpiries(ddb, table, Duration.ofSeconds(120));
        progress("%s: %d stream records written in %d ms (%s)", table, mix.size(), written.toMillis(), mix.counts());
        return mix;
    }

    private Map<String, String> env(String usersTable) {
        Map<String, String> env = new HashMap<>(stack.environment());
        env.put("USERS_TABLE", usersTable);
        return env;
    }

    // ---------------------------------------------------------------- KCL

    private record KclFigures(double rate, long firstRecordMs, long peakRssMb, Map<String, Usage> meter, String indexed,
                              String welcomed, String failover, String profile) {
    }

    private KclFigures drainKcl(String application, String mode, ChangeMix mix, String table,
                                Map<String, String> kclSettings) throws Exception {
        Map<String, String> env = env(table);
        ConsumerChild child = ConsumerChild.start(application, application + "-w1", mode, env, kclSettings, dir);
        ConsumerChild second = null;
        try {
            child.awaitDone(mix.size(), 600_000);
            long first = child.firstDeliveredAt();
            double drainRate = mix.size() * 1000.0 / Math.max(1, child.lastDoneAt() - first);
            Thread.sleep(600);      // the child writes its meter every 250 ms
            Map<String, Usage> meter = child.meter();
            long rss = child.peakRssMb();
            long drainMs = Math.max(1, child.lastDoneAt() - first);
            double getRecords = meter.entrySet().stream().filter(e -> e.getKey().contains("/GetRecords"))
                    .mapToLong(e -> e.getValue().requests()).sum();
            String profile0 = String.format("drain %d ms, %d%% of it inside the processor (%d ms summed over %d batches,"
                            + " mean %.0f records per batch, %.0f GetRecords calls); JVM launch → STARTED %d ms,"
                            + " STARTED → first record %d ms", drainMs, child.processingMillis() * 100 / drainMs,
                    child.processingMillis(), child.batches(), mix.size() / (double) Math.max(1, child.batches()), getRecords,
                    child.startedAt() - child.launchedAt, first - child.startedAt());
            String profile = profile0;
            if (mode.equals("noop")) {
                return new KclFigures(drainRate, first - child.launchedAt, rss, meter, "", "", "", profile);
            }
            long batchesBefore = child.batches();
            long busyBefore = child.processingMillis();
            String reactions = kclSettings.getOrDefault("REACTIONS", "all");
            if (!reactions.equals("all") && !reactions.contains("search-index")) {
                // latency and failover are read from the index: nothing to see without its reaction
                return new KclFigures(drainRate, first - child.launchedAt, rss, meter, "n/a (no search-index reaction)",
                        "n/a", "n/a (no search-index reaction)", profile);
            }
            boolean welcome = reactions.equals("all") || reactions.contains("welcome-email");
            String[] latency = steady(table, mix.prefix + "s-", welcome, child);
            long batches = child.batches() - batchesBefore;
            profile += String.format("; steady phase: %d batches, %.0f ms each inside the processor on average; %s",
                    batches, (child.processingMillis() - busyBefore) / (double) Math.max(1, batches), latency[2]);
            // Failover: a second worker of the same application, then kill -9 of the lease holder.
            second = ConsumerChild.start(application, application + "-w2", mode, env, kclSettings, dir);
            second.awaitStarted(120_000);
            Thread.sleep(3000);
            String failover = failover(application, table, mix.prefix + "f-", List.of(child, second));
            return new KclFigures(drainRate, first - child.launchedAt, rss, meter, latency[0], latency[1], failover, profile);
        } finally {
            child.terminate();
            if (second != null) {
                second.terminate();
            }
        }
    }

    /** Kills the holder of the first shard lease while users are written at the steady rate. */
    private String failover(String application, String table, String prefix, List<ConsumerChild> workers)
            throws Exception {
        String holder = null;
        long deadline = System.currentTimeMillis() + 60_000;
        while (holder == null && System.currentTimeMillis() < deadline) {
            for (Map<String, AttributeValue> lease : ddb.scan(b -> b.tableName(application).consistentRead(true)).items()) {
                if (lease.containsKey("leaseKey") && lease.get("leaseKey").s().contains("shardId-")
                        && lease.containsKey("leaseOwner")) {
                    holder = lease.get("leaseOwner").s();
                    break;
                }
            }
            Thread.sleep(200);
        }
        String owner = holder;
        ConsumerChild victim = workers.stream().filter(w -> w.workerId.equals(owner)).findFirst()
                .orElseThrow(() -> new IllegalStateException("no lease holder among the workers: " + owner));
        try (EffectWatch watch = watch()) {
            AtomicLong killedAt = new AtomicLong();
            Thread writer = new Thread(() -> {
                long start = System.nanoTime();
                for (int i = 0; i < rate * 60 && !Thread.currentThread().isInterrupted(); i++) {
                    pace(start, i);
                    String id = prefix + i;
                    Map<String, AttributeValue> item = user(id, i);
                    try {
                        ddb.putItem(b -> b.tableName(table).item(item));
                    } catch (RuntimeException e) {
                        return;     // interrupted at the end of the measurement
                    }
                    long now = System.currentTimeMillis();
                    if (killedAt.get() > 0 && now > killedAt.get()) {
                        watch.watch(id, now, false);
                    }
                }
            }, "failover-writer");
            writer.setDaemon(true);
            writer.start();
            Thread.sleep(3000);
            victim.kill9();
            killedAt.set(System.currentTimeMillis());
            long until = System.currentTimeMillis() + 55_000;
            while (watch.indexedAt.isEmpty() && System.currentTimeMillis() < until) {
                Thread.sleep(20);
            }
            writer.interrupt();
            writer.join(5000);
            if (watch.indexedAt.isEmpty()) {
                return "> 55 s (no record written after the kill was indexed)";
            }
            long first = watch.indexedAt.values().stream().mapToLong(Long::longValue).min().orElseThrow();
            return String.format("%.1f s", (first - killedAt.get()) / 1000.0);
        }
    }

    // ---------------------------------------------------------------- Lambda

    private record LambdaFigures(double rate, long firstRecordMs, Cost cost, String indexed, String welcomed,
                                 String profile) {
    }

    /** Invocations, records done and billed duration of one function. */
    private static final class FunctionMeter {
        final AtomicLong invocations = new AtomicLong();
        final AtomicLong records = new AtomicLong();
        final AtomicLong nanos = new AtomicLong();
        final AtomicLong firstAt = new AtomicLong();

        EventSourceMapping.StreamFunction around(EventSourceMapping.StreamFunction f) {
            return (event, context) -> {
                firstAt.compareAndSet(0, System.currentTimeMillis());
                long start = System.nanoTime();
                StreamsEventResponse r = f.invoke(event, context);
                nanos.addAndGet(System.nanoTime() - start);
                invocations.incrementAndGet();
                boolean failed = r != null && r.getBatchItemFailures() != null && !r.getBatchItemFailures().isEmpty();
                if (!failed) {
                    records.addAndGet(event.getRecords().size());
                }
                return r;
            };
        }

        /** Lambda bills duration per invocation rounded up to 1 ms. */
        double gbSeconds(int memoryMb) {
            return (nanos.get() / 1e9 + invocations.get() * 0.0005) * memoryMb / 1024.0;
        }
    }

    private LambdaFigures drainLambda() throws Exception {
        ChangeMix mix = prefill("bench_users_lambda", "l-", 2);
        Map<String, String> base = env("bench_users_lambda");
        Map<String, FunctionMeter> meters = new LinkedHashMap<>();
        List<EventSourceMapping> mappings = new ArrayList<>();
        List<StreamHandlerRuntime> runtimes = new ArrayList<>();
        Map<String, Usage> before = CallMeter.snapshot();
        long started = System.currentTimeMillis();
        try {
            for (String fn : List.of(MappingSettings.WELCOME_FUNCTION, MappingSettings.REACTIONS_FUNCTION)) {
                Map<String, String> env = new HashMap<>(base);
                env.putAll(MappingSettings.functionEnvironment(fn));
                StreamHandlerRuntime runtime = StreamHandlerRuntime.fromEnvironment(env);
                runtimes.add(runtime);
                UserStreamHandler handler = new UserStreamHandler(runtime);
                FunctionMeter m = new FunctionMeter();
                meters.put(fn, m);
                mappings.add(EventSourceMapping.builder(MappingSettings.fromTemplate(fn), m.around(handler::handleRequest))
                        .name("bench-" + fn).stream(stack.dynamoDbStreams(), streamArn("bench_users_lambda"))
                        .onFailure(stack.sqs(), stack.resources().deadLetterQueueUrl()).start());
            }
            FunctionMeter welcome = meters.get(MappingSettings.WELCOME_FUNCTION);
            FunctionMeter reactions = meters.get(MappingSettings.REACTIONS_FUNCTION);
            long deadline = System.currentTimeMillis() + 600_000;
            while (welcome.records.get() < mix.inserts() || reactions.records.get() < mix.size()) {
                if (System.currentTimeMillis() > deadline) {
                    throw new IllegalStateException("the Lambda path did not drain: welcome " + welcome.records.get()
                            + "/" + mix.inserts() + ", reactions " + reactions.records.get() + "/" + mix.size());
                }
                Thread.sleep(2);
            }
            long end = System.currentTimeMillis();
            long first = Math.min(welcome.firstAt.get(), reactions.firstAt.get());
            double drainRate = mix.size() * 1000.0 / Math.max(1, end - first);
            Map<String, Usage> meter = CallMeter.difference(CallMeter.snapshot(), before);
            int memory = memoryMb();
            long invocations = meters.values().stream().mapToLong(f -> f.invocations.get()).sum();
            double gbs = meters.values().stream().mapToDouble(f -> f.gbSeconds(memory)).sum();
            Cost cost = Cost.of(meter, mix.size(), invocations, gbs, false);
            String profile = String.format("drain %d ms; inside the functions: welcome %d ms over %d invocations,"
                    + " reactions %d ms over %d invocations", end - first, welcome.nanos.get() / 1_000_000,
                    welcome.invocations.get(), reactions.nanos.get() / 1_000_000, reactions.invocations.get());
            costByKind("Lambda handler (c)", "bench_users_lambda", "lk-", kindUsers(),
                    () -> welcome.records.get() + reactions.records.get(), k -> k == KindPhase.INSERT ? 2 : 1,
                    new FunctionMeter[] {welcome, reactions});
            String[] latency = steady("bench_users_lambda", "ls-", true, null);
            return new LambdaFigures(drainRate, first - started, cost, latency[0], latency[1], profile);
        } finally {
            mappings.forEach(EventSourceMapping::close);
            for (StreamHandlerRuntime r : runtimes) {
                r.close();
            }
        }
    }

    private record BaselineFigures(double rate, Cost cost) {
    }

    private BaselineFigures drainBaseline() throws Exception {
        ChangeMix mix = prefill("bench_users_baseline", "p-", 4);
        Map<String, Usage> before = CallMeter.snapshot();
        FunctionMeter m = new FunctionMeter();
        try (PerRecordBaseline function = new PerRecordBaseline(env("bench_users_baseline"));
             EventSourceMapping mapping = EventSourceMapping.builder(
                     MappingSettings.fromTemplate(MappingSettings.REACTIONS_FUNCTION), m.around(function))
                     .name("bench-baseline").stream(stack.dynamoDbStreams(), streamArn("bench_users_baseline"))
                     .onFailure(stack.sqs(), stack.resources().deadLetterQueueUrl()).start()) {
            long deadline = System.currentTimeMillis() + 900_000;
            while (m.records.get() < mix.size()) {
                if (System.currentTimeMillis() > deadline) {
                    throw new IllegalStateException("the baseline did not drain: " + m.records.get() + "/" + mix.size());
                }
                Thread.sleep(2);
            }
            long end = System.currentTimeMillis();
            double drainRate = mix.size() * 1000.0 / Math.max(1, end - m.firstAt.get());
            Cost cost = Cost.of(CallMeter.difference(CallMeter.snapshot(), before), mix.size(), m.invocations.get(),
                    m.gbSeconds(memoryMb()), false);
            costByKind("per-record baseline", "bench_users_baseline", "pk-", kindUsers(), m.records::get, k -> 1,
                    new FunctionMeter[] {m});
            return new BaselineFigures(drainRate, cost);
        }
    }


    // ---------------------------------------------------------------- cost per change kind

    /** The change kinds measured one at a time, and the stream records each writes per user. */
    private enum KindPhase {
        INSERT(1), PLAN(1), EMAIL(1), DELETE(1), TTL_EXPIRY(2);
        final int records;

        KindPhase(int records) {
            this.records = records;
        }
    }

    /** Per kind: what the running runtime's calls cost, scaled to a million changes of that kind. */
    private final Map<String, Map<KindPhase, Cost>> byKind = new LinkedHashMap<>();

    /**
     * With a runtime already consuming {@code table}: per kind, {@code users} changes of that kind only
     * (sign-ups first, then plan changes, email changes, deletions and TTL expiries of those users),
     * each phase metered on its own once the runtime has processed it.
     *
     * @param processed records the runtime has finished so far (all functions together)
     * @param expected  records the runtime finishes per stream record of a kind (Lambda: a sign-up
     *                  reaches both functions)
     * @param lambda    invocations and billed seconds so far, or null for no Lambda
     */
    private void costByKind(String path, String table, String prefix, int users, java.util.function.LongSupplier processed,
                            java.util.function.ToIntFunction<KindPhase> expected, FunctionMeter[] lambda)
            throws InterruptedException {
        Map<KindPhase, Cost> out = new java.util.EnumMap<>(KindPhase.class);
        List<io.userstreams.core.user.User> live = new ArrayList<>();
        for (KindPhase kind : KindPhase.values()) {
            Map<String, Usage> before = CallMeter.snapshot();
            long doneBefore = processed.getAsLong();
            long invocationsBefore = lambda == null ? 0 : Arrays.stream(lambda).mapToLong(f -> f.invocations.get()).sum();
            double gbsBefore = lambda == null ? 0 : Arrays.stream(lambda).mapToDouble(f -> f.gbSeconds(memoryMb())).sum();
            for (int i = 0; i < users; i++) {
                io.userstreams.core.user.User u;
                switch (kind) {
                    case INSERT -> {
                        String id = prefix + i;
                        u = new io.userstreams.core.user.User(id, id + "@example.com", "User " + i,
                                i % 2 == 0 ? "free" : "pro", "US", "en", java.time.Instant.parse("2026-12-01T00:00:00Z"), 1,
                                java.util.OptionalLong.empty());
                        live.add(u);
                    }
                    case PLAN -> {
                        io.userstreams.core.user.User v = live.get(i);
                        u = v.withPlan(v.plan().equals("free") ? "pro" : "enterprise").withVersion(v.version() + 1);
                        live.set(i, u);
                    }
                    case EMAIL -> {
                        io.userstreams.core.user.User v = live.get(i);
                        u = v.withEmail(v.userId() + ".new@example.org").withVersion(v.version() + 1);
                        live.set(i, u);
                    }
                    case DELETE -> {
                        u = null;
                        if (i % 2 == 0) {
                            String id = live.get(i).userId();
                            ddb.deleteItem(b -> b.tableName(table).key(io.userstreams.core.user.UserItems.key(id)));
                        }
                    }
                    default -> {
                        io.userstreams.core.user.User v = live.get(i);
                        u = i % 2 == 1 ? v.withExpiresAt(java.util.OptionalLong.of(
                                java.time.Instant.now().minusSeconds(3600).getEpochSecond())).withVersion(v.version() + 1)
                                : null;
                    }
                }
                if (u != null) {
                    Map<String, AttributeValue> item = io.userstreams.core.user.UserItems.toItem(u);
                    ddb.putItem(b -> b.tableName(table).item(item));
                }
            }
            // Deletions take the even users, expiries the odd ones (still alive).
            int changed = switch (kind) {
                case DELETE -> (users + 1) / 2;
                case TTL_EXPIRY -> users / 2;
                default -> users;
            };
            long target = doneBefore + (long) changed * kind.records * expected.applyAsInt(kind);
            long deadline = System.currentTimeMillis() + 120_000;
            while (processed.getAsLong() < target && System.currentTimeMillis() < deadline) {
                Thread.sleep(20);
            }
            Thread.sleep(300);
            long invocations = lambda == null ? 0
                    : Arrays.stream(lambda).mapToLong(f -> f.invocations.get()).sum() - invocationsBefore;
            double gbs = lambda == null ? 0
                    : Arrays.stream(lambda).mapToDouble(f -> f.gbSeconds(memoryMb())).sum() - gbsBefore;
            // Per change of this kind (a TTL expiry is one user change, two stream records).
            out.put(kind, Cost.of(CallMeter.difference(CallMeter.snapshot(), before), changed, invocations, gbs, false));
            if (processed.getAsLong() < target) {
                progress("%s, %s: only %d of %d records processed in 120 s", path, kind, processed.getAsLong() - doneBefore,
                        target - doneBefore);
            }
        }
        byKind.put(path, out);
    }

    private void printByKind() {
        if (byKind.isEmpty()) {
            return;
        }
        out.println();
        out.println("AWS cost per million user changes of one kind (a TTL expiry = the write setting expiresAt + the"
                + " sweeper's REMOVE); each kind written alone while the runtime ran:");
        StringBuilder head = new StringBuilder("| kind |");
        StringBuilder rule = new StringBuilder("|---|");
        byKind.keySet().forEach(p -> {
            head.append(' ').append(p).append(" |");
            rule.append("---|");
        });
        out.println(head);
        out.println(rule);
        for (KindPhase k : KindPhase.values()) {
            StringBuilder row = new StringBuilder("| " + k + " |");
            byKind.values().forEach(m -> {
                Cost c = m.get(k);
                row.append(c == null ? " |" : String.format(" $%.3f (%.2f WRU) |", c.total(), c.writeUnits(false) / c.records()));
            });
            out.println(row);
        }
    }

    /** Users per kind in the cost-by-kind phases. */
    private int kindUsers() {
        return Math.max(20, Math.min(300, changes / 10));
    }

    private String streamArn(String table) {
        return ddb.describeTable(b -> b.tableName(table)).table().latestStreamArn();
    }

    /** The functions' MemorySize in template.yaml (Globals), for GB-seconds. */
    private static int memoryMb() {
        return Prices.LAMBDA_MEMORY_MB;
    }

    // ---------------------------------------------------------------- latency at a steady rate

    /** Sign-ups at the steady rate into {@code table}; returns write→indexed and write→welcome p50 / p99. */
    /**
     * Write → indexed and write → welcome published at the steady rate; with a KCL {@code child}, the
     * third element splits write → indexed into write → delivered to the core (stream, polling, KCL),
     * inside the core (delivered → batch done) and batch done → seen by the watcher (≤ 20 ms poll).
     */
    private String[] steady(String table, String prefix, boolean welcome, ConsumerChild child)
            throws InterruptedException {
        try (EffectWatch watch = watch()) {
            Thread.sleep(1500);   // the welcome queue's backlog from the drain is read away first
            int n = rate * seconds;
            long start = System.nanoTime();
            for (int i = 0; i < n; i++) {
                pace(start, i);
                String id = prefix + i;
                int k = i;
                ddb.putItem(b -> b.tableName(table).item(user(id, k)));
                watch.watch(id, System.currentTimeMillis(), welcome);
            }
            long deadline = System.currentTimeMillis() + 30_000;
            while ((watch.indexedAt.size() < n || (welcome && watch.welcomedAt.size() < n))
                    && System.currentTimeMillis() < deadline) {
                Thread.sleep(50);
            }
            return new String[] {percentiles(watch, watch.indexedAt, n),
                    welcome ? percentiles(watch, watch.welcomedAt, n) : "n/a (no welcome-email reaction)",
                    child == null ? "" : split(watch, child)};
        }
    }

    private EffectWatch watch() {
        return new EffectWatch(stack.openSearch(), stack.resources().openSearchIndex(), stack.sqs(),
                stack.resources().welcomeQueueUrl().orElse(null));
    }

    private String percentiles(EffectWatch watch, Map<String, Long> seen, int n) {
        long[] lat = seen.entrySet().stream().filter(e -> watch.writtenAt.containsKey(e.getKey()))
                .mapToLong(e -> Math.max(0, e.getValue() - watch.writtenAt.get(e.getKey()))).sorted().toArray();
        if (lat.length == 0) {
            return "none seen";
        }
        String missing = lat.length < n ? " (" + (n - lat.length) + " of " + n + " not seen in 30 s)" : "";
        return pct(lat, 50) + " / " + pct(lat, 99) + " ms" + missing;
    }

    /** p50 / p99 of each part of write → indexed for the steady users the child delivered. */
    private static String split(EffectWatch watch, ConsumerChild child) {
        List<long[]> parts = new ArrayList<>();
        watch.writtenAt.forEach((id, written) -> {
            Long delivered = child.deliveredAt.get(id);
            Long done = child.doneAt.get(id);
            Long indexed = watch.indexedAt.get(id);
            if (delivered != null && done != null && indexed != null) {
                parts.add(new long[] {delivered - written, done - delivered, Math.max(0, indexed - done)});
            }
        });
        if (parts.isEmpty()) {
            return "write → indexed split: no user seen in all three";
        }
        String[] names = {"write → delivered to the core", "inside the core", "done → seen in the index"};
        StringBuilder b = new StringBuilder("write → indexed split (p50 / p99, " + parts.size() + " users):");
        for (int k = 0; k < 3; k++) {
            int part = k;
            long[] sorted = parts.stream().mapToLong(a -> a[part]).sorted().toArray();
            b.append(k == 0 ? " " : ", ").append(names[k]).append(' ').append(pct(sorted, 50)).append(" / ")
                    .append(pct(sorted, 99)).append(" ms");
        }
        return b.toString();
    }

    private static long pct(long[] sorted, int p) {
        return sorted[Math.min(sorted.length - 1, Math.max(0, (int) Math.ceil(p / 100.0 * sorted.length) - 1))];
    }

    private void pace(long start, int i) {
        long wait = start + (long) (i * 1e9 / rate) - System.nanoTime();
        if (wait > 0) {
            try {
                Thread.sleep(wait / 1_000_000, (int) (wait % 1_000_000));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private static Map<String, AttributeValue> user(String id, int n) {
        return io.userstreams.core.user.UserItems.toItem(new io.userstreams.core.user.User(id, id + "@example.com",
                "User " + n, "free", "US", "en", java.time.Instant.parse("2026-12-01T00:00:00Z").plusSeconds(n), 1,
                java.util.OptionalLong.empty()));
    }

    static String loadAverage() {
        try {
            String[] f = Files.readString(Path.of("/proc/loadavg")).split(" ");
            return f[0] + " " + f[1] + " " + f[2];
        } catch (Exception e) {
            return "unknown";
        }
    }

}
