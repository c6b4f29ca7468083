package io.userstreams.faults;

import com.fasterxml.jackson.databind.JsonNode;
import io.userstreams.core.change.StreamRecordConverter;
import io.userstreams.core.derived.DerivedEffects;
import io.userstreams.core.effects.EffectsReader;
import io.userstreams.core.user.InvalidUserException;
import io.userstreams.core.user.User;
import io.userstreams.core.user.UserImage;
import io.userstreams.core.user.UserItems;
import io.userstreams.core.user.UserValidator;
import io.userstreams.localdynamodb.item.ItemOperations;
import io.userstreams.testkit.Effects;
import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Pattern;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/**
 * Compares every effect with the users table (the source of truth) and the {@link Ledger}: the index
 * holds each live user at its latest version and no deleted one; users_by_email and user_stats are
 * exact; one welcome email per inserted user; every bad record dead-lettered with its reason.
 * Counts what is missing (lost) and what is extra (duplicated).
 */
final class Verifier {

    /**
     * One comparison. {@code problems} holds the first few differences, for the failure message.
     *
     * @param awaitingExpiry items of the users table whose TTL has passed but which the TTL sweeper has
     *                       not deleted yet: their REMOVE is still to come, so the state is not final
     */
    record Check(long checked, long lost, long duplicated, long deadLettered, long unexpectedDeadLetters,
                 long awaitingExpiry, List<String> problems) {
        /**
         * Effects equal the table, and the table is at rest: an expired item still waiting for the
         * sweeper is a change on its way (deleted while one looks, its REMOVE applied a moment later),
         * so a state with one is never exact.
         */
        boolean exact() {
            return lost == 0 && duplicated == 0 && unexpectedDeadLetters == 0 && awaitingExpiry == 0;
        }
    }

    /** What {@link #awaitExact} found, and when (null when it never became exact). */
    record Converged(Check check, Instant exactAt) {
    }

    /** The suite's bad-record tokens: {@code <prefix>-bad-<n>} (table) and {@code <prefix>-evt-<n>} (stream). */
    private static final Pattern TOKEN = Pattern.compile("[a-z0-9]+(?:-[a-z0-9]+)*-(?:bad|evt)-[0-9]+");

    /**
     * What the verifier reads: the users table and every effect. {@link Effects} on the local stack;
     * small fakes in the verifier's own tests.
     */
    interface World {
        /** The users table's items as stored, from one scan (the source of truth). */
        List<Map<String, AttributeValue>> tableItems();

        Map<String, Map<String, Object>> indexedUsers();

        Map<String, String> usersByEmail();

        Map<String, Long> stats();

        Map<String, Integer> welcomeEmailsPerUser();

        List<JsonNode> deadLetters();

        /** The mail path's end, or null where no mail sender runs (then only publishes are counted). */
        default Mail mail() {
            return null;
        }

        static World of(Effects effects) {
            return of(effects, () -> null);
        }

        static World of(Effects effects, java.util.function.Supplier<Mail> mail) {
            return new World() {
                public Mail mail() {
                    return mail.get();
                }

                public List<Map<String, AttributeValue>> tableItems() {
                    return effects.tableItems();
                }

                public Map<String, Map<String, Object>> indexedUsers() {
                    return effects.indexedUsers();
                }

                public Map<String, String> usersByEmail() {
                    return effects.usersByEmail();
                }

                public Map<String, Long> stats() {
                    return effects.stats();
                }

                public Map<String, Integer> welcomeEmailsPerUser() {
                    return effects.welcomeEmailsPerUser();
                }

                public List<JsonNode> deadLetters() {
                    return effects.deadLetters();
                }
            };
        }
    }

    /**
     * What the welcome mail path delivered: mails in the local mailboxes per recipient address, and
     * the mail sender's recorded outcome (SENT, SKIPPED, REJECTED, IN_PROGRESS) per user.
     */
    record Mail(Map<String, Integer> mailsPerRecipient, Map<String, String> outcomePerUser) {
    }

