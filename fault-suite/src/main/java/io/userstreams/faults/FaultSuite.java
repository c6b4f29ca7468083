package io.userstreams.faults;

import io.userstreams.cli.stream.StreamReader;
import io.userstreams.core.aws.AwsConnection;
import io.userstreams.core.aws.CallRecorder;
import io.userstreams.core.config.CoreSettings;
import io.userstreams.core.user.UserStore;
import io.userstreams.faults.Scenario.RuntimeKind;
import io.userstreams.faults.proxy.DynamoDbFault;
import io.userstreams.faults.proxy.DynamoDbFaultProxy;
import io.userstreams.faults.proxy.TcpProxy;
import io.userstreams.lambda.StreamHandlerRuntime;
import io.userstreams.lambda.UserStreamHandler;
import io.userstreams.localstack.LocalStack;
import io.userstreams.localstack.LocalStackOptions;
import io.userstreams.localsns.SnsFault;
import io.userstreams.mail.MailSettings;
import io.userstreams.mail.WelcomeMailHandler;
import io.userstreams.mail.local.WelcomeQueuePoller;
import io.userstreams.testkit.Replayer;
import io.userstreams.testkit.TestKit;
import io.userstreams.testkit.esm.EventSourceMapping;
import io.userstreams.testkit.esm.MappingSettings;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import software.amazon.awssdk.services.dynamodb.model.Record;

/**
 * The fault and bad-input suite: one local stack, the reactions hosted by the real KCL consumer (in
 * child processes) or the real Lambda handler (behind an emulated event source mapping), faults
 * injected by real means (killed processes, a loopback proxy that refuses connections, an HTTP proxy
 * that answers with DynamoDB's own errors, the SNS endpoint's fault switch), and after every scenario
 * all effects compared with the users table.
 */
public final class FaultSuite implements AutoCloseable {

    /**
     * @param scenarios which scenarios (numbers 1-10), in this order
     * @param runtimes  which runtimes host the reactions; each runs the scenarios that apply to it
     * @param soak      zero: one round; else rounds until this much time has passed
     * @param workDir   consumer logs, the suite's own log, metrics
     */
    public record Options(List<Integer> scenarios, List<RuntimeKind> runtimes, Duration soak, Path workDir) {
        public static Options ci(Path workDir) {
            return new Options(List.of(1, 2, 3, 4, 5, 6, 7, 8, 9, 10), List.of(RuntimeKind.KCL, RuntimeKind.LAMBDA),
                    Duration.ZERO, workDir);
        }
    }

    /**
     * System property naming a folder: when set, the runtimes' AWS calls are recorded there (core's
     * CallRecorder) for template-tests' permission check, one file per runtime:
     * {@value #LAMBDA_CALLS} (the in-process handlers) and {@value #KCL_CALLS} (the consumer processes).
     */
    public static final String RECORD_CALLS = "faults.recordCalls";
    static final String LAMBDA_CALLS = "fault-suite-lambda.txt";
    static final String KCL_CALLS = "fault-suite-kcl.txt";

    /** Writes per second of good traffic during a scenario (each write is one stream record). */
    static final int RATE = 25;
    static final int BAD_IN_TABLE = 600;
    static final int BAD_IN_STREAM = 500;
    static final Duration CONVERGE_TIMEOUT = Duration.ofSeconds(150);
    static final Duration SETTLE = Duration.ofSeconds(2);

