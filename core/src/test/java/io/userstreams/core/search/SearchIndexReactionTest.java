package io.userstreams.core.search;

import static io.userstreams.core.Fixtures.insert;
import static io.userstreams.core.Fixtures.modify;
import static io.userstreams.core.Fixtures.remove;
import static io.userstreams.core.Fixtures.user;
import static org.assertj.core.api.Assertions.assertThat;

import io.userstreams.core.UserStreamsCore;
import io.userstreams.core.change.ChangeRecord;
import io.userstreams.core.config.CoreSettings;
import io.userstreams.core.config.ReactionId;
import io.userstreams.core.processing.BatchOutcome;
import io.userstreams.core.processing.RetryPolicy;
import io.userstreams.core.sink.InMemorySinks;
import io.userstreams.core.user.User;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class SearchIndexReactionTest {

    final InMemorySinks sinks = new InMemorySinks();

    UserStreamsCore core() {
        CoreSettings settings = CoreSettings.fromEnvironment(Map.of()).withReactions(EnumSet.of(ReactionId.SEARCH_INDEX));
        return UserStreamsCore.builder().settings(settings).sinks(sinks.sinks()).retryPolicy(RetryPolicy.fast(2))
                .sleeper(d -> { }).bulkSize(2).build();
    }

    @Test
    void olderRecordsNeverOverwriteAndAReplayAfterDeleteDoesNotResurrect() {
        User v1 = user("kim");
        User v2 = v1.withPlan("pro").withVersion(2);
        List<ChangeRecord> old = List.of(insert(v1), modify(v1, v2));
        UserStreamsCore core = core();
        assertThat(core.processor().process(old).isComplete()).isTrue();
        assertThat(sinks.search.documents().get("kim")).containsEntry("plan", "pro").containsEntry("version", 2L);
        // Replaying v1 alone is stale (409) and done, not failed.
        assertThat(core.processor().process(old.subList(0, 1)).isComplete()).isTrue();
        assertThat(sinks.search.documents().get("kim")).containsEntry("plan", "pro");
        assertThat(core.processor().process(List.of(remove(v2))).isComplete()).isTrue();
        assertThat(sinks.search.documents()).doesNotContainKey("kim");
        assertThat(core.processor().process(old).isComplete()).isTrue();
        assertThat(sinks.search.documents()).doesNotContainKey("kim");
        assertThat(sinks.deadLetters.letters()).isEmpty();
    }

    @Test
    void itemsWithoutVersionAreIndexedAndUpdatedInOrder() {
        User v0 = user("kim").withVersion(User.NO_VERSION);
        User v0b = v0.withPlan("enterprise");
        UserStreamsCore core = core();
        ChangeRecord created = insert(v0);
        assertThat(core.processor().process(List.of(created, modify(v0, v0b))).isComplete()).isTrue();
        assertThat(sinks.search.documents().get("kim")).containsEntry("plan", "enterprise");
        // The delete, then a replay of the old INSERT: the tombstone wins.
        assertThat(core.processor().process(List.of(remove(v0b), created)).isComplete()).isTrue();
        assertThat(sinks.search.documents()).doesNotContainKey("kim");
    }

    @Test
    void statusesDecideBetweenDoneRecordFailureAndSystemic() {
        List<ChangeRecord> batch = List.of(insert(user("a")), insert(user("b")), insert(user("c")), insert(user("d")));
        sinks.search.perOperation = op -> switch (op.id()) {
            case "b" -> new BulkItemResult(400, "mapper_parsing_exception", "failed to parse field [createdAt]");
            case "c" -> new BulkItemResult(409, "version_conflict_engine_exception", "stale");
            default -> null;
        };
        BatchOutcome outcome = core().processor().process(batch);
        assertThat(outcome.isComplete()).isTrue();
        assertThat(outcome.deadLettered()).isEqualTo(1);
        assertThat(sinks.deadLetters.letters().get(0).errorType()).isEqualTo("mapper_parsing_exception");
        assertThat(sinks.deadLetters.letters().get(0).record().userId()).contains("b");
        assertThat(sinks.search.documents()).containsOnlyKeys("a", "d");

        sinks.search.perOperation = op -> op.id().equals("f") ? new BulkItemResult(429, "es_rejected_execution_exception",
                "queue full") : null;
        List<ChangeRecord> next = List.of(insert(user("e")), insert(user("f")), insert(user("g")));
        BatchOutcome throttled = core().processor().process(next);
        assertThat(throttled.completed()).isEqualTo(1);
        assertThat(throttled.firstUnfinished()).containsSame(next.get(1));
        assertThat(sinks.deadLetters.letters()).hasSize(1);
    }

    /** A user the validator did not see (or a bug) with a createdAt past 2248: only that record fails. */
    @Test
    void aVersionOutOfRangeFailsOnlyItsOwnRecordNotTheBulk() {
        User good = user("good");
        User overflow = new User("overflow", "o@example.com", "O", "free", "KR", "ko",
                java.time.Instant.parse("2300-01-01T00:00:00Z"), 1, java.util.OptionalLong.empty());
        User after = user("after");
        List<io.userstreams.core.reaction.UserChange> changes = List.of(
                new io.userstreams.core.reaction.UserChange(insert(good), null, good),
                new io.userstreams.core.reaction.UserChange(insert(overflow), null, overflow),
                new io.userstreams.core.reaction.UserChange(insert(after), null, after));
        SearchIndexReaction reaction = new SearchIndexReaction(sinks.search, 500);
        var result = reaction.apply(changes);
        assertThat(result.done()).isEqualTo(1);
        assertThat(io.userstreams.core.failure.FailureClassifier.classify(result.failure()))
                .isEqualTo(io.userstreams.core.failure.FailureKind.RECORD_PERMANENT);
        assertThat(result.failure().getMessage()).contains("createdAt");
        assertThat(reaction.apply(changes.subList(2, 3)).complete()).isTrue();
        assertThat(sinks.search.documents()).containsOnlyKeys("good", "after");
    }

    /** Errors about the index, not the document, stop the batch (systemic) instead of dead-lettering every record. */
    @Test
    void indexLevelErrorsAreSystemicNotRecordFailures() {
        List<BulkItemResult> indexErrors = List.of(
                new BulkItemResult(403, "cluster_block_exception", "index [users] blocked by: [FORBIDDEN/8/index write (api)]"),
                new BulkItemResult(404, "index_not_found_exception", "no such index [users]"),
                new BulkItemResult(400, "index_closed_exception", "closed"));
        for (BulkItemResult error : indexErrors) {
            for (boolean delete : new boolean[] {false, true}) {
                User u = user("u-" + error.status() + "-" + delete);
                sinks.search.perOperation = op -> null;
                if (delete) {
                    assertThat(core().processor().process(List.of(insert(u))).isComplete()).isTrue();
                }
                sinks.search.perOperation = op -> error;
                List<ChangeRecord> batch = List.of(delete ? remove(u) : insert(u));
                BatchOutcome outcome = core().processor().process(batch);
                assertThat(outcome.completed()).as(error.errorType() + (delete ? " on delete" : " on index")).isZero();
                assertThat(outcome.firstUnfinished()).containsSame(batch.get(0));
            }
        }
        assertThat(sinks.deadLetters.letters()).isEmpty();
    }
}
