package io.userstreams.faults;

import static org.assertj.core.api.Assertions.assertThat;

import io.userstreams.core.config.CoreSettings;
import io.userstreams.localsns.SnsFault;
import io.userstreams.lambda.dlq.DeadLetters;
import io.userstreams.testkit.esm.EventSourceMapping;
import io.userstreams.testkit.esm.EventSourceMapping.Timings;
import io.userstreams.testkit.esm.MappingSettings;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/**
 * The Lambda runtime behind the faithful event source mapping emulator (see
 * {@link LambdaMappingScenariosTest}) with both sinks down for longer than the stream keeps records.
 */
class LambdaMappingRetentionTest extends LambdaMappingFixture {

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
}
