package io.userstreams.faults;

import static org.assertj.core.api.Assertions.assertThat;

import io.userstreams.localsns.SnsFault;
import io.userstreams.lambda.dlq.DeadLetters;
import io.userstreams.testkit.esm.EventSourceMapping;
import io.userstreams.testkit.esm.MappingSettings;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;

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
class LambdaMappingScenariosTest extends LambdaMappingFixture {

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
}
