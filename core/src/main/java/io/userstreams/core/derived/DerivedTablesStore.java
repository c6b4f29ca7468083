package io.userstreams.core.derived;

/** Applies derived updates atomically with their claims. */
public interface DerivedTablesStore {

    enum Outcome { APPLIED, ALREADY_APPLIED }

    /**
     * Applies the update and its claim in one transaction. A mapping delete whose email now belongs
     * to another user is dropped (never delete another user's mapping). Returns ALREADY_APPLIED when
     * the claim exists (a redelivery). Throws on failure; nothing is applied then.
     */
    Outcome apply(DerivedUpdate update);
}
