package io.userstreams.localfaults;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class FaultSwitchTest {

    private final FaultSwitch<String> faults = new FaultSwitch<>();

    @Test
    void anUnsetSwitchLetsEveryCallThrough() {
        assertThat(faults.take()).isEmpty();
        assertThat(faults.injectedCount()).isZero();
    }

    @Test
    void oneShotFaultsAreUsedUpInOrderBeforeThePermanentOne() {
        faults.failAll("always").failNext(2, "first").failNext(1, "second");
        assertThat(faults.pending()).isEqualTo(3);
        assertThat(faults.take()).contains("first");
        assertThat(faults.take()).contains("first");
        assertThat(faults.take()).contains("second");
        assertThat(faults.pending()).isZero();
        assertThat(faults.take()).contains("always");
        assertThat(faults.take()).contains("always");
        assertThat(faults.injectedCount()).isEqualTo(5);
        faults.clear();
        assertThat(faults.take()).isEmpty();
        assertThat(faults.injectedCount()).isEqualTo(5);
    }

    @Test
    void aTimedFaultEndsByItself() throws InterruptedException {
        faults.failFor(Duration.ofMillis(200), "timed");
        assertThat(faults.take()).contains("timed");
        assertThat(faults.take()).contains("timed");
        Thread.sleep(250);
        assertThat(faults.take()).isEmpty();
        assertThat(faults.injectedCount()).isEqualTo(2);
    }

    @Test
    void clearEndsATimedFaultEarly() {
        faults.failFor(Duration.ofMinutes(5), "timed");
        faults.clear();
        assertThat(faults.take()).isEmpty();
    }

    @Test
    void onlyAFaultThatAppliesToTheCallIsTaken() {
        faults.failFor(Duration.ofMinutes(5), "users").failFor(Duration.ofMinutes(5), "stats").failNext(1, "users");
        Optional<String> forStats = faults.take("stats"::equals);
        assertThat(forStats).contains("stats");
        assertThat(faults.pending()).as("a one-shot fault waits for a call it applies to").isEqualTo(1);
        assertThat(faults.take("users"::equals)).contains("users");
        assertThat(faults.pending()).isZero();
        assertThat(faults.take("other"::equals)).isEmpty();
        assertThat(faults.injectedCount()).isEqualTo(2);
    }

    @Test
    void refusesANegativeCountAndNulls() {
        assertThatThrownBy(() -> faults.failNext(-1, "x")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> faults.failAll(null)).isInstanceOf(NullPointerException.class);
        assertThatThrownBy(() -> faults.failFor(null, "x")).isInstanceOf(NullPointerException.class);
    }
}
