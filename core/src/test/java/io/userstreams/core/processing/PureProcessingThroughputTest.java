package io.userstreams.core.processing;

import static org.assertj.core.api.Assertions.assertThat;

import io.userstreams.core.Fixtures;
import io.userstreams.core.UserStreamsCore;
import io.userstreams.core.change.ChangeRecord;
import io.userstreams.core.config.CoreSettings;
import io.userstreams.core.sink.Sinks;
import io.userstreams.core.user.User;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;

/**
 * Pure processing speed (all reactions, no-op sinks): prints records/s. Asserts only the outcome;
 * the figure is for the benchmark report (target ≥ 50,000 records/s on one core).
 */
class PureProcessingThroughputTest {

    @Test
    void processesAMixedStreamWithNoOpSinks() {
        List<ChangeRecord> records = new ArrayList<>();
        for (int i = 0; i < 20_000; i++) {
            User u = new User("user-" + i, "user" + i + "@example.com", "User " + i, i % 3 == 0 ? "pro" : "free",
                    i % 2 == 0 ? "KR" : "US", i % 2 == 0 ? "ko" : "en-US", Instant.parse("2026-11-25T10:00:00Z"), 1,
                    OptionalLong.empty());
            records.add(switch (i % 4) {
                case 0, 1 -> Fixtures.insert(u);
                case 2 -> Fixtures.modify(u, u.withPlan("enterprise").withVersion(2));
                default -> Fixtures.remove(u);
            });
        }
        try (UserStreamsCore core = UserStreamsCore.withSinks(CoreSettings.fromEnvironment(Map.of()), Sinks.noOp())) {
            for (int warm = 0; warm < 5; warm++) {
                assertThat(core.processor().process(records).isComplete()).isTrue();
            }
            int rounds = 5;
            long t = System.nanoTime();
            for (int r = 0; r < rounds; r++) {
                for (int from = 0; from < records.size(); from += 1000) {
                    BatchOutcome o = core.processor().process(records.subList(from, from + 1000));
                    assertThat(o.completed()).isEqualTo(1000);
                }
            }
            double seconds = (System.nanoTime() - t) / 1e9;
            double rate = rounds * records.size() / seconds;
            System.out.printf("pure processing (3 reactions, no-op sinks, batches of 1000): %.0f records/s%n", rate);
            assertThat(rate).isPositive();
        }
    }
}
