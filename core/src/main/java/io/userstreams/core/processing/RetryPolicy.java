package io.userstreams.core.processing;

import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Bound for systemic failures: exponential backoff with full jitter (delay uniformly in
 * [0, min(maxDelay, baseDelay * 2^attempt)]), at most {@code attempts} tries per record before
 * the batch stops and goes back to the runtime. Keep it well inside the Lambda timeout.
 */
public record RetryPolicy(int attempts, Duration baseDelay, Duration maxDelay) {

    public static final RetryPolicy DEFAULT = new RetryPolicy(5, Duration.ofMillis(100), Duration.ofSeconds(3));

    public RetryPolicy {
        if (attempts < 1) {
            throw new IllegalArgumentException("attempts must be at least 1");
        }
    }

    /** A policy for tests: tries quickly, never sleeps long. */
    public static RetryPolicy fast(int attempts) {
        return new RetryPolicy(attempts, Duration.ofMillis(1), Duration.ofMillis(5));
    }

    /** The sleep before retry number {@code retry} (1 = the first retry). */
    public Duration delayBefore(int retry) {
        long base = baseDelay.toMillis();
        long cap = maxDelay.toMillis();
        long ceiling = retry >= 31 ? cap : Math.min(cap, base << Math.max(0, retry - 1));
        return Duration.ofMillis(ceiling <= 0 ? 0 : ThreadLocalRandom.current().nextLong(ceiling + 1));
    }
}
