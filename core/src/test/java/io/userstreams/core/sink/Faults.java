package io.userstreams.core.sink;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

/** Failure injection for the in-memory sinks: the next {@code n} calls throw. */
public final class Faults {

    private final AtomicInteger remaining = new AtomicInteger();
    private volatile Supplier<? extends RuntimeException> fault;

    /** The next {@code times} calls throw what {@code fault} supplies ({@link Integer#MAX_VALUE}: until cleared). */
    public void failNext(int times, Supplier<? extends RuntimeException> fault) {
        this.fault = fault;
        remaining.set(times);
    }

    public void clear() {
        remaining.set(0);
    }

    /** Throws when a failure is due. */
    public void check() {
        Supplier<? extends RuntimeException> f = fault;
        if (f != null && remaining.getAndUpdate(n -> n > 0 && n != Integer.MAX_VALUE ? n - 1 : n) > 0) {
            throw f.get();
        }
    }
}
