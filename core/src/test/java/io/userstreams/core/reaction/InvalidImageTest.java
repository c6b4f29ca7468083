package io.userstreams.core.reaction;

import static io.userstreams.core.Fixtures.insert;
import static io.userstreams.core.Fixtures.record;
import static io.userstreams.core.Fixtures.user;
import static org.assertj.core.api.Assertions.assertThat;

import io.userstreams.core.UserStreamsCore;
import io.userstreams.core.change.ChangeKind;
import io.userstreams.core.change.ChangeRecord;
import io.userstreams.core.config.CoreSettings;
import io.userstreams.core.derived.DerivedEffects;
import io.userstreams.core.processing.DeadLetter;
import io.userstreams.core.processing.RetryPolicy;
import io.userstreams.core.sink.InMemorySinks;
import io.userstreams.core.user.User;
import io.userstreams.core.user.UserItems;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/**
 * One image a reaction cannot use must not block the item's later changes: each reaction checks
 * only the fields it uses, the refused image is dead-lettered once (by the reactions that use the
 * bad field), and the later MODIFY and REMOVE bring every derived state back to the table's.
 */
class InvalidImageTest {

    /** Values the validator refuses, as other applications could write them. */
    enum Poison {
        PLAN("plan", AttributeValue.fromS("gold"), false),
        COUNTRY("country", AttributeValue.fromS("XK"), false),
        FRACTIONAL_EXPIRES_AT("expiresAt", AttributeValue.fromN("1800000000.5"), false),
        VERSION_ABOVE_RANGE("version", AttributeValue.fromN(Long.toString((1L << 20) - 1)), true);

        final String field;
        final AttributeValue value;
        /** The poison stays in the later images too (a version only grows). */
        final boolean sticky;

        Poison(String field, AttributeValue value, boolean sticky) {
            this.field = field;
            this.value = value;
            this.sticky = sticky;
        }

        Map<String, AttributeValue> apply(User u, long versionOffset) {
            Map<String, AttributeValue> item = new HashMap<>(UserItems.toItem(u));
            if (this == VERSION_ABOVE_RANGE) {
                item.put("version", AttributeValue.fromN(Long.toString((1L << 20) - 1 + versionOffset)));
            } else {
                item.put(field, value);
            }
            return item;
        }
    }

    final InMemorySinks sinks = new InMemorySinks();

    UserStreamsCore core() {
        return UserStreamsCore.builder().settings(CoreSettings.fromEnvironment(Map.of())).sinks(sinks.sinks())
                .retryPolicy(RetryPolicy.fast(2)).sleeper(d -> { }).build();
    }

    @ParameterizedTest
    @EnumSource(Poison.class)
    void aBadImageIsDeadLetteredOnceAndTheItemsLaterChangesStillApply(Poison poison) {
        String id = "u-" + poison.name().toLowerCase();
        User v1 = user(id, id + "@a.example.com", "free", "KR", "ko");
        User v2 = v1.withEmail(id + "@b.example.com").withVersion(2);
        User v3 = v2.withEmail(id + "@c.example.com").withPlan("pro").withVersion(3);
        Map<String, AttributeValue> item1 = UserItems.toItem(v1);
        Map<String, AttributeValue> item2 = poison.apply(v2, 0);
        Map<String, AttributeValue> item3 = poison.sticky ? poison.apply(v3, 1) : UserItems.toItem(v3);
        ChangeRecord bad = record(ChangeKind.MODIFY, false, id, item1, item2);
        ChangeRecord next = record(ChangeKind.MODIFY, false, id, item2, item3);
        List<ChangeRecord> history = List.of(insert(v1), bad, next);

        UserStreamsCore core = core();
        assertThat(core.processor().process(history).isComplete()).isTrue();
        // users_by_email and user_stats follow the table (the poison is never counted).
        assertThat(sinks.derived.usersByEmail()).containsExactly(Map.entry(id + "@c.example.com", id));
        assertThat(sinks.derived.stat(DerivedEffects.planKey("pro"))).isEqualTo(1);
        assertThat(sinks.derived.stat(DerivedEffects.planKey("free"))).isZero();
        assertThat(sinks.derived.stat(DerivedEffects.countryKey("KR"))).isEqualTo(1);
        if (!poison.sticky) {
            assertThat(sinks.search.documents().get(id)).containsEntry("email", id + "@c.example.com");
        }

        ChangeRecord removal = record(ChangeKind.REMOVE, false, id, item3, Map.of());
        assertThat(core.processor().process(List.of(removal)).isComplete()).isTrue();
        assertThat(sinks.derived.usersByEmail()).isEmpty();
        assertThat(sinks.derived.stat(DerivedEffects.planKey("pro"))).isZero();
        assertThat(sinks.derived.stat(DerivedEffects.countryKey("KR"))).isZero();
        assertThat(sinks.derived.stat(DerivedEffects.DELETED)).isEqualTo(1);
        assertThat(sinks.search.documents()).doesNotContainKey(id);
        assertThat(sinks.welcome.published()).hasSize(1);

        // Only the images that brought the poison are dead-lettered, each once per reaction using the field.
        List<DeadLetter> letters = sinks.deadLetters.letters();
        assertThat(letters).isNotEmpty().allSatisfy(l -> {
            assertThat(l.record().eventId()).isIn(bad.eventId(), next.eventId());
            assertThat(l.error()).contains("newImage." + poison.field);
            assertThat(l.reaction()).isNotEqualTo(DeadLetter.VALIDATION);
        });
        assertThat(letters.stream().map(l -> l.record().eventId() + "/" + l.reaction())).doesNotHaveDuplicates();
        assertThat(letters).noneMatch(l -> l.record().eventId().equals(removal.eventId()));
    }
}
