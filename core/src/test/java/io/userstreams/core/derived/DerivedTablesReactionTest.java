package io.userstreams.core.derived;

import static io.userstreams.core.Fixtures.expire;
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
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class DerivedTablesReactionTest {

    final InMemorySinks sinks = new InMemorySinks();

    UserStreamsCore core() {
        CoreSettings settings = CoreSettings.fromEnvironment(Map.of()).withReactions(EnumSet.of(ReactionId.DERIVED_TABLES));
        return UserStreamsCore.builder().settings(settings).sinks(sinks.sinks()).retryPolicy(RetryPolicy.fast(2))
                .sleeper(d -> { }).build();
    }

    @Test
    void countsAndMappingsFollowInsertsChangesDeletesAndExpiriesExactlyUnderRedelivery() {
        User kim = user("kim", "kim@example.com", "free", "KR", "ko");
        User kim2 = kim.withEmail("kim@new.example.com").withPlan("pro").withVersion(2);
        User lee = user("lee", "lee@example.com", "pro", "US", "en");
        User park = user("park", "park@example.com", "free", "KR", "ko");
        User park2 = park.withCountry("JP").withVersion(2);
        List<ChangeRecord> batch = List.of(insert(kim), insert(lee), insert(park), modify(kim, kim2), modify(park, park2),
                remove(lee), expire(park2));
        UserStreamsCore core = core();
        for (int i = 0; i < 3; i++) {
            assertThat(core.processor().process(batch).isComplete()).isTrue();
        }
        assertThat(sinks.derived.usersByEmail()).containsExactly(Map.entry("kim@new.example.com", "kim"));
        assertThat(sinks.derived.stats()).containsExactlyInAnyOrderEntriesOf(Map.of(
                "plan#pro", 1L, "plan#free", 0L, "country#KR", 1L, "country#US", 0L, "country#JP", 0L,
                "total#deleted", 1L, "total#expired", 1L));
    }

    @Test
    void groupsRecordsIntoOneTransactionAndCutsGroupsAtASharedEmail() {
        List<ChangeRecord> batch = new java.util.ArrayList<>();
        for (int i = 0; i < 55; i++) {
            batch.add(insert(user("g" + i)));
        }
        User a = user("a", "same@example.com", "free", "KR", "ko");
        batch.add(remove(a.withVersion(1)));
        batch.add(insert(user("b", "same@example.com", "pro", "KR", "ko")));
        UserStreamsCore core = core();
        assertThat(core.processor().process(batch).isComplete()).isTrue();
        // 49 (an insert is a claim + a mapping put, plus the 2 shared counters: 100 items, the
        // transaction limit) + (6 + remove a) as groups, insert b alone after the cut.
        assertThat(sinks.derived.groups()).isEqualTo(2);
        assertThat(sinks.derived.stat("country#KR")).isEqualTo(55);
        assertThat(sinks.derived.usersByEmail()).containsEntry("same@example.com", "b");
        // A redelivery falls back to one record at a time and changes nothing.
        assertThat(core.processor().process(batch).isComplete()).isTrue();
        assertThat(sinks.derived.stat("country#KR")).isEqualTo(55);
        assertThat(sinks.derived.stat("plan#free")).isEqualTo(54);
    }

    @Test
    void aRecordDuplicatedInsideOneBatchCountsOnce() {
        ChangeRecord kim = insert(user("kim", "kim@example.com", "pro", "NZ", "en"));
        assertThat(core().processor().process(List.of(kim, insert(user("lee", "lee@example.com", "pro", "NZ", "en")),
                kim)).isComplete()).isTrue();
        assertThat(sinks.derived.stat("country#NZ")).isEqualTo(2);
    }

    @Test
    void modifyWithoutRelevantChangesWritesNothing() {
        User kim = user("kim");
        ChangeRecord rename = modify(kim, new User("kim", kim.email(), "Kim Renamed", kim.plan(), kim.country(),
                kim.locale(), kim.createdAt(), 2, kim.expiresAt()));
        assertThat(DerivedEffects.of(new io.userstreams.core.reaction.UserChange(rename, kim, kim))).isNull();
    }

    @Test
    void neverDeletesAMappingThatNowBelongsToAnotherUser() {
        User kim = user("kim", "shared@example.com", "free", "KR", "ko");
        User kimMoved = kim.withEmail("kim@example.com").withVersion(2);
        assertThat(core().processor().process(List.of(insert(kim))).isComplete()).isTrue();
        // Another user took the address before kim's email change was processed.
        sinks.derived.putMapping("shared@example.com", "lee");
        assertThat(core().processor().process(List.of(modify(kim, kimMoved), remove(kimMoved))).isComplete()).isTrue();
        assertThat(sinks.derived.usersByEmail()).containsExactly(Map.entry("shared@example.com", "lee"));
    }

    @Test
    void sinkDownStopsAtTheRecordAndNothingIsCountedTwiceAfterRecovery() {
        List<ChangeRecord> batch = List.of(insert(user("a")), insert(user("b")), insert(user("c")));
        UserStreamsCore core = core();
        sinks.derived.faults.failNext(Integer.MAX_VALUE, () -> software.amazon.awssdk.core.exception.SdkClientException
                .create("Unable to execute HTTP request: Connection refused"));
        assertThat(core.processor().process(batch).completed()).isZero();
        sinks.derived.faults.clear();
        assertThat(core.processor().process(batch).isComplete()).isTrue();
        assertThat(core.processor().process(batch).isComplete()).isTrue();
        assertThat(sinks.derived.stat("country#KR")).isEqualTo(3);
        assertThat(sinks.deadLetters.letters()).isEmpty();
    }
}
