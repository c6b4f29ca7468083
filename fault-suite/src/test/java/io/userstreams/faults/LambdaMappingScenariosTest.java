package io.userstreams.faults;

import static org.assertj.core.api.Assertions.assertThat;

import io.userstreams.core.config.CoreSettings;
import io.userstreams.faults.proxy.TcpProxy;
import io.userstreams.localstack.LocalStack;
import io.userstreams.localstack.LocalStackOptions;
import io.userstreams.localsns.SnsFault;
import io.userstreams.lambda.dlq.DeadLetters;
import io.userstreams.testkit.TestKit;
import io.userstreams.testkit.esm.EventSourceMapping;
import io.userstreams.testkit.esm.EventSourceMapping.Timings;
import io.userstreams.testkit.esm.MappingSettings;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The Lambda runtime behind the faithful event source mapping emulator, configured from
 * template.yaml as deployed (both stream-triggered functions, their filters, retries, bisection,
 * on-failure destination), with sink outages made by real means: the SNS endpoint's fault switch
 * and a loopback proxy in front of OpenSearch that refuses connections. One local stack (with
 * OpenSearch, slow to start) for every scenario; the data is reset before each.
 *
 * <p>Outages are shortened: the emulator retries a failed batch after 50 ms to 1 s instead of
 * Lambda's unspecified back-off, so a minute here stands for several minutes in AWS.
 */
@Timeout(value = 15, unit = TimeUnit.MINUTES)
class LambdaMappingScenariosTest {

    static final int RATE = 10;
    static final Timings FAST = Timings.DEFAULT.withRetryDelays(Duration.ofMillis(50), Duration.ofSeconds(1));
    static final Duration CONVERGE = Duration.ofSeconds(120);
    /**
     * Outage length (s) for the SNS and OpenSearch scenarios, default 45: with the emulator's short
     * retry back-off that is more retries than Lambda makes in 3 minutes (the old settings lose
     * records within 50 s here). -Dfaults.lambda.outage=180 runs them for real 3 minutes.
     */
    static final int OUTAGE_SECONDS = Integer.getInteger("faults.lambda.outage", 45);

    static LocalStack stack;
    static TcpProxy openSearchProxy;
    static TestKit kit;

    Ledger ledger;
    Verifier verifier;
    int run;

    @BeforeAll
    static void startStack() {
        stack = LocalStack.start(LocalStackOptions.forTests());
        try {
            URI os = stack.openSearchEndpoint();
            openSearchProxy = TcpProxy.start("opensearch", os.getHost(), os.getPort());
            kit = TestKit.attach(stack);
        } catch (RuntimeException e) {
            stopStack();
            throw e;
        }
    }

    @AfterAll
    static void stopStack() {
        if (kit != null) {
            kit.close();
        }
        if (openSearchProxy != null) {
            openSearchProxy.close();
        }
        if (stack != null) {
            stack.close();
        }
    }

    @BeforeEach
    void reset() {
        kit.reset();
        ledger = new Ledger();
        verifier = new Verifier(kit.effects(), ledger);
        run++;
    }

    @AfterEach
    void stopMappings() {
        stack.snsServer().faults().clear();
        kit.close();
    }

    /** The settings template.yaml had before issue 14: MaximumRetryAttempts 10, MaximumRecordAgeInSeconds 86400. */
    static MappingSettings before14(MappingSettings s) {
        return s.withMaximumRetryAttempts(10).withMaximumRecordAge(Duration.ofSeconds(86400));
    }

