package io.userstreams.testkit;

import com.fasterxml.jackson.databind.JsonNode;
import io.userstreams.core.effects.EffectsReader;
import io.userstreams.core.user.User;
import io.userstreams.lambda.LambdaStreamJson;
import io.userstreams.localstack.LocalResources;
import io.userstreams.localstack.LocalStack;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.function.BooleanSupplier;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.sqs.model.Message;

/**
 * What the reactions did, read back from the local stack, with assertions that compare it to the
 * users table (the source of truth): welcome emails sent, the search index, users_by_email and
 * user_stats, dead letters.
 */
public final class Effects {

    /** One welcome message as the SNS topic delivered it. */
    public record WelcomeEmail(String userId, String email, String locale, String subject, String body) {
    }

    private final LocalStack stack;
    private final String welcomeQueueUrl;
    private final List<WelcomeEmail> welcome = new ArrayList<>();
    private final List<JsonNode> deadLetters = new ArrayList<>();

    Effects(LocalStack stack, String welcomeQueueUrl) {
        this.stack = stack;
        this.welcomeQueueUrl = welcomeQueueUrl;
    }

    void clear() {
        welcome.clear();
        deadLetters.clear();
    }

    private LocalResources res() {
        return stack.resources();
    }

    // ---------------------------------------------------------------- welcome emails

    /** Every welcome message published since the test started (drains the subscribed queue). */
    public synchronized List<WelcomeEmail> welcomeEmails() {
        for (Message m : drain(welcomeQueueUrl)) {
            welcome.add(parseWelcome(m.body()));
        }
        return List.copyOf(welcome);
    }

    /** Waits until at least {@code n} welcome messages arrived (deliveries are asynchronous). */
    public List<WelcomeEmail> awaitWelcomeEmails(int n, Duration timeout) {
        await(() -> welcomeEmails().size() >= n, timeout);
        return welcomeEmails();
    }

    /** Welcome messages per userId: exactly-once means every value is 1. */
    public Map<String, Integer> welcomeEmailsPerUser() {
        Map<String, Integer> counts = new TreeMap<>();
        for (WelcomeEmail w : welcomeEmails()) counts.merge(w.userId(), 1, Integer::sum);
        return counts;
    }

    /** Asserts that exactly these users got a welcome email, each exactly once. */
    public void assertWelcomeEmailsExactlyOnce(java.util.Collection<String> userIds) {
        Map<String, Integer> got = welcomeEmailsPerUser();
        Map<String, Integer> want = new TreeMap<>();
        userIds.forEach(id -> want.put(id, 1));
        if (!got.equals(want)) {
            Map<String, Integer> dup = new TreeMap<>();
            got.forEach((k, v) -> { if (v != 1) dup.put(k, v); });
            List<String> missing = want.keySet().stream().filter(k -> !got.containsKey(k)).limit(10).toList();
            List<String> extra = got.keySet().stream().filter(k -> !want.containsKey(k)).limit(10).toList();
            throw new AssertionError("welcome emails: expected exactly one for each of " + want.size() + " users, got "
                    + got.values().stream().mapToInt(Integer::intValue).sum() + " for " + got.size()
                    + " users; duplicated " + dup + ", missing (first 10) " + missing + ", unexpected " + extra);
        }
    }

    private static WelcomeEmail parseWelcome(String body) {
        try {
            JsonNode n = LambdaStreamJson.MAPPER.readTree(body);
            if (n.has("Type") && n.has("Message")) { // SNS envelope
                JsonNode attrs = n.path("MessageAttributes");
                return new WelcomeEmail(attrs.path("userId").path("Value").asText(null),
                        attrs.path("email").path("Value").asText(null), attrs.path("locale").path("Value").asText(null),
                        n.path("Subject").asText(null), n.path("Message").asText());
            }
        } catch (IOException e) {
            // raw delivery of a plain-text body
        }
        return new WelcomeEmail(null, null, null, null, body);
    }

    // ---------------------------------------------------------------- dead letters

    /** Dead-letter messages (JSON) since the test started. */
    public synchronized List<JsonNode> deadLetters() {
        for (Message m : drain(res().deadLetterQueueUrl())) {
            try {
                deadLetters.add(LambdaStreamJson.MAPPER.readTree(m.body()));
            } catch (IOException e) {
                deadLetters.add(LambdaStreamJson.MAPPER.getNodeFactory().textNode(m.body()));
            }
        }
        return List.copyOf(deadLetters);
    }

    private List<Message> drain(String queueUrl) {
        List<Message> all = new ArrayList<>();
        while (true) {
            var r = stack.sqs().receiveMessage(b -> b.queueUrl(queueUrl).maxNumberOfMessages(10).waitTimeSeconds(0)
                    .messageAttributeNames("All"));
            if (!r.hasMessages() || r.messages().isEmpty()) {
                return all;
            }
            all.addAll(r.messages());
            var entries = r.messages().stream().map(m -> software.amazon.awssdk.services.sqs.model.DeleteMessageBatchRequestEntry
                    .builder().id(m.messageId()).receiptHandle(m.receiptHandle()).build()).toList();
            stack.sqs().deleteMessageBatch(b -> b.queueUrl(queueUrl).entries(entries));
        }
    }

