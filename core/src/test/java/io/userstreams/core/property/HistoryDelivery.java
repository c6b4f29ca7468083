package io.userstreams.core.property;

import static org.assertj.core.api.Assertions.assertThat;

import io.userstreams.core.UserStreamsCore;
import io.userstreams.core.change.ChangeRecord;
import io.userstreams.core.config.CoreSettings;
import io.userstreams.core.failure.SystemicFailureException;
import io.userstreams.core.processing.RetryPolicy;
import io.userstreams.core.sink.InMemorySinks;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * Delivers one random history the way a runtime does, through a given way in (the core itself, the
 * KCL shard processor, the Lambda handler): per shard from the first unfinished record, in random
 * batches, shards interleaved at random, sometimes again from a bit earlier, with transient sink
 * failures; then a late replay of whole shards; then checks the sinks against the table.
 */
public final class HistoryDelivery {

    /** One runtime's way in: delivers records of one shard, returns how many of them (a prefix) are done. */
    public interface Runtime {
        int deliver(int shard, List<ChangeRecord> records);
    }

    private HistoryDelivery() {
    }

    /** Runs one history of {@code seed} over {@code shards} through the runtime built on the core. */
    public static void run(long seed, int shards, Function<UserStreamsCore, Runtime> runtimeFor) {
        UserHistories h = new UserHistories(seed, 3, 4, shards, 40);
        InMemorySinks sinks = new InMemorySinks();
        sinks.derived.usersTable = HistoryChecks.usersTable(h);
        Random random = new Random(seed ^ 0x5DEECE66DL);
        try (UserStreamsCore core = UserStreamsCore.builder().settings(CoreSettings.fromEnvironment(Map.of()))
                .sinks(sinks.sinks()).retryPolicy(RetryPolicy.fast(2)).sleeper(d -> { })
                .parallelReactions(random.nextInt(4) == 0).bulkSize(1 + random.nextInt(5)).build()) {
            Runtime runtime = runtimeFor.apply(core);
            deliverInterleaved(h, runtime, sinks, random, seed);
            // Injected failures the delivery did not run into are not the replay's business.
            sinks.derived.faults.clear();
            sinks.search.faults.clear();
            sinks.idempotency.claimFaults.clear();
            // A late replay of whole shards (a capture, a second consumer): changes nothing.
            for (int s = 0; s < h.shards; s++) {
                List<ChangeRecord> shard = h.byShard.get(s);
                if (random.nextBoolean() && !shard.isEmpty()) {
                    assertThat(runtime.deliver(s, shard)).as("replay, seed %d", seed).isEqualTo(shard.size());
                }
            }
        }
        HistoryChecks.check(h, sinks, seed);
    }

    private static void deliverInterleaved(UserHistories h, Runtime runtime, InMemorySinks sinks, Random random,
            long seed) {
        int[] cursor = new int[h.shards];
        Supplier<RuntimeException> down = () -> new SystemicFailureException("HTTP503", "sink down", null);
        for (int guard = 0; guard < 100_000; guard++) {
            List<Integer> open = new ArrayList<>();
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
            cursor[s] = Math.max(cursor[s], start + runtime.deliver(s, records.subList(start, end)));
        }
        throw new AssertionError("delivery did not finish, seed " + seed);
    }
}
