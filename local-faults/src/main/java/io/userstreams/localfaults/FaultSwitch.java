package io.userstreams.localfaults;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.Iterator;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Predicate;

/**
 * The fault switch of the local servers: which injected fault, if any, a call gets instead of being
 * served. A fault is on for the next {@code n} calls, for a while (it ends by itself; wall-clock,
 * {@link System#nanoTime}, independent of a server's own clock), or until {@link #clear()}. Each call
 * (every SDK attempt, retries included) takes at most one fault: a one-shot fault first, then a timed
 * one, then the permanent one. Thread-safe.
 *
 * @param <F> what a server answers a faulted call with (an error code, or a fault with a scope)
 */
public class FaultSwitch<F> {

    private record Timed<F>(F fault, long untilNanos) {}

    private final Deque<F> next = new ArrayDeque<>();
    private final List<Timed<F>> timed = new ArrayList<>();
    private F always;
    private final AtomicLong injected = new AtomicLong();
    /** False while no fault is set: a server's every call then passes without taking the lock. */
    private volatile boolean armed;

    /** The next {@code n} calls fail with {@code fault} (queued after any already pending). */
    public synchronized FaultSwitch<F> failNext(int n, F fault) {
        Objects.requireNonNull(fault, "fault");
        if (n < 0) {
            throw new IllegalArgumentException("n must be >= 0, was " + n);
        }
        for (int i = 0; i < n; i++) {
            next.addLast(fault);
        }
        rearm();
        return this;
    }

    /** Every call fails with {@code fault} for {@code duration}, then the fault ends by itself. */
    public synchronized FaultSwitch<F> failFor(Duration duration, F fault) {
        Objects.requireNonNull(fault, "fault");
        Objects.requireNonNull(duration, "duration");
        timed.add(new Timed<>(fault, System.nanoTime() + duration.toNanos()));
        rearm();
        return this;
    }

    /** Every call fails with {@code fault} until {@link #clear()}. */
    public synchronized FaultSwitch<F> failAll(F fault) {
        always = Objects.requireNonNull(fault, "fault");
        rearm();
        return this;
    }

    /** Removes every pending, timed and permanent fault at once. */
    public synchronized FaultSwitch<F> clear() {
        next.clear();
        timed.clear();
        always = null;
        rearm();
        return this;
    }

    /** How many calls have failed by injection since the switch was made. */
    public long injectedCount() {
        return injected.get();
    }

    /** How many one-shot faults are still pending. */
    public synchronized int pending() {
        return next.size();
    }

    /** The fault for the current call, if any, counted as injected. */
    public Optional<F> take() {
        return take(fault -> true);
    }

    /**
     * The fault for the current call among those that {@code applies} to it (a fault scoped to a table
     * or an operation, say), if any, counted as injected. A one-shot fault is used up only by a call
     * it applies to; timed faults past their end are dropped.
     */
    public Optional<F> take(Predicate<? super F> applies) {
        if (!armed) {
            return Optional.empty();
        }
        F fault = takeArmed(applies);
        if (fault != null) {
            injected.incrementAndGet();
        }
        return Optional.ofNullable(fault);
    }

    private synchronized F takeArmed(Predicate<? super F> applies) {
        try {
            if (!next.isEmpty() && applies.test(next.peekFirst())) {
                return next.pollFirst();
            }
            long now = System.nanoTime();
            for (Iterator<Timed<F>> it = timed.iterator(); it.hasNext(); ) {
                Timed<F> t = it.next();
                if (now - t.untilNanos() >= 0) {
                    it.remove();
                } else if (applies.test(t.fault())) {
                    return t.fault();
                }
            }
            return always != null && applies.test(always) ? always : null;
        } finally {
            rearm();
        }
    }

    private void rearm() {
        armed = !next.isEmpty() || !timed.isEmpty() || always != null;
    }
}