    @Test
    void withTenRetriesAnSnsOutageDiscardsWelcomesAndLeavesOnlyPointersWhichTheRedriveResolves() throws Exception {
        List<EventSourceMapping> mappings = startMappings(LambdaMappingScenariosTest::before14, Map.of());
        EventSourceMapping welcome = mappings.get(0);
        CompletableFuture<Integer> load = workload("loss").start(RATE * 30, RATE);
        Thread.sleep(2000);
        stack.snsServer().faults().failAll(SnsFault.INTERNAL_ERROR);
        Thread.sleep(50_000);
        stack.snsServer().faults().clear();
        load.join();
        mappings.forEach(m -> m.awaitCaughtUp(CONVERGE));

        // Lambda gave up on batches: they went to the on-failure destination as pointers only.
        assertThat(welcome.discards()).isNotEmpty()
                .allMatch(d -> d.condition().equals("RetryAttemptsExhausted"));
        DeadLetters dlq = kit.deadLetters();
        List<DeadLetters.Letter> pointers = dlq.list();
        assertThat(pointers).hasSize(welcome.discards().size()).allSatisfy(l -> {
            assertThat(l.kind()).isEqualTo(DeadLetters.Kind.POINTER);
            assertThat(l.record()).isNull();
            assertThat(l.body()).doesNotContain("\"record\"");
            assertThat(l.pointer().condition()).isEqualTo("RetryAttemptsExhausted");
        });
        Thread.sleep(2000);     // SNS to SQS delivery is asynchronous
        java.util.Set<String> unwelcomed = new java.util.TreeSet<>(ledger.inserted());
        unwelcomed.removeAll(kit.effects().welcomeEmailsPerUser().keySet());
        assertThat(unwelcomed).as("welcomes lost with MaximumRetryAttempts 10").isNotEmpty();
        System.out.printf("MaximumRetryAttempts 10, SNS down 50 s: %d inserts discarded in %d pointers; %d welcomes lost%n",
                welcome.discardedRecords(), pointers.size(), unwelcomed.size());

        // While the stream still holds them, the redrive reads the pointed-to records back and sends the welcomes.
        DeadLetters.Report report = dlq.redrive(false, System.out::println);
        assertThat(report.count(DeadLetters.Status.REDRIVEN)).isEqualTo(pointers.size());
        assertThat(report.remaining()).isZero();
        assertExactAndRedriveIsANoOp(dlq);
    }

    @Test
    void snsFailingWithTheTemplatesSettingsLosesNothing() throws Exception {
        List<EventSourceMapping> mappings = startMappings(UnaryOperator.identity(), Map.of());
        assertThat(mappings).allMatch(m -> m.settings().maximumRetryAttempts() == -1
                && m.settings().maximumRecordAge() == null);
        CompletableFuture<Integer> load = workload("sns").start(RATE * (OUTAGE_SECONDS + 10), RATE);
        Thread.sleep(2000);
        var faults = stack.snsServer().faults();
        faults.failAll(SnsFault.INTERNAL_ERROR);
        Thread.sleep(OUTAGE_SECONDS * 1000L / 3);
        faults.failAll(SnsFault.UNAVAILABLE);
        Thread.sleep(OUTAGE_SECONDS * 1000L / 3);
        faults.failAll(SnsFault.THROTTLED);
        Thread.sleep(OUTAGE_SECONDS * 1000L / 3);
        faults.clear();
        load.join();
        mappings.forEach(m -> m.awaitCaughtUp(CONVERGE));
        assertNothingDiscarded(mappings);
        assertThat(mappings.get(0).retries()).as("the outage was felt").isPositive();
        assertExactAndRedriveIsANoOp(kit.deadLetters());
    }

    @Test
    void openSearchDownWithTheTemplatesSettingsLosesNothing() throws Exception {
        List<EventSourceMapping> mappings = startMappings(UnaryOperator.identity(), Map.of());
        CompletableFuture<Integer> load = workload("os").start(RATE * (OUTAGE_SECONDS + 10), RATE);
        Thread.sleep(2000);
        openSearchProxy.refuseFor(Duration.ofSeconds(OUTAGE_SECONDS));
        openSearchProxy.awaitFaultEnd(Duration.ofSeconds(OUTAGE_SECONDS + 30));
        load.join();
        mappings.forEach(m -> m.awaitCaughtUp(CONVERGE));
        assertNothingDiscarded(mappings);
        assertThat(mappings.get(1).retries()).as("the outage was felt").isPositive();
        assertExactAndRedriveIsANoOp(kit.deadLetters());
    }

