package io.userstreams.localses;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Failure injection for SendEmail. Each HTTP call (every SDK attempt, retries included) takes one
 * fault; a failed call relays nothing.
 */
public final class SesFaults {

    private final Deque<SesFault> next = new ArrayDeque<>();
    private SesFault always;
    private final AtomicLong injected = new AtomicLong();

    /** The next {@code n} SendEmail calls fail with {@code fault}. */
    public synchronized SesFaults failNext(int n, SesFault fault) {
        Objects.requireNonNull(fault, "fault");
        if (n < 0) {
            throw new IllegalArgumentException("n must be >= 0, was " + n);
        }
        for (int i = 0; i < n; i++) {
            next.addLast(fault);
        }
        return this;
    }

    /** Every SendEmail call fails with {@code fault} until {@link #clear()}. */
    public synchronized SesFaults failAll(SesFault fault) {
        always = Objects.requireNonNull(fault, "fault");
        return this;
    }

    public synchronized SesFaults clear() {
        next.clear();
        always = null;
        return this;
    }

    /** Calls failed by injection since the server started. */
    public long injectedCount() {
        return injected.get();
    }

    synchronized Optional<SesFault> take() {
        SesFault f = next.pollFirst();
        if (f == null) {
            f = always;
        }
        if (f != null) {
            injected.incrementAndGet();
        }
        return Optional.ofNullable(f);
    }
}
