package io.userstreams.core.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.userstreams.core.Fixtures;
import io.userstreams.core.UserStreamsCore;
import io.userstreams.core.change.ChangeRecord;
import io.userstreams.core.processing.BatchOutcome;
import io.userstreams.core.user.User;
import io.userstreams.localstack.LocalStack;
import io.userstreams.localstack.LocalStackExtension;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Prints records/s per reaction with the real local sinks (figures for the report, no timing
 * assertion). A benchmark, so only with {@code -Duserstreams.bench=true}.
 */
@ExtendWith(LocalStackExtension.class)
@EnabledIfSystemProperty(named = "userstreams.bench", matches = "true")
class RealSinksThroughputIntegrationTest {

    static List<ChangeRecord> stream(String run, int n) {
        List<ChangeRecord> records = new ArrayList<>(n);
        for (int i = 0; records.size() < n; i++) {
            User u = new User(run + "-" + i, run + "-" + i + "@example.com", "User " + i, i % 3 == 0 ? "pro" : "free",
                    "AQ", i % 2 == 0 ? "ko" : "en", Instant.now(), 1, OptionalLong.empty());
            records.add(Fixtures.insert(u));
            if (i % 2 == 0 && records.size() < n) {
                records.add(Fixtures.modify(u, u.withPlan("enterprise").withVersion(2)));
            }
        }
        return records;
    }

    @Test
    void printsRecordsPerSecondPerReaction(LocalStack stack) {
        int n = 2_000;
        for (String reactions : new String[] {"welcome-email", "derived-tables", "search-index", "all"}) {
            List<ChangeRecord> records = stream(ItSupport.unique("t"), n);
            try (UserStreamsCore core = ItSupport.core(stack, Map.of("REACTIONS", reactions), b -> { })) {
                core.ensureSearchIndex();
                long t = System.nanoTime();
                for (int from = 0; from < n; from += 500) {
                    BatchOutcome o = core.processor().process(records.subList(from, from + 500));
                    assertThat(o.isComplete()).isTrue();
                }
                double s = (System.nanoTime() - t) / 1e9;
                System.out.printf("real sinks, %s: %d records in %.2f s = %.0f records/s%n", reactions, n, s, n / s);
            }
        }
    }
}
