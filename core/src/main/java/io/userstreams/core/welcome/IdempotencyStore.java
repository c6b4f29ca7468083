package io.userstreams.core.welcome;

import java.time.Instant;

/**
 * Claims for "do this once, ever" effects. A claim is IN_PROGRESS with a short lease until the
 * effect is done, then COMPLETED for the retention period. A claim whose lease ran out (its holder
 * crashed between claim and effect) can be claimed again, so a crash never loses the effect.
 */
public interface IdempotencyStore {

    enum ClaimStatus {
        /** The caller holds the claim and must do the effect, then {@link #complete}. */
        CLAIMED,
        /** The effect was done already: skip it. */
        COMPLETED,
        /** Another worker holds an unexpired lease: try again later (not done, not failed). */
        IN_PROGRESS
    }

    /**
     * Claims {@code key} for {@code owner} unless it is COMPLETED, or IN_PROGRESS under another
     * owner's unexpired lease. The same owner may re-claim its own claim (its earlier attempt failed).
     */
    ClaimStatus claim(String key, String owner, Instant now, Instant leaseUntil, Instant expiresAt);

    /** Marks the effect done; the record is kept until {@code expiresAt}. */
    void complete(String key, Instant now, Instant expiresAt);

    /** Gives up a claim whose effect failed, so another worker need not wait for the lease. Best effort. */
    void release(String key, String owner);
}
