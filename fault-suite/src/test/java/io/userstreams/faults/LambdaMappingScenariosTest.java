package io.userstreams.faults;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.userstreams.core.config.CoreSettings;
import io.userstreams.faults.proxy.TcpProxy;
import io.userstreams.localstack.LocalStack;
import io.userstreams.localstack.LocalStackOptions;
import io.userstreams.localstack.sns.SnsFault;
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
@Timeout(value = 12, unit = TimeUnit.MINUTES)
class LambdaMappingScenariosTest {

    static final int RATE = 10;
    static final Timings FAST = Timings.DEFAULT.withRetryDelays(Duration.ofMillis(50), Duration.ofSeconds(1));
    static final Duration CONVERGE = Duration.ofSeconds(120);

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
    void withTenRetriesAnSnsOutageDiscardsWelcomesAndLeavesOnlyPointers() throws Exception {
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
        long discardedInserts = welcome.discardedRecords();
        Verifier.Check check = verifier.check();
        List<String> welcomeLosses = check.problems().stream().filter(p -> p.startsWith("welcome: none for")).toList();
        assertThat(welcomeLosses).as(check.problems().toString()).isNotEmpty();
        assertThat(check.lost()).isGreaterThanOrEqualTo(Math.min(discardedInserts, 1));
        List<JsonNode> pointers = kit.effects().deadLetters().stream().filter(m -> m.has("DDBStreamBatchInfo")).toList();
        assertThat(pointers).hasSize(welcome.discards().size());
        assertThat(pointers).allSatisfy(p -> {
            assertThat(p.has("record")).isFalse();
            assertThat(p.path("requestContext").path("condition").asText()).isEqualTo("RetryAttemptsExhausted");
        });
        System.out.printf("MaximumRetryAttempts 10, SNS down 50 s: %d inserts discarded in %d pointers; %d effects lost%n",
                discardedInserts, pointers.size(), check.lost());
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