    /** The suite's addresses: {@code <userId>@example.com}, after an email change {@code <userId>.v<n>@example.org}. */
    private static final Pattern CHANGED_ADDRESS = Pattern.compile("\\.v[0-9]+$");

    static String userOfAddress(String address) {
        int at = address.indexOf('@');
        String local = at < 0 ? address : address.substring(0, at);
        return CHANGED_ADDRESS.matcher(local).replaceFirst("");
    }

    private final World effects;
    private final Ledger ledger;

    Verifier(Effects effects, Ledger ledger) {
        this(World.of(effects), ledger);
    }

    Verifier(World world, Ledger ledger) {
        this.effects = world;
        this.ledger = ledger;
    }

    Check check() {
        long[] checked = {0};
        long lost = 0;
        long duplicated = 0;
        List<String> problems = new ArrayList<>();
        long nowSeconds = Instant.now().getEpochSecond();

        // One scan for the users and the field-by-field images: both describe the same moment.
        List<Map<String, AttributeValue>> items = effects.tableItems();
        Map<String, User> table = new TreeMap<>();
        Map<String, UserImage> tableImages = new TreeMap<>();
        for (Map<String, AttributeValue> item : items) {
            AttributeValue id = item.get("userId");
            if (id == null || id.s() == null) {
                continue;
            }
            tableImages.put(id.s(), UserValidator.parseFields(item));
            try {
                User u = UserItems.fromItem(item);
                table.put(u.userId(), u);
            } catch (InvalidUserException e) {
                // not a user: the reactions do not see it either
            }
        }
        long awaitingTtl = table.values().stream()
                .filter(u -> u.expiresAt().isPresent() && u.expiresAt().getAsLong() <= nowSeconds).count();
        // Any item the sweeper is yet to delete (valid user or not): the table is not at rest.
        List<String> expiring = new ArrayList<>();
        for (Map<String, AttributeValue> item : items) {
            if (awaitsSweeper(item, nowSeconds)) {
                AttributeValue id = item.get("userId");
                expiring.add(id == null || id.s() == null ? "?" : id.s());
            }
        }
        if (!expiring.isEmpty()) {
            note(problems, "ttl: " + expiring.size() + " expired item(s) still in the users table, waiting for the"
                    + " TTL sweeper (first: " + expiring.get(0) + ")");
        }

        // Search index: every live user at its latest version, nothing else.
        Map<String, Map<String, Object>> index = effects.indexedUsers();
        for (User u : table.values()) {
            checked[0]++;
            Map<String, Object> doc = index.get(u.userId());
            if (doc == null) {
                lost++;
                note(problems, "index: missing " + u.userId());
            } else if (((Number) doc.get("version")).longValue() != u.version() || !u.email().equals(doc.get("email"))
                    || !u.plan().equals(doc.get("plan")) || !u.country().equals(doc.get("country"))) {
                lost++;
                note(problems, "index: stale " + u.userId() + " v" + doc.get("version") + " (table v" + u.version() + ")");
            }
        }
        // Injected INSERTs of items the table never held are indexed when every indexed field is usable.
        Set<String> indexedPhantoms = new HashSet<>();
        ledger.phantoms().forEach((id, image) -> {
            if (io.userstreams.core.user.UserValidator.parseFields(image)
                    .problemWith(io.userstreams.core.search.SearchIndexReaction.INDEXED_FIELDS) == null) {
                indexedPhantoms.add(id);
            }
        });
        for (String id : index.keySet()) {
            if (!table.containsKey(id) && !indexedPhantoms.contains(id)) {
                checked[0]++;
                lost++;    // its delete was lost
                note(problems, "index: deleted user still indexed " + id);
            }
        }

        // users_by_email: exactly the table's emails.
        // Derived tables use each usable field of an item on its own (a bad plan does not hide the address).
        var images = new TreeMap<>(tableImages);
        ledger.phantoms().forEach((id, image) -> images.putIfAbsent(id, io.userstreams.core.user.UserValidator.parseFields(image)));
        Map<String, String> wantEmails = EffectsReader.expectedEmailsOfImages(images);
        Map<String, String> gotEmails = effects.usersByEmail();
        for (Map.Entry<String, String> e : wantEmails.entrySet()) {
            checked[0]++;
            if (!e.getValue().equals(gotEmails.get(e.getKey()))) {
                lost++;
                note(problems, "users_by_email: missing " + e.getValue());
            }
        }
        for (Map.Entry<String, String> e : gotEmails.entrySet()) {
            if (!wantEmails.containsKey(e.getKey())) {
                checked[0]++;
                lost++;
                note(problems, "users_by_email: stale mapping for " + e.getValue());
            }
        }

        // user_stats: plan and country counts the table implies; deletes and expiries the ledger counted.
        Map<String, Long> want = new TreeMap<>(EffectsReader.expectedCountsOfImages(images.values()));
        want.put(DerivedEffects.DELETED, ledger.deletedCount());
        want.put(DerivedEffects.EXPIRED, ledger.expiringCount() - awaitingTtl);
        Map<String, Long> got = effects.stats();
        Set<String> keys = new HashSet<>(want.keySet());
        got.forEach((k, v) -> {
            if (v != 0) {
                keys.add(k);
            }
        });
        for (String k : keys) {
            checked[0]++;
            long diff = got.getOrDefault(k, 0L) - want.getOrDefault(k, 0L);
            if (diff < 0) {
                lost += -diff;
                note(problems, "user_stats: " + k + " " + got.getOrDefault(k, 0L) + " < " + want.get(k));
            } else if (diff > 0) {
                duplicated += diff;
                note(problems, "user_stats: " + k + " " + got.get(k) + " > " + want.getOrDefault(k, 0L));
            }
        }

        // Welcome emails: exactly one per inserted user, none for anyone else.
        // A bad item (in the table, or a phantom) whose welcome fields are usable gets its welcome too:
        // a wrong plan or version is no reason to keep a new user's email from them.
        Set<String> inserted = new HashSet<>(ledger.inserted());
        for (String id : ledger.badRecords().keySet()) {
            var image = images.get(id);
            if (image != null && image.problemWith(io.userstreams.core.welcome.WelcomeEmailReaction.FIELDS) == null) {
                inserted.add(id);
            }
        }
        Map<String, Integer> welcomes = effects.welcomeEmailsPerUser();
        for (String id : inserted) {
            checked[0]++;
            int n = welcomes.getOrDefault(id, 0);
            if (n == 0) {
                lost++;
                note(problems, "welcome: none for " + id);
            } else if (n > 1) {
                duplicated += n - 1;
                note(problems, "welcome: " + n + " for " + id);
            }
        }
        for (Map.Entry<String, Integer> w : welcomes.entrySet()) {
            if (!inserted.contains(w.getKey())) {
                checked[0]++;
                duplicated += w.getValue();
                note(problems, "welcome: unexpected for " + w.getKey());
            }
        }

        // Welcome mails in the inboxes: one per inserted user, unless the sender recorded why none
        // went out (the user was deleted or expired first: SKIPPED; the item is not a valid user: REJECTED).
        Mail mail = effects.mail();
        if (mail != null) {
            Map<String, Integer> mails = new HashMap<>();
            mail.mailsPerRecipient().forEach((address, n) -> mails.merge(userOfAddress(address), n, Integer::sum));
            for (String id : inserted) {
                checked[0]++;
                int n = mails.getOrDefault(id, 0);
                String outcome = mail.outcomePerUser().get(id);
                if (n > 1) {
                    duplicated += n - 1;
                    note(problems, "welcome mail: " + n + " in the inboxes of " + id);
                } else if (n == 0 && !"SKIPPED".equals(outcome) && !"REJECTED".equals(outcome)) {
                    lost++;
                    note(problems, "welcome mail: none in the inboxes of " + id
                            + (outcome == null ? "" : " (sender: " + outcome + ")"));
                }
            }
            for (Map.Entry<String, Integer> m : mails.entrySet()) {
                if (!inserted.contains(m.getKey())) {
                    checked[0]++;
                    duplicated += m.getValue();
                    note(problems, "welcome mail: unexpected for " + m.getKey());
                }
            }
        }

        // Dead letters: every bad record, with a reason that names what is wrong; no good record.
        Map<String, List<String>> reasonsByToken = new HashMap<>();
        long unexpected = 0;
        for (JsonNode message : effects.deadLetters()) {
            String reason = message.path("error").asText("") + " " + message.path("reason").asText("");
            Set<String> tokens = new HashSet<>();
            collectTokens(message, tokens);
            if (tokens.isEmpty()) {
                unexpected++;
                note(problems, "dead letter for a good record: " + abbreviate(message.toString()));
            }
            tokens.forEach(t -> reasonsByToken.computeIfAbsent(t, k -> new ArrayList<>()).add(reason));
        }
        long deadLettered = 0;
        for (Ledger.BadRecord bad : ledger.badRecords().values()) {
            checked[0]++;
            List<String> reasons = reasonsByToken.getOrDefault(bad.token(), List.of());
            if (reasons.stream().anyMatch(r -> r.contains(bad.reasonFragment()))) {
                deadLettered++;
            } else {
                lost++;
                note(problems, reasons.isEmpty() ? "dead letter: missing " + bad.token() + " (" + bad.kind() + ")"
                        : "dead letter: " + bad.token() + " (" + bad.kind() + ") without '" + bad.reasonFragment()
                        + "' in its reason " + reasons.get(0));
            }
        }
        return new Check(checked[0], lost, duplicated, deadLettered, unexpected, expiring.size(), List.copyOf(problems));
    }