    // ---------------------------------------------------------------- users table

    /** The reader every test helper shares (consistent scans, the index's live documents). */
    public EffectsReader reader() {
        return EffectsReader.of(stack.dynamoDb(), stack.openSearchEnabled() ? stack.openSearch() : null,
                io.userstreams.core.config.CoreSettings.fromEnvironment(stack.environment()));
    }

    /** Every item of the users table as stored (one consistent scan). */
    public List<Map<String, AttributeValue>> tableItems() {
        return reader().scan(res().usersTable());
    }

    /**
     * Every item of the users table parsed field by field (a bad plan does not hide the address):
     * derived tables use each usable field on its own, so this is what they must equal.
     */
    public Map<String, io.userstreams.core.user.UserImage> tableImages() {
        return reader().tableImages();
    }

    /** The users table (valid users only), by userId. */
    public Map<String, User> tableUsers() {
        return reader().tableUsers();
    }

    // ---------------------------------------------------------------- search index

    /** The indexed (live) documents by userId, tombstones of deleted users left out (refreshes the index first). */
    public Map<String, Map<String, Object>> indexedUsers() {
        Map<String, Map<String, Object>> docs = new TreeMap<>();
        reader().indexedUsers().forEach((id, doc) -> docs.put(id, doc.source()));
        return docs;
    }

    public Optional<Map<String, Object>> indexedUser(String userId) {
        return Optional.ofNullable(indexedUsers().get(userId));
    }

    /** Asserts that the index holds exactly the table's users, each at its latest version. */
    public void assertIndexMatchesTable() {
        Map<String, User> table = tableUsers();
        Map<String, Map<String, Object>> index = indexedUsers();
        List<String> problems = new ArrayList<>();
        for (User u : table.values()) {
            Map<String, Object> doc = index.get(u.userId());
            if (doc == null) {
                problems.add("missing " + u.userId());
            } else if (((Number) doc.get("version")).longValue() != u.version() || !u.email().equals(doc.get("email"))
                    || !u.plan().equals(doc.get("plan")) || !u.country().equals(doc.get("country"))) {
                problems.add("stale " + u.userId() + " (index v" + doc.get("version") + ", table v" + u.version() + ")");
            }
        }
        for (String id : index.keySet()) {
            if (!table.containsKey(id)) problems.add("not in table: " + id);
        }
        if (!problems.isEmpty()) {
            throw new AssertionError("index differs from the users table (" + table.size() + " users, " + index.size()
                    + " documents): " + problems.size() + " problems, first: " + problems.subList(0, Math.min(10, problems.size())));
        }
    }

    // ---------------------------------------------------------------- derived tables

    /** users_by_email as email → userId. */
    public Map<String, String> usersByEmail() {
        return reader().usersByEmail();
    }

    /** user_stats as statKey → count (zero counts included). */
    public Map<String, Long> stats() {
        return reader().stats();
    }

    public long stat(String key) {
        return stats().getOrDefault(key, 0L);
    }

    /** The plan#/country# counts the table implies (zero counts left out). */
    public Map<String, Long> expectedCounts() {
        return reader().expectedCounts();
    }

    /** Asserts users_by_email and the plan/country counts of user_stats equal what the table implies. */
    public void assertDerivedTablesMatchTable() {
        Map<String, User> table = tableUsers();
        Map<String, String> wantEmails = EffectsReader.expectedEmails(table.values());
        Map<String, String> gotEmails = usersByEmail();
        if (!gotEmails.equals(wantEmails)) {
            List<String> diff = new ArrayList<>();
            wantEmails.forEach((e, id) -> { if (!id.equals(gotEmails.get(e))) diff.add("missing/wrong " + id); });
            gotEmails.forEach((e, id) -> { if (!wantEmails.containsKey(e)) diff.add("extra mapping for " + id); });
            throw new AssertionError("users_by_email differs from the table: " + diff.size() + " differences, first "
                    + diff.subList(0, Math.min(10, diff.size())));
        }
        Map<String, Long> got = reader().currentCounts();
        Map<String, Long> want = EffectsReader.expectedCounts(table.values());
        if (!got.equals(want)) {
            throw new AssertionError("user_stats counts differ from the table: expected " + want + " but was " + got);
        }
    }

    // ---------------------------------------------------------------- helpers

    /** Polls a condition until it holds or the timeout passes (then fails). */
    public static void await(BooleanSupplier condition, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("condition not met within " + timeout);
            }
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError("interrupted");
            }
        }
    }

    static Map<String, Object> copy(Map<String, Object> m) {
        return new LinkedHashMap<>(m == null ? new HashMap<>() : m);
    }
}
