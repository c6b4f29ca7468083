package io.userstreams.core.it;

import static io.userstreams.core.Fixtures.insert;
import static io.userstreams.core.Fixtures.remove;
import static io.userstreams.core.Fixtures.user;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.userstreams.core.UserStreamsCore;
import io.userstreams.core.change.ChangeRecord;
import io.userstreams.core.search.IndexDefinition;
import io.userstreams.core.search.OpenSearchIndexSink;
import io.userstreams.core.search.TombstonePurge;
import io.userstreams.core.user.User;
import io.userstreams.localstack.LocalStack;
import io.userstreams.localstack.LocalStackExtension;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.opensearch.client.opensearch.OpenSearchClient;

/**
 * Tombstone documents are kept for the replay window (15 days) and removed after it, on the real
 * local OpenSearch node: an old tombstone goes, a young one stays and still stops a replay.
 */
@ExtendWith(LocalStackExtension.class)
class TombstonePurgeIntegrationTest {

    private static ChangeRecord at(ChangeRecord r, Instant time) {
        return new ChangeRecord(r.eventId(), r.kind(), r.ttlExpiry(), r.keys(), r.oldImage(), r.newImage(), r.shardId(),
                r.sequenceNumber(), time);
    }

    @Test
    void tombstonesOlderThanTheReplayWindowArePurgedYoungerOnesStayAndStillStopReplays(LocalStack stack,
                                                                                        OpenSearchClient client)
            throws Exception {
        String index = SearchIndexIntegrationTest.index();
        Instant now = Instant.now();
        User old = user(ItSupport.unique("old-gone"));
        User recent = user(ItSupport.unique("recent-gone"));
        User kept = user(ItSupport.unique("kept"));
        ChangeRecord recentInsert = at(insert(recent), now.minus(Duration.ofDays(2)));
        List<ChangeRecord> history = List.of(
                at(insert(old), now.minus(Duration.ofDays(21))), at(remove(old), now.minus(Duration.ofDays(20))),
                recentInsert, at(remove(recent), now.minus(Duration.ofDays(1))),
                at(insert(kept), now.minus(Duration.ofDays(30))));
        try (UserStreamsCore core = ItSupport.core(stack, SearchIndexIntegrationTest.searchOnly(index), b -> { })) {
            assertThat(core.processor().process(history).isComplete()).isTrue();
            assertThat(tombstone(client, index, old.userId())).isTrue();

            assertThat(core.purgeExpiredTombstones()).isEqualTo(1);

            assertThat(exists(client, index, old.userId())).as("a tombstone past the window").isFalse();
            assertThat(tombstone(client, index, recent.userId())).as("a tombstone inside the window").isTrue();
            assertThat(SearchIndexIntegrationTest.doc(client, index, kept.userId())).as("a live user, however old")
                    .isNotNull();
            // the young tombstone still rejects a replay of the user's INSERT
            assertThat(core.processor().process(List.of(recentInsert)).isComplete()).isTrue();
            assertThat(SearchIndexIntegrationTest.searchable(client, index, recent.userId())).isFalse();
            assertThat(core.purgeExpiredTombstones()).as("a second run finds nothing").isZero();
        }

        OpenSearchIndexSink sink = new OpenSearchIndexSink(client, IndexDefinition.fromTemplate().withName(index));
        assertThatThrownBy(() -> new TombstonePurge(sink, Duration.ofDays(14), Clock.systemUTC()))
                .as("a window shorter than the replay window").isInstanceOf(IllegalArgumentException.class);
        // a clock 2 days ahead: the recent tombstone (1 day old) is still inside a 15-day window
        assertThat(new TombstonePurge(sink, TombstonePurge.REPLAY_WINDOW,
                Clock.offset(Clock.systemUTC(), Duration.ofDays(2))).run()).isZero();
        // 15 days ahead it is past the window
        assertThat(new TombstonePurge(sink, TombstonePurge.REPLAY_WINDOW,
                Clock.offset(Clock.systemUTC(), Duration.ofDays(15))).run()).isEqualTo(1);
        assertThat(exists(client, index, recent.userId())).isFalse();
    }

    @SuppressWarnings({"rawtypes", "unchecked"})
    private static boolean tombstone(OpenSearchClient client, String index, String id) throws Exception {
        var r = client.get(g -> g.index(index).id(id), Map.class);
        return r.found() && Boolean.TRUE.equals(((Map<String, Object>) r.source()).get("deleted"));
    }

    private static boolean exists(OpenSearchClient client, String index, String id) throws Exception {
        return client.get(g -> g.index(index).id(id), Map.class).found();
    }
}