    private final Options options;
    private final PrintStream out;
    private final PrintStream stdout;
    private final PrintStream metricsOut;
    private final LocalStack stack;
    private final TcpProxy openSearchProxy;
    private final DynamoDbFaultProxy dynamoDbProxy;
    private final Map<String, String> runtimeEnv;
    private final Ledger ledger = new Ledger();
    private final io.userstreams.testkit.Effects effects;
    private MailSettings mailSettings;
    private final Verifier verifier;
    private final UserStore users;
    private final ScheduledExecutorService timers = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "fault-timers");
        t.setDaemon(true);
        return t;
    });
    private final List<AutoCloseable> closeables = new ArrayList<>();
    /** Where each runtime's calls are recorded; empty when recording is off. */
    private final Map<RuntimeKind, Path> callFiles = new java.util.EnumMap<>(RuntimeKind.class);
    private final Random random = new Random(20261125L);
    private KclFleet fleet;
    /** The template's two stream-triggered functions behind the faithful mapping emulator. */
    private List<EventSourceMapping> mappings;

    private FaultSuite(Options options, PrintStream out) {
        this.options = options;
        this.out = out;
        try {
            Files.createDirectories(options.workDir());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        long t0 = System.nanoTime();
        // The in-process Lambda handlers print EMF metric lines on stdout, as in AWS, where CloudWatch
        // takes them: here they go to a file, and the suite reports on the stream it was given.
        this.stdout = System.out;
        try {
            this.metricsOut = new PrintStream(new FileOutputStream(options.workDir().resolve("lambda-emf.log").toFile()),
                    true, java.nio.charset.StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        closeables.add(metricsOut);
        System.setOut(metricsOut);
        closeables.add(() -> System.setOut(stdout));
        try {
            this.stack = LocalStack.start(LocalStackOptions.forTests());
            closeables.add(stack);
            URI os = stack.openSearchEndpoint();
            this.openSearchProxy = TcpProxy.start("opensearch", os.getHost(), os.getPort());
            closeables.add(openSearchProxy);
            this.dynamoDbProxy = DynamoDbFaultProxy.start(stack.dynamoDbEndpoint());
            closeables.add(dynamoDbProxy);
            String recordDir = System.getProperty(RECORD_CALLS);
            if (recordDir != null && !recordDir.isBlank()) {
                callFiles.put(RuntimeKind.LAMBDA, Path.of(recordDir, LAMBDA_CALLS));
                callFiles.put(RuntimeKind.KCL, Path.of(recordDir, KCL_CALLS));
                String before = System.getProperty(CallRecorder.PROPERTY);
                recordInProcessCallsAs(RuntimeKind.KCL);
                closeables.add(() -> {
                    if (before == null) {
                        System.clearProperty(CallRecorder.PROPERTY);
                    } else {
                        System.setProperty(CallRecorder.PROPERTY, before);
                    }
                });
            }
            Map<String, String> env = new HashMap<>(stack.environment());
            // The reactions reach OpenSearch and DynamoDB through the fault proxies; the stream is read directly.
            env.put(CoreSettings.OPENSEARCH_ENDPOINT, openSearchProxy.endpoint("http").toString());
            env.put(AwsConnection.Service.DYNAMODB.variable(), dynamoDbProxy.endpoint().toString());
            if (callFiles.containsKey(RuntimeKind.KCL)) {
                // The consumer processes record into their own file (children see only the variable).
                env.put(CallRecorder.VARIABLE, callFiles.get(RuntimeKind.KCL).toString());
            }
            this.runtimeEnv = Map.copyOf(env);
            this.effects = TestKit.attach(stack).effects();
            startMailSender();
            this.verifier = new Verifier(Verifier.World.of(effects, this::mail), ledger);
            this.users = new UserStore(stack.dynamoDb(), stack.resources().usersTable());
        } catch (RuntimeException e) {
            close();
            throw e;
        }
        out.printf("fault suite: local stack up in %.1f s (logs in %s)%n", (System.nanoTime() - t0) / 1e9,
                options.workDir().toAbsolutePath());
    }

    public static FaultSuite start(Options options, PrintStream out) {
        return new FaultSuite(options, out);
    }

    /** One round, or rounds until the soak time has passed; prints a line per scenario and the table. */
    public List<ScenarioResult> run() {
        List<ScenarioResult> results = new ArrayList<>();
        long end = System.nanoTime() + options.soak().toNanos();
        int round = 0;
        RuntimeKind running = null;     // the last one keeps consuming until close()
        do {
            round++;
            for (RuntimeKind runtime : options.runtimes()) {
                List<Scenario> scenarios = options.scenarios().stream().map(Scenario::byNumber)
                        .filter(s -> s.runtimes.contains(runtime)).toList();
                if (scenarios.isEmpty()) {
                    continue;
                }
                // The next runtime starts before the last one stops: no record is left to nobody.
                if (running != runtime) {
                    startRuntime(runtime);
                    if (running != null) {
                        // The new one starts at the stream's tip: the old one finishes what came
                        // before (a TTL deletion just then, say) before it stops.
                        sleep(2000);
                        verifier.awaitExact(Duration.ofSeconds(60), Duration.ZERO, out);
                        stopRuntime(running);
                    }
                    running = runtime;
                }
                for (Scenario s : scenarios) {
                    results.add(runAndReport(round, runtime, s));
                }
            }
        } while (System.nanoTime() < end);
        out.println();
        ScenarioResult.printTable(results, out);
        return results;
    }

    private ScenarioResult runAndReport(int round, RuntimeKind runtime, Scenario s) {
        out.printf("round %d, %s: scenario %d, %s ...%n", round, runtime.label(), s.number, s.title);
        ScenarioResult r = run(round, runtime, s);
        r.print(out);
        if (!r.problems().isEmpty()) {
            out.println("  " + String.join("; ", r.problems()));
        }
        return r;
    }

    // ---------------------------------------------------------------- the welcome mail path

    /**
     * The mail sender as deployed (its Lambda handler) behind the template's FIFO welcome queue, fed as
     * Lambda's SQS event source feeds it, sending through the local SES endpoint into the local
     * mail server: the welcome check counts mails in the inboxes, not only publishes.
     */
    private void startMailSender() {
        String queueUrl = stack.resources().welcomeQueueUrl()
                .orElseThrow(() -> new IllegalStateException("the local stack has no welcome queue"));
        mailSettings = MailSettings.fromEnvironment(stack.environment());
        // Lambda runs a FIFO queue's message groups (one per user) concurrently: a few sender
        // instances keep up with the suite's creations, as a single one would not.
        for (int i = 0; i < MAIL_SENDERS; i++) {
            WelcomeMailHandler handler = new WelcomeMailHandler(mailSettings);
            closeables.add(handler);
            closeables.add(new WelcomeQueuePoller(stack.sqs(), queueUrl, stack.region(), handler, Duration.ofSeconds(1))
                    .start());
        }
    }

    static final int MAIL_SENDERS = 4;

    /** The mails in the local mailboxes (by recipient) and the sender's recorded outcome per user. */
    private Verifier.Mail mail() {
        Map<String, Integer> perRecipient = new HashMap<>();
        try {
            for (jakarta.mail.internet.MimeMessage m : stack.mailServer().receivedMessages()) {
                jakarta.mail.Address[] to = m.getRecipients(jakarta.mail.Message.RecipientType.TO);
                for (jakarta.mail.Address a : to == null ? new jakarta.mail.Address[0] : to) {
                    String address = a instanceof jakarta.mail.internet.InternetAddress ia ? ia.getAddress() : a.toString();
                    perRecipient.merge(address.toLowerCase(java.util.Locale.ROOT), 1, Integer::sum);
                }
            }
        } catch (jakarta.mail.MessagingException e) {
            throw new IllegalStateException("reading the local mailboxes failed", e);
        }
        Map<String, String> outcomes = new HashMap<>();
        Map<String, software.amazon.awssdk.services.dynamodb.model.AttributeValue> start = null;
        do {
            var from = start;
            var page = stack.dynamoDb().scan(b -> b.tableName(mailSettings.sendsTable()).consistentRead(true)
                    .exclusiveStartKey(from));
            for (var item : page.items()) {
                if (item.containsKey("userId") && item.containsKey("status")) {
                    outcomes.put(item.get("userId").s(), item.get("status").s());
                }
            }
            start = page.hasLastEvaluatedKey() && !page.lastEvaluatedKey().isEmpty() ? page.lastEvaluatedKey() : null;
        } while (start != null);
        return new Verifier.Mail(perRecipient, outcomes);
    }

    // ---------------------------------------------------------------- runtimes

    /**
     * In-process calls are the Lambda runtime's while the in-process handlers run, else the KCL
     * runtime's (its adapter replaying in scenarios 6 and 7); the consumer processes record apart.
     */
    private void recordInProcessCallsAs(RuntimeKind runtime) {
        Path file = callFiles.get(runtime);
        if (file != null) {
            System.setProperty(CallRecorder.PROPERTY, file.toString());
        }
    }

    private void startRuntime(RuntimeKind runtime) {
        if (runtime == RuntimeKind.KCL) {
            if (fleet == null) {
                fleet = new KclFleet("faults-kcl", runtimeEnv, 100, stack.dynamoDb(), options.workDir());
                closeables.add(fleet);
            }
            fleet.startWorker();
            fleet.awaitLeaseHeld(Duration.ofSeconds(60));
        } else {
            recordInProcessCallsAs(RuntimeKind.LAMBDA);
            // A new mapping starts at the stream's tip: the runtime before it finishes what came earlier.
            mappings = lambdaMappings("main", s -> s.withStartingPosition(MappingSettings.StartingPosition.LATEST));
        }
    }

    /**
     * WelcomeFunction and ReactionsFunction as template.yaml deploys them (settings, filter, REACTIONS),
     * each with its own warm handler behind the faithful event source mapping emulator.
     */
    private List<EventSourceMapping> lambdaMappings(String name, java.util.function.UnaryOperator<MappingSettings> adjust) {
        List<EventSourceMapping> out = new ArrayList<>();
        for (String fn : List.of(MappingSettings.WELCOME_FUNCTION, MappingSettings.REACTIONS_FUNCTION)) {
            Map<String, String> env = new HashMap<>(runtimeEnv);
            env.putAll(MappingSettings.functionEnvironment(fn));
            out.add(EventSourceMapping.builder(adjust.apply(MappingSettings.fromTemplate(fn)), handler(env)::handleRequest)
                    .name(name + "-" + fn).stream(stack.dynamoDbStreams(), stack.resources().usersStreamArn())
                    .onFailure(stack.sqs(), stack.resources().deadLetterQueueUrl())
                    .timings(EventSourceMapping.Timings.DEFAULT.withRetryDelays(Duration.ofMillis(100), Duration.ofSeconds(2)))
                    .start());
        }
        return out;
    }

    private static void closeAll(List<EventSourceMapping> list) {
        if (list != null) {
            list.forEach(EventSourceMapping::close);
        }
    }

    private void stopRuntime(RuntimeKind runtime) {
        if (runtime == RuntimeKind.KCL) {
            fleet.stopAll();
        } else if (mappings != null) {
            closeAll(mappings);
            mappings = null;
            recordInProcessCallsAs(RuntimeKind.KCL);
        }
    }

    /** A warm Lambda container: the real handler, wired as in AWS. */
    private UserStreamHandler handler(Map<String, String> env) {
        StreamHandlerRuntime runtime = StreamHandlerRuntime.fromEnvironment(env);
        closeables.add(runtime);
        return new UserStreamHandler(runtime);
    }

    // ---------------------------------------------------------------- scenarios

    /** The body of a scenario: makes traffic and faults, returns when the fault ended (recovery starts). */
    private interface Body {
        Instant run(String prefix, List<String> problems) throws Exception;
    }

    private ScenarioResult run(int round, RuntimeKind runtime, Scenario s) {
        String prefix = "r" + round + "-s" + s.number + "-" + runtime.label();
        long writtenBefore = ledger.written();
        long deadLetteredBefore = verifier.check().deadLettered();
        List<String> problems = new ArrayList<>();
        Instant faultEnd;
        try {
            faultEnd = body(runtime, s).run(prefix, problems);
        } catch (Exception e) {
            problems.add("scenario failed: " + e);
            faultEnd = Instant.now();
        } finally {
            snsFaultsOff();
        }
        Verifier.Converged c = verifier.awaitExact(CONVERGE_TIMEOUT, SETTLE, out);
        Duration recovery = c.exactAt() == null ? null
                : Duration.between(faultEnd, c.exactAt()).isNegative() ? Duration.ZERO : Duration.between(faultEnd, c.exactAt());
        List<String> all = new ArrayList<>(problems);
        if (!c.check().exact()) {
            all.addAll(c.check().problems());
        }
        return new ScenarioResult(round, s, runtime, ledger.written() - writtenBefore, c.check().checked(),
                c.check().lost() + c.check().unexpectedDeadLetters(), c.check().duplicated(),
                c.check().deadLettered() - deadLetteredBefore, recovery, List.copyOf(all));
    }

    private Body body(RuntimeKind runtime, Scenario s) {
        return switch (s) {
            case CONSUMER_KILLED -> this::consumerKilled;
            case TAKEOVER -> this::takeover;
            case OPENSEARCH_DOWN -> this::openSearchDown;
            case SNS_FAILING -> this::snsFailing;
            case DYNAMODB_ERRORS -> this::dynamoDbErrors;
            case POISON -> (prefix, problems) -> poison(runtime, prefix, problems);
            case REDELIVERY -> (prefix, problems) -> redelivery(runtime, prefix, problems);
            case SIGTERM -> this::sigterm;
            case SIGTERM_AT_SHARD_END -> this::sigtermAtShardEnd;
            case OPENSEARCH_RESTART -> (prefix, problems) -> openSearchRestart(runtime, prefix, problems);
        };
    }

    private Workload workload(String prefix) {
        return new Workload(users, ledger, prefix, random.nextLong());
    }

    private static int ops(int seconds) {
        return RATE * seconds;
    }

    /** 1: kill -9 of the consumer while it works through batches; a new one started at once. */
    private Instant consumerKilled(String prefix, List<String> problems) {
        CompletableFuture<Integer> load = workload(prefix).start(ops(12), RATE);
        fleet.awaitProgress(Duration.ofSeconds(30));
        sleep(random.nextInt(1000));
        String holder = fleet.awaitLeaseHeld(Duration.ofSeconds(30));
        fleet.process(holder).orElseThrow().kill9();
        Instant killedAt = Instant.now();
        fleet.startWorker();
        load.join();
        return killedAt;
    }

    /** 2: a second consumer waits; the lease holder is killed; the survivor takes the shards over. */
    private Instant takeover(String prefix, List<String> problems) {
        fleet.startWorker();
        CompletableFuture<Integer> load = workload(prefix).start(ops(12), RATE);
        fleet.awaitProgress(Duration.ofSeconds(30));
        String holder = fleet.awaitLeaseHeld(Duration.ofSeconds(30));
        fleet.process(holder).orElseThrow().kill9();
        Instant killedAt = Instant.now();
        fleet.awaitLeaseHeld(Duration.ofSeconds(60));
        load.join();
        if (fleet.live().size() != 1) {
            problems.add("expected one survivor, found " + fleet.live().size());
        }
        return killedAt;
    }

    /** 3: OpenSearch unreachable (connections refused and reset) for 20 s in the middle of a load. */
    private Instant openSearchDown(String prefix, List<String> problems) {
        CompletableFuture<Integer> load = workload(prefix).start(ops(26), RATE);
        sleep(3000);
        openSearchProxy.refuseFor(Duration.ofSeconds(20));
        openSearchProxy.awaitFaultEnd(Duration.ofSeconds(30));
        Instant end = Instant.now();
        load.join();
        return end;
    }

    /** 4: Publish fails with 500, then 503, then throttling, for 9 s; the switch turns itself off. */
    private Instant snsFailing(String prefix, List<String> problems) {
        var faults = stack.snsServer().faults();
        long before = faults.injectedCount();
        CompletableFuture<Integer> load = workload(prefix).start(ops(14), RATE);
        sleep(2000);
        faults.failAll(SnsFault.INTERNAL_ERROR);
        timers.schedule(() -> faults.failAll(SnsFault.UNAVAILABLE), 3, TimeUnit.SECONDS);
        timers.schedule(() -> faults.failAll(SnsFault.THROTTLED), 6, TimeUnit.SECONDS);
        timers.schedule(faults::clear, 9, TimeUnit.SECONDS);
        sleep(9000);
        Instant end = Instant.now();
        load.join();
        if (faults.injectedCount() == before) {
            problems.add("no SNS call failed: the fault never hit");
        }
        return end;
    }

    /** 5: half of the derived-table writes answered with throttling or transaction conflicts for 10 s. */
    private Instant dynamoDbErrors(String prefix, List<String> problems) {
        long before = dynamoDbProxy.injected().values().stream().mapToLong(Long::longValue).sum();
        CompletableFuture<Integer> load = workload(prefix).start(ops(14), RATE);
        sleep(2000);
        var res = stack.resources();
        dynamoDbProxy.injectFor(Duration.ofSeconds(10), Set.of(res.usersByEmailTable(), res.userStatsTable()), 0.5,
                List.of(DynamoDbFault.TRANSACTION_CONFLICT, DynamoDbFault.THROTTLING,
                        DynamoDbFault.PROVISIONED_THROUGHPUT_EXCEEDED), random.nextLong());
        dynamoDbProxy.awaitFaultEnd(Duration.ofSeconds(20));
        Instant end = Instant.now();
        load.join();
        if (dynamoDbProxy.injected().values().stream().mapToLong(Long::longValue).sum() == before) {
            problems.add("no DynamoDB write failed: the fault never hit");
        }
        return end;
    }

    /**
     * 6: bad items written to the table among good traffic (through the stream), then malformed
     * records mixed into redelivered good ones, straight into the runtime's adapter.
     */
    private Instant poison(RuntimeKind runtime, String prefix, List<String> problems) {
        CompletableFuture<Integer> load = workload(prefix).start(ops(10), RATE);
        var ddb = stack.dynamoDb();
        String table = stack.resources().usersTable();
        for (int i = 0; i < 10; i++) {
            BadRecords.writeToTable(ddb, table, ledger, prefix, i * (BAD_IN_TABLE / 10), BAD_IN_TABLE / 10);
            sleep(1000);
        }
        load.join();
        if (runtime == RuntimeKind.LAMBDA && mappings != null) {
            // The mappings gather records for up to a second (MaximumBatchingWindowInSeconds): let them
            // apply the traffic first, so what follows is a redelivery of applied changes, as meant.
            // (Replaying an item's older records while the live runtime applies its newer ones can
            // leave a stale users_by_email mapping: the derived tables rely on per-item order.)
            mappings.forEach(m -> m.awaitCaughtUp(Duration.ofSeconds(120)));
        }
        List<Record> good = tail(200);
        List<Record> bad = BadRecords.streamRecords(ledger, prefix, BAD_IN_STREAM, BigInteger.ONE,
                runtime == RuntimeKind.LAMBDA);
        List<Record> mixed = renumber(interleave(good, bad));
        try (Replayer replayer = new Replayer(replayRuntime(runtime), runtimeEnv)) {
            for (int from = 0; from < mixed.size(); from += 100) {
                deliver(replayer, mixed.subList(from, Math.min(mixed.size(), from + 100)), problems);
            }
        }
        return Instant.now();
    }

    /**
     * 7: a capture taken, later changes made and applied, then: the capture replayed in other batch
     * boundaries (overlapping chunks), and a second consumer reading the whole stream again.
     */
    private Instant redelivery(RuntimeKind runtime, String prefix, List<String> problems) {
        Workload w = workload(prefix);
        w.run(ops(5), RATE);
        List<Record> capture = tail(1500);
        w.run(ops(5), RATE);
        Verifier.Converged applied = verifier.awaitExact(CONVERGE_TIMEOUT, Duration.ZERO, out);
        if (applied.exactAt() == null) {
            problems.add("later changes not applied before the replay: " + applied.check().problems());
        }
        try (Replayer replayer = new Replayer(replayRuntime(runtime), runtimeEnv)) {
            int from = 0;
            while (from < capture.size()) {
                int start = Math.max(0, from - random.nextInt(10));    // overlap: some records twice in a row
                int end = Math.min(capture.size(), from + 1 + random.nextInt(150));
                deliver(replayer, capture.subList(start, end), problems);
                from = end;
            }
        }
        if (runtime == RuntimeKind.KCL) {
            try (KclFleet again = new KclFleet("faults-kcl-again-" + prefix, runtimeEnv, 37, stack.dynamoDb(),
                    options.workDir())) {
                again.startWorker();
                KclFleet.await("the second application re-read the stream", Duration.ofSeconds(240),
                        () -> again.caughtUpWith(fleet));
                again.stopAll();
            }
        } else {
            List<EventSourceMapping> again = lambdaMappings("again-" + prefix, x -> x.withBatchSize(37));
            try {
                again.forEach(m -> m.awaitCaughtUp(Duration.ofSeconds(240)));
            } finally {
                closeAll(again);
            }
        }
        return Instant.now();
    }

    /** 8: SIGTERM to every consumer while records flow; they must stop cleanly; a new one resumes. */
    private Instant sigterm(String prefix, List<String> problems) {
        CompletableFuture<Integer> load = workload(prefix).start(ops(12), RATE);
        fleet.awaitProgress(Duration.ofSeconds(30));
        return terminateEveryConsumerAndResume(load, problems);
    }

    /** SIGTERM to every live consumer (each must exit 0 or 143), a new one started; returns when the last stopped. */
    private Instant terminateEveryConsumerAndResume(CompletableFuture<Integer> load, List<String> problems) {
        Instant stoppedAt = null;
        for (ConsumerProcess p : fleet.live()) {
            int exit = p.terminate(Duration.ofSeconds(40));
            stoppedAt = Instant.now();
            if (exit != 0 && exit != 143) {
                problems.add("consumer " + p.workerId() + " exited with " + exit + " after SIGTERM; log " + p.logFile());
            }
        }
        fleet.startWorker();
        load.join();
        return stoppedAt == null ? Instant.now() : stoppedAt;
    }

    /**
     * 9: the shard the consumers read ends (the local DynamoDB rolls it over: it closes, a child
     * continues) and at that moment every consumer gets SIGTERM, while the parent's last records are
     * still being read and applied; a new consumer resumes. A shard-end checkpoint that passed a
     * record not applied would lose it.
     */
    private Instant sigtermAtShardEnd(String prefix, List<String> problems) {
        CompletableFuture<Integer> load = workload(prefix).start(ops(8), RATE);
        fleet.awaitProgress(Duration.ofSeconds(30));
        sleep(random.nextInt(1000));
        List<String> children = stack.localDynamoDb().streams().rollOver(stack.resources().usersTable());
        if (children.isEmpty()) {
            problems.add("the roll-over ended no shard");
        }
        return terminateEveryConsumerAndResume(load, problems);
    }

    /**
     * 10: users created and captured, some deleted, the OpenSearch node restarted (it forgets the
     * delete tombstones it kept in memory), then the capture with their older INSERTs replayed
     * through the runtime's adapter: the deleted users must not come back to the index.
     */
    private Instant openSearchRestart(RuntimeKind runtime, String prefix, List<String> problems) {
        Workload w = workload(prefix);
        w.run(ops(4), RATE);
        Verifier.Converged applied = verifier.awaitExact(CONVERGE_TIMEOUT, Duration.ZERO, out);
        if (applied.exactAt() == null) {
            problems.add("changes not applied before the capture: " + applied.check().problems());
        }
        List<Record> capture = tail(150);
        List<String> deleted = new ArrayList<>();
        for (String id : w.live()) {
            if (deleted.size() < 15) {
                w.delete(id);
                deleted.add(id);
            }
        }
        applied = verifier.awaitExact(CONVERGE_TIMEOUT, Duration.ZERO, out);
        if (applied.exactAt() == null) {
            problems.add("deletes not applied before the restart: " + applied.check().problems());
        }
        stack.restartOpenSearch();
        Instant restarted = Instant.now();
        String index = stack.resources().openSearchIndex();
        try {
            stack.openSearch().cluster().health(h -> h.index(index)
                    .waitForStatus(org.opensearch.client.opensearch._types.HealthStatus.Yellow).timeout(t -> t.time("60s")));
        } catch (IOException e) {
            problems.add("OpenSearch did not come back after the restart: " + e);
        }
        long insertsOfDeleted = capture.stream().filter(r -> "INSERT".equals(r.eventNameAsString()) && r.dynamodb() != null
                && r.dynamodb().keys().get("userId") != null && deleted.contains(r.dynamodb().keys().get("userId").s()))
                .count();
        if (insertsOfDeleted == 0) {
            problems.add("the capture holds no INSERT of a deleted user: the replay would prove nothing");
        }
        try (Replayer replayer = new Replayer(replayRuntime(runtime), runtimeEnv)) {
            for (int from = 0; from < capture.size(); from += 100) {
                deliver(replayer, capture.subList(from, Math.min(capture.size(), from + 100)), problems);
            }
        }
        Map<String, Map<String, Object>> indexed = effects.indexedUsers();
        List<String> back = deleted.stream().filter(indexed::containsKey).toList();
        if (!back.isEmpty()) {
            problems.add(back.size() + " deleted users back in the index after the restart and replay, first " + back.get(0));
        }
        return restarted;
    }

    // ---------------------------------------------------------------- self-check

    /**
     * Proves the comparison can fail: breaks four effects behind the runtimes' backs (an email
     * mapping and an index document removed, a counter bumped, a second welcome published) and
     * returns what the verifier then finds. For the suite's own test; the stack is not usable after.
     */
    Verifier.Check sabotageAndCheck() throws IOException {
        verifier.awaitExact(Duration.ofSeconds(60), Duration.ZERO, out);
        var res = stack.resources();
        String victim = ledger.inserted().stream().filter(id -> users.get(id).isPresent()).findFirst().orElseThrow();
        var user = users.get(victim).orElseThrow();
        stack.dynamoDb().deleteItem(b -> b.tableName(res.usersByEmailTable())
                .key(Map.of("email", software.amazon.awssdk.services.dynamodb.model.AttributeValue.fromS(user.email()))));
        stack.openSearch().delete(d -> d.index(res.openSearchIndex()).id(victim).version(Long.MAX_VALUE - 1)
                .versionType(org.opensearch.client.opensearch._types.VersionType.External));
        stack.dynamoDb().updateItem(b -> b.tableName(res.userStatsTable())
                .key(Map.of("statKey", software.amazon.awssdk.services.dynamodb.model.AttributeValue.fromS(
                        "plan#" + user.plan())))
                .updateExpression("ADD #c :one").expressionAttributeNames(Map.of("#c", "count"))
                .expressionAttributeValues(Map.of(":one", software.amazon.awssdk.services.dynamodb.model.AttributeValue.fromN("1"))));
        // A new deduplication id: a second, different send, which the FIFO topic does deliver.
        stack.sns().publish(b -> b.topicArn(res.welcomeTopicArn()).subject("Welcome").message("again")
                .messageGroupId("sabotage").messageDeduplicationId("sabotage-" + victim)
                .messageAttributes(Map.of("userId", software.amazon.awssdk.services.sns.model.MessageAttributeValue.builder()
                        .dataType("String").stringValue(victim).build())));
        // SNS to SQS delivery is asynchronous: wait until all four show (the runtime repairs none of them).
        long deadline = System.nanoTime() + 20_000_000_000L;
        Verifier.Check c = verifier.check();
        // Until exactly the four show: a TTL deletion being applied meanwhile is a passing difference.
        while ((c.lost() != 2 || c.duplicated() != 2) && System.nanoTime() < deadline) {
            sleep(500);
            c = verifier.check();
        }
        return c;
    }

    // ---------------------------------------------------------------- helpers

    private static Replayer.Runtime replayRuntime(RuntimeKind runtime) {
        return runtime == RuntimeKind.KCL ? Replayer.Runtime.KCL : Replayer.Runtime.LAMBDA;
    }

    /** Delivers one batch through a runtime adapter; a batch it does not finish is retried from where it stopped. */
    private void deliver(Replayer replayer, List<Record> batch, List<String> problems) {
        String arn = stack.resources().usersStreamArn();
        List<Record> remaining = batch;
        for (int attempt = 1; attempt <= 5 && !remaining.isEmpty(); attempt++) {
            Replayer.Result r = replayer.replayRecords(remaining, arn);
            if (r.ok()) {
                return;
            }
            String failed = r.batchItemFailures().get(0);
            int at = 0;
            for (int i = 0; i < remaining.size(); i++) {
                if (remaining.get(i).dynamodb() != null && failed.equals(remaining.get(i).dynamodb().sequenceNumber())) {
                    at = i;
                    break;
                }
            }
            remaining = remaining.subList(at, remaining.size());
            sleep(500L * attempt);
        }
        if (!remaining.isEmpty()) {
            problems.add(remaining.size() + " replayed records never finished");
        }
    }

    /** The newest {@code n} records of the stream, read from its oldest (a capture). */
    private List<Record> tail(int n) {
        Deque<Record> last = new ArrayDeque<>();
        StreamReader reader = new StreamReader(stack.dynamoDbStreams(), stack.resources().usersStreamArn(), false);
        reader.readToEnd((shard, records) -> {
            for (Record r : records) {
                last.addLast(r);
                if (last.size() > n) {
                    last.removeFirst();
                }
            }
        }, 3, () -> false);
        return new ArrayList<>(last);
    }

    /** Bad records spread evenly among the good ones (the good ones keep their order). */
    private static List<Record> interleave(List<Record> good, List<Record> bad) {
        List<Record> out = new ArrayList<>(good.size() + bad.size());
        int g = 0;
        for (int b = 0; b < bad.size(); b++) {
            int upTo = (int) ((long) (b + 1) * good.size() / bad.size());
            while (g < upTo) {
                out.add(good.get(g++));
            }
            out.add(bad.get(b));
        }
        while (g < good.size()) {
            out.add(good.get(g++));
        }
        return out;
    }

    /** Fresh increasing sequence numbers: one delivery of one replay shard. */
    private static List<Record> renumber(List<Record> records) {
        List<Record> out = new ArrayList<>(records.size());
        BigInteger seq = BigInteger.valueOf(System.currentTimeMillis()).multiply(BigInteger.valueOf(1_000_000));
        for (Record r : records) {
            seq = seq.add(BigInteger.ONE);
            if (r.dynamodb() == null) {
                out.add(r);
            } else {
                String s = seq.toString();
                out.add(r.toBuilder().dynamodb(r.dynamodb().toBuilder().sequenceNumber(s).build()).build());
            }
        }
        return out;
    }

    private void snsFaultsOff() {
        try {
            stack.snsServer().faults().clear();
        } catch (RuntimeException ignored) {
            // the stack is gone already
        }
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    /** Stops consumers, mappings, proxies and the stack, in that order, whatever happened. */
    @Override
    public void close() {
        timers.shutdownNow();
        closeAll(mappings);
        for (int i = closeables.size() - 1; i >= 0; i--) {
            try {
                closeables.get(i).close();
            } catch (Exception e) {
                out.println("closing " + closeables.get(i) + " failed: " + e);
            }
        }
        closeables.clear();
    }
}
