package io.userstreams.faults;

import static org.assertj.core.api.Assertions.assertThat;

import io.userstreams.core.config.CoreSettings;
import io.userstreams.faults.proxy.TcpProxy;
import io.userstreams.localstack.LocalStack;
import io.userstreams.localstack.LocalStackOptions;
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
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Timeout;

/**
 * The stack of the Lambda mapping scenario classes: one local stack (with OpenSearch, slow to start)
 * per class, OpenSearch behind a loopback proxy that can refuse connections, the test kit, and the
 * helpers they share; the data is reset before each scenario. Two classes so that surefire runs the
 * scenarios of both in parallel JVMs (docs/fault-suite.md).
 */
@Timeout(value = 15, unit = TimeUnit.MINUTES)
abstract class LambdaMappingFixture {

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
