package io.userstreams.core.derived;

import io.userstreams.core.reaction.UserChange;
import io.userstreams.core.user.User;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What a change does to {@code users_by_email} and {@code user_stats}:
 * <ul>
 *   <li>INSERT: email → userId; {@code plan#<plan>} +1, {@code country#<CC>} +1.</li>
 *   <li>MODIFY: email changed → new mapping, old mapping removed (if still this user's);
 *       plan/country changed → old −1, new +1. Nothing relevant changed → no update at all.</li>
 *   <li>REMOVE by a writer: mapping removed (if still this user's); plan and country −1;
 *       {@code total#deleted} +1. TTL expiry: the same but {@code total#expired} +1.</li>
 * </ul>
 */
public final class DerivedEffects {

    public static final String DELETED = "total#deleted";
    public static final String EXPIRED = "total#expired";

    private DerivedEffects() {
    }

    public static String claimKey(String eventId) {
        return "derived#" + eventId;
    }

    public static String planKey(String plan) {
        return "plan#" + plan;
    }

    public static String countryKey(String country) {
        return "country#" + country;
    }

    /** The update for a change, or null when it changes nothing derived. */
    public static DerivedUpdate of(UserChange change) {
        List<String> puts = new ArrayList<>(1);
        List<String> deletes = new ArrayList<>(1);
        Map<String, Long> deltas = new LinkedHashMap<>(8);
        User before = change.oldUser();
        User after = change.newUser();
        switch (change.kind()) {
            case INSERT -> {
                puts.add(after.email());
                add(deltas, planKey(after.plan()), 1);
                add(deltas, countryKey(after.country()), 1);
            }
            case MODIFY -> {
                if (!before.email().equals(after.email())) {
                    puts.add(after.email());
                    deletes.add(before.email());
                }
                if (!before.plan().equals(after.plan())) {
                    add(deltas, planKey(before.plan()), -1);
                    add(deltas, planKey(after.plan()), 1);
                }
                if (!before.country().equals(after.country())) {
                    add(deltas, countryKey(before.country()), -1);
                    add(deltas, countryKey(after.country()), 1);
                }
            }
            case REMOVE -> {
                deletes.add(before.email());
                add(deltas, planKey(before.plan()), -1);
                add(deltas, countryKey(before.country()), -1);
                add(deltas, change.record().ttlExpiry() ? EXPIRED : DELETED, 1);
            }
        }
        if (puts.isEmpty() && deletes.isEmpty() && deltas.isEmpty()) {
            return null;
        }
        return new DerivedUpdate(claimKey(change.record().eventId()), change.userId(), puts, deletes, deltas);
    }

    private static void add(Map<String, Long> deltas, String key, long delta) {
        long sum = deltas.getOrDefault(key, 0L) + delta;
        if (sum == 0) {
            deltas.remove(key);
        } else {
            deltas.put(key, sum);
        }
    }
}
