package io.userstreams.core.derived;

import static io.userstreams.core.Fixtures.insert;
import static io.userstreams.core.Fixtures.modify;
import static io.userstreams.core.Fixtures.remove;
import static io.userstreams.core.Fixtures.user;
import static org.assertj.core.api.Assertions.assertThat;

import io.userstreams.core.UserStreamsCore;
import io.userstreams.core.change.ChangeRecord;
import io.userstreams.core.config.CoreSettings;
import io.userstreams.core.config.ReactionId;
import io.userstreams.core.processing.RetryPolicy;
import io.userstreams.core.sink.InMemorySinks;
import io.userstreams.core.user.User;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** users_by_email follows the users table whatever order records of different users arrive in. */
class ReusedEmailTest {

    final InMemorySinks sinks = new InMemorySinks();
    final Map<String, String> table = new HashMap<>();

    UserStreamsCore core() {
        return core(sinks, table);
    }

    /** A derived-tables core whose users table is {@code table} (userId → current email). */
    static UserStreamsCore core(InMemorySinks sinks, Map<String, String> table) {
        sinks.derived.usersTable = ids -> {
            Map<String, String> now = new HashMap<>();
            ids.forEach(id -> {
                if (table.containsKey(id)) {
                    now.put(id, table.get(id));
                }
            });
            return now;
        };
        CoreSettings settings = CoreSettings.fromEnvironment(Map.of()).withReactions(EnumSet.of(ReactionId.DERIVED_TABLES));
        return UserStreamsCore.builder().settings(settings).sinks(sinks.sinks()).retryPolicy(RetryPolicy.fast(2))
                .sleeper(d -> { }).build();
    }

    @Test
    void anAddressTakenOverWhileTheFormerOwnersRecordsComeLaterEndsWithTheNewOwner() {
        // A has x, A changes x -> y, B takes x. B's record (another shard) is applied before A's.
        User a = user("a", "x@example.com", "free", "KR", "ko");
        User aMoved = a.withEmail("y@example.com").withVersion(2);
        User b = user("b", "x@example.com", "pro", "KR", "en");
        table.put("a", "y@example.com");
        table.put("b", "x@example.com");
        UserStreamsCore core = core();
        assertThat(core.processor().process(List.of(insert(b))).isComplete()).isTrue();
        assertThat(core.processor().process(List.of(insert(a), modify(a, aMoved))).isComplete()).isTrue();
        assertThat(sinks.derived.usersByEmail()).containsExactlyInAnyOrderEntriesOf(
                Map.of("x@example.com", "b", "y@example.com", "a"));
    }

    @Test
    void everyOrderOfTwoUsersRecordsEndsAsTheTableSays() {
        User a = user("a", "x@example.com", "free", "KR", "ko");
        User aMoved = a.withEmail("y@example.com").withVersion(2);
        User b = user("b", "x@example.com", "pro", "KR", "en");
        User bGone = b;
        List<List<ChangeRecord>> lanes = List.of(List.of(insert(a), modify(a, aMoved)), List.of(insert(b)));
        // Final table: a has y, b has x. Try every interleaving of the two users' records.
        for (int[] order : new int[][] {{0, 0, 1}, {0, 1, 0}, {1, 0, 0}}) {
            InMemorySinks fresh = new InMemorySinks();
            UserStreamsCore core = core(fresh, Map.of("a", "y@example.com", "b", "x@example.com"));
            int[] next = new int[2];
            for (int lane : order) {
                assertThat(core.processor().process(List.of(lanes.get(lane).get(next[lane]++))).isComplete()).isTrue();
            }
            assertThat(fresh.derived.usersByEmail()).as(java.util.Arrays.toString(order))
                    .containsExactlyInAnyOrderEntriesOf(Map.of("x@example.com", "b", "y@example.com", "a"));
        }
        // And once b is deleted too, the address maps to nobody.
        table.put("a", "y@example.com");
        UserStreamsCore core = core();
        assertThat(core.processor().process(List.of(insert(bGone), insert(a), modify(a, aMoved))).isComplete()).isTrue();
        table.remove("b");
        assertThat(core.processor().process(List.of(remove(bGone))).isComplete()).isTrue();
        assertThat(sinks.derived.usersByEmail()).containsExactly(Map.entry("y@example.com", "a"));
    }
}
