package io.userstreams.core.property;

import static org.assertj.core.api.Assertions.assertThat;

import io.userstreams.core.UserStreamsCore;
import io.userstreams.core.change.ChangeRecord;
import io.userstreams.core.config.CoreSettings;
import io.userstreams.core.processing.BatchOutcome;
import io.userstreams.core.processing.RetryPolicy;
import io.userstreams.core.failure.SystemicFailureException;
import io.userstreams.core.sink.InMemorySinks;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.Supplier;
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
        UserHistories h = new UserHistories(seed, 3, 4, shards, 40);
        InMemorySinks sinks = new InMemorySinks();
        sinks.derived.usersTable = HistoryChecks.usersTable(h);
        Random random = new Random(seed ^ 0x5DEECE66DL);
        try (UserStreamsCore core = UserStreamsCore.builder().settings(CoreSettings.fromEnvironment(Map.of()))
                .sinks(sinks.sinks()).retryPolicy(RetryPolicy.fast(2)).sleeper(d -> { })
                .parallelReactions(random.nextInt(4) == 0).bulkSize(1 + random.nextInt(5)).build()) {
            deliver(h, core, sinks, random);
            // Injected failures the delivery did not run into are not the replay's business.
            sinks.derived.faults.clear();
            sinks.search.faults.clear();
            sinks.idempotency.claimFaults.clear();
            // A late replay of whole shards (a capture, a second consumer): changes nothing.
            for (List<ChangeRecord> shard : h.byShard) {
                if (random.nextBoolean() && !shard.isEmpty()) {
                    assertThat(core.processor().process(shard).isComplete()).as("replay, seed %d", seed).isTrue();
                }
            }
        }
        HistoryChecks.check(h, sinks, seed);
    }

    /** Like a runtime: per shard, from the first unfinished record, in batches; sometimes again from a bit earlier. */
    public static void deliver(UserHistories h, UserStreamsCore core, InMemorySinks sinks, Random random) {
        int[] cursor = new int[h.shards];
        Supplier<RuntimeException> down = () -> new SystemicFailureException("HTTP503", "sink down", null);
        for (int guard = 0; guard < 100_000; guard++) {
            List<Integer> open = new java.util.ArrayList<>();
            for (int s = 0; s < h.shards; s++) {
                if (cursor[s] < h.byShard.get(s).size()) {
                    open.add(s);
                }
            }
            if (open.isEmpty()) {
                return;
            }
            int s = open.get(random.nextInt(open.size()));
            List<ChangeRecord> records = h.byShard.get(s);
            int start = random.nextInt(5) == 0 ? Math.max(0, cursor[s] - 1 - random.nextInt(3)) : cursor[s];
            int end = Math.min(records.size(), cursor[s] + 1 + random.nextInt(8));
            if (random.nextInt(8) == 0) {
                switch (random.nextInt(3)) {
                    case 0 -> sinks.derived.faults.failNext(1 + random.nextInt(3), down);
                    case 1 -> sinks.search.faults.failNext(1 + random.nextInt(3), down);
                    default -> sinks.idempotency.claimFaults.failNext(1 + random.nextInt(3), down);
                }
            }
            BatchOutcome outcome = core.processor().process(records.subList(start, end));
            cursor[s] = Math.max(cursor[s], start + outcome.completed());
        }
        throw new AssertionError("delivery did not finish");
    }
}
