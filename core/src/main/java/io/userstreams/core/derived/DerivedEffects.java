package io.userstreams.core.derived;

import io.userstreams.core.change.ChangeKind;
import io.userstreams.core.reaction.UserChange;
import io.userstreams.core.user.User;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

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

    /** The fields derived tables use: a bad value in another field never stops them. */
    public static final List<String> FIELDS = List.of("email", "plan", "country");

    /**
     * The update for a change, or null when it changes nothing derived. Each image contributes
     * only its usable fields (a plan another application invented is not counted, an invalid
     * address is not mapped), so the derived state is always the sum of what the current images
     * contribute, whichever images were bad on the way: the change from an image is what it
     * contributed, undone, plus what the next one contributes.
     */
    public static DerivedUpdate of(UserChange change) {
        List<String> puts = new ArrayList<>(1);
        List<String> deletes = new ArrayList<>(1);
        Map<String, Long> deltas = new LinkedHashMap<>(8);
        String oldEmail = field(change, true, "email");
        String newEmail = field(change, false, "email");
        if (newEmail != null && !newEmail.equals(oldEmail)) {
            puts.add(newEmail);
        }
        if (oldEmail != null && !oldEmail.equals(newEmail)) {
            deletes.add(oldEmail);
        }
        move(deltas, field(change, true, "plan"), field(change, false, "plan"), DerivedEffects::planKey);
        move(deltas, field(change, true, "country"), field(change, false, "country"), DerivedEffects::countryKey);
        if (change.kind() == ChangeKind.REMOVE) {
            add(deltas, change.record().ttlExpiry() ? EXPIRED : DELETED, 1);
        }
        if (puts.isEmpty() && deletes.isEmpty() && deltas.isEmpty()) {
            return null;
        }
        return new DerivedUpdate(claimKey(change.record().eventId()), change.userId(), puts, deletes, deltas);
    }

    /** The image's value of a field this reaction uses, or null when that image is absent or the value unusable. */
    private static String field(UserChange change, boolean old, String name) {
        User u = old ? change.oldUser() : change.newUser();
        if (u == null || !(old ? change.oldUsable(name) : change.newUsable(name))) {
            return null;
        }
        return switch (name) {
            case "email" -> u.email();
            case "plan" -> u.plan();
            case "country" -> u.country();
            default -> throw new IllegalArgumentException(name);
        };
    }

    private static void move(Map<String, Long> deltas, String from, String to, Function<String, String> key) {
        if (from != null && from.equals(to)) {
            return;
        }
        if (from != null) {
            add(deltas, key.apply(from), -1);
        }
        if (to != null) {
            add(deltas, key.apply(to), 1);
        }
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
