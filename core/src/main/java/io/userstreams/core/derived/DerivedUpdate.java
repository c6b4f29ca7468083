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
                            Map<String, Long> counterDeltas) {

    public DerivedUpdate {
        mappingPuts = List.copyOf(mappingPuts);
        mappingDeletes = List.copyOf(mappingDeletes);
        counterDeltas = Map.copyOf(counterDeltas);
    }

    public DerivedUpdate withoutMappingDeletes() {
        return new DerivedUpdate(claimKey, userId, mappingPuts, List.of(), counterDeltas);
    }
}
