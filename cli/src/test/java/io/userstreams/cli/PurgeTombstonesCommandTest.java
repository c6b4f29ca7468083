package io.userstreams.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.userstreams.core.search.ExternalVersions;
import io.userstreams.core.search.IndexDefinition;
import io.userstreams.core.search.IndexOperation;
import io.userstreams.core.search.OpenSearchIndexSink;
import io.userstreams.core.search.SearchIndexReaction;
import io.userstreams.core.user.User;
import io.userstreams.localstack.LocalStack;
import io.userstreams.testkit.TestKit;
import io.userstreams.testkit.UserStreamsExtension;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(UserStreamsExtension.class)
class PurgeTombstonesCommandTest {

    @Test
    void removesOnlyTombstonesOlderThanTheReplayWindow(LocalStack stack) throws Exception {
        String index = stack.resources().openSearchIndex();
        OpenSearchIndexSink sink = new OpenSearchIndexSink(stack.openSearch(), IndexDefinition.fromTemplate().withName(index));
        User old = TestKit.user("u-purge-old");
        User recent = TestKit.user("u-purge-recent");
        Instant now = Instant.now();
        var written = sink.bulk(List.of(
                new IndexOperation(IndexOperation.Kind.DELETE, old.userId(), ExternalVersions.forDelete(old), false,
                        SearchIndexReaction.tombstone(old, now.minus(Duration.ofDays(16)))),
                new IndexOperation(IndexOperation.Kind.DELETE, recent.userId(), ExternalVersions.forDelete(recent), false,
                        SearchIndexReaction.tombstone(recent, now.minus(Duration.ofDays(1))))));
        assertThat(written).allMatch(r -> r.ok(), "tombstones written");

        Cli.Run run = Cli.run(stack, "purge-tombstones");

        assertThat(run.exit()).as(run.toString()).isZero();
        assertThat(run.out()).contains("removed 1 tombstone(s)").contains("from index " + index);
        assertThat(found(stack, index, old.userId())).isFalse();
        assertThat(found(stack, index, recent.userId())).isTrue();
    }

    @Test
    void refusesAWindowShorterThanTheReplayWindow(LocalStack stack) {
        Cli.Run run = Cli.run(stack, "purge-tombstones", "--older-than-days", "3");
        assertThat(run.exit()).isEqualTo(2);
        assertThat(run.err()).contains("at least 15");
    }

    @SuppressWarnings("rawtypes")
    private static boolean found(LocalStack stack, String index, String id) throws Exception {
        return stack.openSearch().get(g -> g.index(index).id(id), Map.class).found();
    }
}