    /** Whether the local DynamoDB's TTL sweeper will still delete this item (DynamoDB's TTL rule, the sweeper's own). */
    static boolean awaitsSweeper(Map<String, AttributeValue> item, long nowSeconds) {
        AttributeValue ttl = item.get(StreamRecordConverter.TTL_ATTRIBUTE);
        if (ttl == null || ttl.n() == null) {
            return false;
        }
        try {
            return ItemOperations.isExpired(new BigDecimal(ttl.n()), BigDecimal.valueOf(nowSeconds));
        } catch (NumberFormatException e) {
            return false;
        }
    }

    /**
     * Polls until the effects are exact (then checks once more after {@code settle}, so late
     * duplicates show), or the timeout passes. Exact includes a table at rest: the TTL sweeper, the
     * one writer still at work after a scenario's traffic, has no expired item left to delete.
     */
    Converged awaitExact(Duration timeout, Duration settle, java.io.PrintStream progress) {
        long start = System.nanoTime();
        long deadline = start + timeout.toNanos();
        long nextReport = start + 15_000_000_000L;
        Check last = check();
        while (!last.exact() && System.nanoTime() < deadline) {
            sleep(1000);
            last = check();
            if (!last.exact() && System.nanoTime() > nextReport) {
                progress.printf("  ... %d s: %d effects missing, %d duplicated, %d expired items awaiting the TTL sweeper;"
                                + " first: %s%n",
                        (System.nanoTime() - start) / 1_000_000_000L, last.lost() + last.unexpectedDeadLetters(),
                        last.duplicated(), last.awaitingExpiry(),
                        last.problems().subList(0, Math.min(3, last.problems().size())));
                nextReport = System.nanoTime() + 15_000_000_000L;
            }
        }
        if (!last.exact()) {
            return new Converged(last, null);
        }
        Instant exactAt = Instant.now();
        sleep(settle.toMillis());
        Check again = check();
        return new Converged(again, again.exact() ? exactAt : null);
    }

    /** Short text values that are whole tokens (ids, eventIDs); long values are skipped unread. */
    private static void collectTokens(JsonNode node, Set<String> tokens) {
        if (node.isTextual()) {
            String t = node.asText();
            if (t.length() < 200 && TOKEN.matcher(t).matches()) {
                tokens.add(t);
            }
        } else if (node.isContainerNode()) {
            node.forEach(child -> collectTokens(child, tokens));
        }
    }

    private static void note(List<String> problems, String problem) {
        if (problems.size() < 12) {
            problems.add(problem);
        }
    }

    private static String abbreviate(String s) {
        return s.length() <= 300 ? s : s.substring(0, 300) + "...";
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }
}