    /**
     * Both sinks down longer than records may live: retention shortened to 120 s, parking after 30 s
     * (ApproximateCreationDateTime is whole seconds, as DynamoDB sends it; the margins were sized
     * when DynamoDB Local rounded it down to the minute), outage 130 s.
     * Records park whole (and their items' later records behind them) instead of being trimmed;
     * after recovery the redrive replays them in item order: 0 lost, 0 duplicated.
     */
    @Test
    void sinksDownLongerThanTheStreamKeepsRecordsParkAndTheRedriveLosesNothing() throws Exception {
        Timings shortRetention = FAST.withStreamRetention(Duration.ofSeconds(120));
        Map<String, String> parkAfter30s = Map.of("PARK_RECORDS_AFTER_SECONDS", "30");
        List<EventSourceMapping> mappings = new ArrayList<>();
        Map<String, String> env = new java.util.HashMap<>(parkAfter30s);
        env.put(CoreSettings.OPENSEARCH_ENDPOINT, openSearchProxy.endpoint("http").toString());
        for (String fn : List.of(MappingSettings.WELCOME_FUNCTION, MappingSettings.REACTIONS_FUNCTION)) {
            mappings.add(kit.lambdaMapping(fn, MappingSettings.fromTemplate(fn), env, shortRetention));
        }
        CompletableFuture<Integer> load = workload("long").start(RATE * 140, RATE);
        Thread.sleep(2000);
        stack.snsServer().faults().failAll(SnsFault.UNAVAILABLE);
        openSearchProxy.refuseFor(Duration.ofSeconds(130));
        Thread.sleep(130_000);
        stack.snsServer().faults().clear();
        openSearchProxy.awaitFaultEnd(Duration.ofSeconds(30));
        load.join();
        mappings.forEach(m -> m.awaitCaughtUp(CONVERGE));
        assertNothingDiscarded(mappings);

        DeadLetters dlq = kit.deadLetters();
        List<DeadLetters.Letter> parked = dlq.list();
        assertThat(parked).isNotEmpty().allMatch(l -> l.kind() == DeadLetters.Kind.PARKED && l.record() != null);
        assertThat(parked).anyMatch(l -> l.reaction().equals("welcome-email"))
                .anyMatch(l -> l.reaction().equals("derived-tables,search-index"))
                .anyMatch(l -> l.reason().contains("behind an earlier parked record"));
        System.out.printf("sinks down 130 s, retention 120 s, parking after 30 s: %d records parked%n", parked.size());

        DeadLetters.Report report = dlq.redrive(false, System.out::println);
        assertThat(report.remaining()).as(report.outcomes().toString()).isZero();
        assertThat(report.marksCleared()).isPositive();
        assertExactAndRedriveIsANoOp(dlq);
        // Nothing stays parked: new changes of those items flow straight through again.
        int before = kit.effects().welcomeEmails().size();
        workload("after").run(RATE * 3, RATE);
        mappings.forEach(m -> m.awaitCaughtUp(CONVERGE));
        assertThat(dlq.list()).isEmpty();
        assertThat(verifier.awaitExact(CONVERGE, Duration.ofSeconds(2), System.out).check().exact()).isTrue();
        assertThat(kit.effects().welcomeEmails().size()).isGreaterThanOrEqualTo(before);
    }

    static void assertNothingDiscarded(List<EventSourceMapping> mappings) {
        for (EventSourceMapping m : mappings) {
            assertThat(m.discards()).as("records the mapping gave up on").isEmpty();
        }
    }

    /** Effects equal the table (nothing lost, nothing twice, no dead letter); a redrive then changes nothing. */
    void assertExactAndRedriveIsANoOp(DeadLetters dlq) {
        Verifier.Converged c = verifier.awaitExact(CONVERGE, Duration.ofSeconds(2), System.out);
        assertThat(c.check().exact()).as(c.check().problems().toString()).isTrue();
        assertThat(c.check().lost()).isZero();
        assertThat(c.check().duplicated()).isZero();
        DeadLetters.Report again = dlq.redrive(false, s -> { });
        assertThat(again.outcomes()).isEmpty();
        Verifier.Check after = verifier.check();
        assertThat(after.exact()).as(after.problems().toString()).isTrue();
    }

    // ---------------------------------------------------------------- helpers

    /** The template's two stream-triggered functions, each with its own mapping and real handler. */
    List<EventSourceMapping> startMappings(UnaryOperator<MappingSettings> adjust, Map<String, String> extraEnv) {
        Map<String, String> env = new java.util.HashMap<>(extraEnv);
        env.put(CoreSettings.OPENSEARCH_ENDPOINT, openSearchProxy.endpoint("http").toString());
        List<EventSourceMapping> out = new ArrayList<>();
        for (String fn : List.of(MappingSettings.WELCOME_FUNCTION, MappingSettings.REACTIONS_FUNCTION)) {
            out.add(kit.lambdaMapping(fn, adjust.apply(MappingSettings.fromTemplate(fn)), env, FAST));
        }
        return out;
    }

    Workload workload(String name) {
        return new Workload(kit.users(), ledger, name + run, 20261206L + run);
    }
}
