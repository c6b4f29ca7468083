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
import io.userstreams.core.processing.DeadLetter;
import io.userstreams.core.processing.RetryPolicy;
import io.userstreams.core.sink.InMemorySinks;
import io.userstreams.core.user.User;
import java.time.Duration;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** A version that went down is reported (dead letter {@code version-regression}), and a delete never loses to it. */
class VersionRegressionTest {

    final InMemorySinks sinks = new InMemorySinks();

    UserStreamsCore core() {
        CoreSettings settings = CoreSettings.fromEnvironment(Map.of()).withReactions(EnumSet.of(ReactionId.SEARCH_INDEX));
        return UserStreamsCore.builder().settings(settings).sinks(sinks.sinks()).retryPolicy(RetryPolicy.fast(2))
                .sleeper(d -> { }).build();
    }

    List<DeadLetter> regressions() {
        return sinks.deadLetters.letters().stream().filter(l -> l.errorType().equals("version-regression")).toList();
    }

    @Test
    void aWriterWithoutVersionAfterVersionedWritesIsReportedAndTheLaterDeleteStillRemovesTheUser() {
        User v6 = user("kim").withVersion(6);
        User unversioned = v6.withPlan("pro").withVersion(User.NO_VERSION);
        UserStreamsCore core = core();
        ChangeRecord down = modify(v6, unversioned);
        assertThat(core.processor().process(List.of(insert(v6), down)).isComplete()).isTrue();
        assertThat(regressions()).singleElement().satisfies(l -> {
            assertThat(l.record().eventId()).isEqualTo(down.eventId());
            assertThat(l.reaction()).isEqualTo("search-index");
            assertThat(l.error()).contains("version");
        });
        assertThat(core.versionRegressions()).isEqualTo(1);
        assertThat(core.processor().process(List.of(remove(unversioned))).isComplete()).isTrue();
        assertThat(sinks.search.documents()).doesNotContainKey("kim");
    }

    @Test
    void twoRegionsWritingTheSameVersionIsReported() {
        User a6 = user("lee").withVersion(6);
        User b6 = a6.withCountry("JP");
        UserStreamsCore core = core();
        assertThat(core.processor().process(List.of(insert(a6.withVersion(5)), modify(a6.withVersion(5), a6),
                modify(a6, b6))).isComplete()).isTrue();
        assertThat(regressions()).hasSize(1);
    }

    @Test
    void aLoweredCreatedAtIsReportedAndTheDeleteStillRemovesTheUser() {
        User v3 = user("park").withVersion(3);
        User lowered = new User("park", v3.email(), v3.name(), v3.plan(), v3.country(), v3.locale(),
                v3.createdAt().minus(Duration.ofDays(30)), 4, v3.expiresAt());
        UserStreamsCore core = core();
        assertThat(core.processor().process(List.of(insert(v3), modify(v3, lowered))).isComplete()).isTrue();
        assertThat(regressions()).hasSize(1);
        assertThat(core.processor().process(List.of(remove(lowered))).isComplete()).isTrue();
        assertThat(sinks.search.documents()).doesNotContainKey("park");
    }

    @Test
    void aReCreationThatLosesToTheOldTombstoneIsReportedNotSilent() {
        User first = user("choi").withVersion(2);
        UserStreamsCore core = core();
        assertThat(core.processor().process(List.of(insert(first), remove(first))).isComplete()).isTrue();
        // Created again with the old createdAt: its versions are below the tombstone's.
        User again = first.withVersion(1).withPlan("enterprise");
        assertThat(core.processor().process(List.of(insert(again))).isComplete()).isTrue();
        assertThat(regressions()).hasSize(1);
    }

    @Test
    void replaysAndDuplicatesAreNotRegressions() {
        User v1 = user("jung");
        User v2 = v1.withPlan("pro").withVersion(2);
        User v3 = v2.withCountry("US").withVersion(3);
        List<ChangeRecord> history = List.of(insert(v1), modify(v1, v2), modify(v2, v3));
        UserStreamsCore core = core();
        assertThat(core.processor().process(history).isComplete()).isTrue();
        assertThat(core.processor().process(history).isComplete()).isTrue();
        assertThat(core.processor().process(history.subList(0, 2)).isComplete()).isTrue();
        ChangeRecord delete = remove(v3);
        assertThat(core.processor().process(List.of(delete)).isComplete()).isTrue();
        assertThat(core.processor().process(history).isComplete()).isTrue();
        assertThat(core.processor().process(List.of(delete)).isComplete()).isTrue();
        assertThat(sinks.search.documents()).doesNotContainKey("jung");
        assertThat(sinks.deadLetters.letters()).isEmpty();
        assertThat(core.versionRegressions()).isZero();
    }
}
