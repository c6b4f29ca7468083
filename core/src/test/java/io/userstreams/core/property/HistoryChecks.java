package io.userstreams.core.property;

import io.userstreams.core.change.ChangeKind;
import io.userstreams.core.change.ChangeRecord;
import io.userstreams.core.derived.DerivedEffects;
import io.userstreams.core.derived.UserEmails;
import io.userstreams.core.processing.DeadLetter;
import io.userstreams.core.sink.InMemorySinks;
import io.userstreams.core.welcome.WelcomeMessage;
import java.util.HashMap;
import java.util.Map;
import org.assertj.core.api.SoftAssertions;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/**
 * What a delivered history must leave in the in-memory sinks: users_by_email, user_stats and the
 * index equal what the users table says, one welcome per creation, dead letters only for refused
 * images. Shared by core's property test and the runtimes' one (test-kit), through core's test-jar.
 */
public final class HistoryChecks {

    private HistoryChecks() {
    }

    /** The users table of the history, as the derived-tables reaction reads it to settle a contested email. */
    public static UserEmails usersTable(UserHistories h) {
        return ids -> {
            Map<String, String> now = new HashMap<>();
            for (String id : ids) {
                Map<String, AttributeValue> item = h.table.get(id);
                if (item != null) {
                    now.put(id, item.get("email").s());
                }
            }
            return now;
        };
    }

    public static void check(UserHistories h, InMemorySinks sinks, long seed) {
        SoftAssertions soft = new SoftAssertions();
        String where = "seed " + seed + ", history " + h.all.size() + " records";
        Map<String, String> wantEmails = new HashMap<>();
        Map<String, Long> wantStats = new HashMap<>();
        h.table.forEach((id, item) -> {
            wantEmails.put(item.get("email").s(), id);
            String plan = item.get("plan").s();
            String country = item.get("country").s();
            if (!UserHistories.BAD_PLAN.equals(plan)) {
                wantStats.merge(DerivedEffects.planKey(plan), 1L, Long::sum);
            }
            if (!UserHistories.BAD_COUNTRY.equals(country)) {
                wantStats.merge(DerivedEffects.countryKey(country), 1L, Long::sum);
            }
        });
        wantStats.put(DerivedEffects.DELETED, h.deletes);
        wantStats.put(DerivedEffects.EXPIRED, h.expiries);
        soft.assertThat(sinks.derived.usersByEmail()).as("users_by_email, " + where).isEqualTo(wantEmails);
        Map<String, Long> gotStats = new HashMap<>(sinks.derived.stats());
        gotStats.values().removeIf(v -> v == 0);
        wantStats.values().removeIf(v -> v == 0);
        soft.assertThat(gotStats).as("user_stats, " + where).isEqualTo(wantStats);

        Map<String, Map<String, Object>> docs = sinks.search.documents();
        for (int i = 0; i < h.users; i++) {
            String id = h.userId(i);
            Map<String, AttributeValue> item = h.table.get(id);
            Map<String, Object> doc = docs.get(id);
            if (item == null) {
                soft.assertThat(doc).as("index: deleted " + id + ", " + where).isNull();
            } else if (!UserHistories.poisoned(item)) {
                soft.assertThat(doc).as("index: " + id + ", " + where).isNotNull();
                if (doc != null) {
                    soft.assertThat(doc.get("email")).as("index email " + id + ", " + where).isEqualTo(item.get("email").s());
                    soft.assertThat(doc.get("plan")).as("index plan " + id + ", " + where).isEqualTo(item.get("plan").s());
                    soft.assertThat(doc.get("country")).as("index country " + id + ", " + where)
                            .isEqualTo(item.get("country").s());
                    soft.assertThat(doc.get("version")).as("index version " + id + ", " + where)
                            .isEqualTo(Long.parseLong(item.get("version").n()));
                }
            } else if (doc != null) {
                // A refused image keeps the last good document of the same user, never an older incarnation's.
                soft.assertThat(doc.get("createdAt")).as("index incarnation " + id + ", " + where)
                        .isEqualTo(item.get("createdAt").s());
            }
        }

        Map<String, Long> welcomes = new HashMap<>();
        for (WelcomeMessage m : sinks.welcome.published()) {
            welcomes.merge(m.idempotencyKey(), 1L, Long::sum);
        }
        Map<String, Long> wantWelcomes = new HashMap<>();
        h.creations.forEach(k -> wantWelcomes.put(k, 1L));
        soft.assertThat(welcomes).as("one welcome per creation, " + where).isEqualTo(wantWelcomes);

        for (DeadLetter l : sinks.deadLetters.letters()) {
            ChangeRecord r = l.record();
            soft.assertThat(r.kind() != ChangeKind.REMOVE && UserHistories.poisoned(r.newImage()))
                    .as("dead letter only for a refused image: " + l.reaction() + " " + l.errorType() + " " + l.error()
                            + ", " + where).isTrue();
        }
        soft.assertAll();
    }
}
