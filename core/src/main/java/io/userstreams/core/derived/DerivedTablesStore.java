package io.userstreams.core.derived;

import java.util.List;

/** Applies derived updates atomically with their claims. */
public interface DerivedTablesStore {

    enum Outcome { APPLIED, ALREADY_APPLIED }

    /**
     * Applies the update and its claim in one transaction. A mapping delete whose email now belongs
     * to another user is dropped (never delete another user's mapping). Returns ALREADY_APPLIED when
     * the claim exists (a redelivery). Throws on failure; nothing is applied then.
     */
    Outcome apply(DerivedUpdate update);

    /**
     * Applies several updates (no email appears in two of them) with their claims in one
     * transaction, counters summed per key. Returns false when the group cannot be applied as a
     * whole — a claim exists (redelivery) or a mapping condition failed: nothing was applied then,
     * and the caller applies the updates one by one. Throws on failure (nothing applied).
     */
    default boolean applyAll(List<DerivedUpdate> updates) {
        return false;
    }
}
