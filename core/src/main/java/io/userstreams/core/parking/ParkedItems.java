package io.userstreams.core.parking;

import java.util.Collection;
import java.util.Set;

/**
 * Items with records parked in the dead-letter queue and not yet redriven, per scope (the set of
 * reactions a runtime runs). While an item is parked, its later records are parked behind the
 * first one, so a redrive replays the item's changes in stream order. The redrive clears the mark
 * once the item has no parked record left.
 */
public interface ParkedItems {

    /** Which of {@code userIds} are parked (one batched read). */
    Set<String> parkedAmong(Collection<String> userIds);

    /** Marks the item parked (idempotent). */
    void markParked(String userId, String eventId);

    /** Clears the mark (idempotent). */
    void clear(String userId);

    /** Every parked item of this scope (for the redrive's report and orphan marks). */
    Set<String> all();

    /** Nothing is ever parked: for runtimes and tests that do not park. */
    ParkedItems NONE = new ParkedItems() {
        @Override
        public Set<String> parkedAmong(Collection<String> userIds) {
            return Set.of();
        }

        @Override
        public void markParked(String userId, String eventId) {
            throw new UnsupportedOperationException("parking is not configured");
        }

        @Override
        public void clear(String userId) {
        }

        @Override
        public Set<String> all() {
            return Set.of();
        }
    };
}
