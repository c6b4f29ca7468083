package io.userstreams.kcl;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class TombstonePurgeScheduleTest {

    @Test
    void runsAgainAfterAFailureAndStopsWhenClosed() throws Exception {
        AtomicInteger calls = new AtomicInteger();
        try (TombstonePurgeSchedule schedule = TombstonePurgeSchedule.every(() -> {
            if (calls.incrementAndGet() == 1) {
                throw new IllegalStateException("OpenSearch unreachable");
            }
            return 3;
        }, Duration.ZERO, Duration.ofMillis(20))) {
            long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
            while (calls.get() < 3 && System.nanoTime() < deadline) {
                Thread.sleep(10);
            }
        }
        assertThat(calls.get()).as("the first run failed, later runs still happen").isGreaterThanOrEqualTo(3);
        int afterClose = calls.get();
        Thread.sleep(100);
        assertThat(calls.get()).as("nothing runs after close").isLessThanOrEqualTo(afterClose + 1);
    }
}
