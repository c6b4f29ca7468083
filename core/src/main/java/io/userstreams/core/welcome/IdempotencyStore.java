package io.userstreams.core.welcome;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

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

    /**
     * Claims several keys; one status per key, in order. Stores may do it in one round trip when
     * every claim is free, and fall back to one claim at a time otherwise.
     */
    default List<ClaimStatus> claimAll(List<String> keys, String owner, Instant now, Instant leaseUntil,
                                       Instant expiresAt) {
        List<ClaimStatus> out = new ArrayList<>(keys.size());
        for (String key : keys) {
            out.add(claim(key, owner, now, leaseUntil, expiresAt));
        }
        return out;
    }

    /** Marks several effects done (e.g. one BatchWriteItem). Throws if any may not be marked. */
    default void completeAll(List<String> keys, Instant now, Instant expiresAt) {
        for (String key : keys) {
            complete(key, now, expiresAt);
        }
    }

    /** Gives up a claim whose effect failed, so another worker need not wait for the lease. Best effort. */
    void release(String key, String owner);
}
