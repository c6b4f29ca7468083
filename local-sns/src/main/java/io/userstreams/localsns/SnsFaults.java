package io.userstreams.localsns;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Failure injection for fault tests. Only Publish and PublishBatch are affected; a failed call
 * delivers nothing. Each SDK attempt (including its retries) is one call.
 */
public final class SnsFaults {

    private final Deque<SnsFault> next = new ArrayDeque<>();
    private SnsFault always;
    private final AtomicLong injected = new AtomicLong();

    SnsFaults() {
    }

    /** The next {@code n} Publish/PublishBatch calls fail with {@code fault} (queued after any already pending). */
    public synchronized SnsFaults failNext(int n, SnsFault fault) {
        Objects.requireNonNull(fault, "fault");
        if (n < 0) {
            throw new IllegalArgumentException("n must be >= 0, was " + n);
        }
        for (int i = 0; i < n; i++) {
            next.addLast(fault);
        }
        return this;
    }

    /** Every Publish/PublishBatch call fails with {@code fault} until {@link #clear()}. */
    public synchronized SnsFaults failAll(SnsFault fault) {
        always = Objects.requireNonNull(fault, "fault");
        return this;
    }

    /** Removes all pending and permanent faults. */
    public synchronized SnsFaults clear() {
        next.clear();
        always = null;
        return this;
    }

    /** How many calls have failed by injection since the server started. */
    public long injectedCount() {
        return injected.get();
    }

    /** How many one-shot faults are still pending. */
    public synchronized int pending() {
        return next.size();
    }

    /** Takes the fault for the current call, if any. One-shot faults come before a permanent one. */
    synchronized Optional<SnsFault> take() {
        SnsFault f = next.pollFirst();
        if (f == null) {
            f = always;
        }
        if (f != null) {
            injected.incrementAndGet();
        }
        return Optional.ofNullable(f);
    }
}
