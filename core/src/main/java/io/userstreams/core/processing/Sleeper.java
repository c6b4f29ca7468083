package io.userstreams.core.processing;

import java.time.Duration;

/** How the processor waits between retries; tests swap in one that records instead of sleeping. */
@FunctionalInterface
public interface Sleeper {

    Sleeper REAL = d -> {
        if (!d.isZero() && !d.isNegative()) {
            Thread.sleep(d.toMillis());
        }
    };

    void sleep(Duration duration) throws InterruptedException;
}
