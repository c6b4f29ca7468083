package io.userstreams.core.property;

import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;

/**
 * Random histories (inserts, address/plan/country changes, renames, deletes, TTL expiries,
 * re-creations, images the validator refuses) of a few users sharing a few addresses, split
 * across shards and delivered in random interleavings across shards, in random batches, with
 * redeliveries, duplicates, transient sink failures and a late replay of whole shards. Afterwards
 * users_by_email, user_stats and the index equal what the users table says, and each creation was
 * welcomed once. jqwik prints the failing seed; rerun one with {@code @Property(seed = "...")}.
 */
public class ReactionsPropertyTest {

    @Property(tries = 2000)
    void derivedStateEqualsTheTableWhateverTheDelivery(@ForAll long seed, @ForAll @IntRange(min = 1, max = 3) int shards) {
        HistoryDelivery.run(seed, shards, core -> (shard, records) -> core.processor().process(records).completed());
    }
}
