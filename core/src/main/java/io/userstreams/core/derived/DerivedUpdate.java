package io.userstreams.core.derived;

import java.util.List;
import java.util.Map;

/**
 * The derived-table effects of one change, applied atomically with the claim of its event id.
 *
 * @param claimKey       {@code derived#<eventId>}: present = already applied
 * @param mappingPuts    emails to point at {@code userId}
 * @param mappingDeletes emails to remove, only while they still point at {@code userId}
 * @param counterDeltas  statKey → delta (no zero deltas)
 */
public record DerivedUpdate(String claimKey, String userId, List<String> mappingPuts, List<String> mappingDeletes,
                            Map<String, Long> counterDeltas, List<EmailSettlement> settlements) {

    public DerivedUpdate {
        mappingPuts = List.copyOf(mappingPuts);
        mappingDeletes = List.copyOf(mappingDeletes);
        counterDeltas = Map.copyOf(counterDeltas);
        settlements = List.copyOf(settlements);
    }

    /**
     * @param mappingPuts emails to point at {@code userId} while they are free or already this
     *                    user's; a put finding another user's mapping is settled from the users table
     */
    public DerivedUpdate(String claimKey, String userId, List<String> mappingPuts, List<String> mappingDeletes,
                         Map<String, Long> counterDeltas) {
        this(claimKey, userId, mappingPuts, mappingDeletes, counterDeltas, List.of());
    }

    public DerivedUpdate withoutMappingDeletes() {
        return new DerivedUpdate(claimKey, userId, mappingPuts, List.of(), counterDeltas, settlements);
    }

    /** The same update with a plain (conditional) put of {@code email}. */
    public DerivedUpdate withPut(String email) {
        List<String> puts = new java.util.ArrayList<>(mappingPuts);
        if (!puts.contains(email)) {
            puts.add(email);
        }
        return new DerivedUpdate(claimKey, userId, puts, mappingDeletes, counterDeltas, settlements);
    }

    /** The put of {@code email} replaced by its settlement (null: the holder keeps the address, nothing to write). */
    public DerivedUpdate settled(String email, EmailSettlement settlement) {
        List<String> puts = new java.util.ArrayList<>(mappingPuts);
        puts.remove(email);
        List<EmailSettlement> all = new java.util.ArrayList<>(settlements);
        all.removeIf(s -> s.email().equals(email));
        if (settlement != null) {
            all.add(settlement);
        }
        return new DerivedUpdate(claimKey, userId, puts, mappingDeletes, counterDeltas, all);
    }
}
