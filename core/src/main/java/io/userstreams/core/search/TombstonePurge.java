package io.userstreams.core.search;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;

/**
 * Removes the search index's tombstone documents once no record can bring their user back. A
 * record can come back for as long as the stream retains it (24 h) plus the dead-letter queue's
 * retention (14 days, a redrive resends it): the replay window is 15 days, the template's
 * {@code gc_deletes} too. A tombstone younger than that must stay; an older one only takes space.
 * The KCL consumer runs this daily; {@code user-streams purge-tombstones} runs it by hand.
 */
public final class TombstonePurge {

    /** Stream retention (24 h) + dead-letter retention (14 days), rounded up to whole days. */
    public static final Duration REPLAY_WINDOW = Duration.ofDays(15);

    private final OpenSearchIndexSink sink;
    private final Duration window;
    private final Clock clock;

    public TombstonePurge(OpenSearchIndexSink sink, Duration window, Clock clock) {
        this.sink = Objects.requireNonNull(sink, "sink");
        if (window.compareTo(REPLAY_WINDOW) < 0) {
            // a shorter window would let a redriven dead letter resurrect a deleted user
            throw new IllegalArgumentException("tombstones must be kept at least " + REPLAY_WINDOW.toDays()
                    + " days (the replay window), was " + window);
        }
        this.window = window;
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    public TombstonePurge(OpenSearchIndexSink sink) {
        this(sink, REPLAY_WINDOW, Clock.systemUTC());
    }

    /** Deletes whose tombstone is older than this are forgotten by the next run. */
    public Instant cutoff() {
        return clock.instant().minus(window);
    }

    /** Removes the tombstones older than the window; returns how many. */
    public long run() {
        return sink.purgeTombstones(cutoff());
    }
}
