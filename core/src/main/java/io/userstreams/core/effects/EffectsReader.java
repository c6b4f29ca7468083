package io.userstreams.core.effects;

import io.userstreams.core.config.CoreSettings;
import io.userstreams.core.derived.DerivedEffects;
import io.userstreams.core.user.InvalidUserException;
import io.userstreams.core.user.User;
import io.userstreams.core.user.UserImage;
import io.userstreams.core.user.UserItems;
import io.userstreams.core.user.UserValidator;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import org.opensearch.client.opensearch.OpenSearchClient;
import org.opensearch.client.opensearch._types.FieldValue;
import org.opensearch.client.opensearch._types.SortOrder;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.ScanResponse;

/**
 * Reads the users table and the reactions' stores with consistent reads, and computes what the
 * derived stores must hold from the table (the source of truth). The storage schema's attribute
 * names ({@code email}, {@code userId}, {@code statKey}, {@code count}, the index's
 * {@code deleted} flag) are read here and nowhere else outside the reactions.
 */
public final class EffectsReader {

    /** A live document of the search index: its source and its external version. */
    public record IndexedUser(Map<String, Object> source, Long version) {
    }

    private final DynamoDbClient dynamoDb;
    private final OpenSearchClient openSearch;
    private final String usersTable;
    private final String usersByEmailTable;
    private final String userStatsTable;
    private final String index;

    /** {@code openSearch} may be null when the search reaction is not in use. */
    public EffectsReader(DynamoDbClient dynamoDb, OpenSearchClient openSearch, String usersTable,
                         String usersByEmailTable, String userStatsTable, String index) {
        this.dynamoDb = Objects.requireNonNull(dynamoDb, "dynamoDb");
        this.openSearch = openSearch;
        this.usersTable = usersTable;
        this.usersByEmailTable = usersByEmailTable;
        this.userStatsTable = userStatsTable;
        this.index = index;
    }

    public static EffectsReader of(DynamoDbClient dynamoDb, OpenSearchClient openSearch, CoreSettings settings) {
        return new EffectsReader(dynamoDb, openSearch, settings.usersTable(), settings.usersByEmailTable(),
                settings.userStatsTable(), settings.openSearchIndex());
    }

    // ------------------------------------------------------------- the users table

    /** Every item of a table, consistently read, all pages. */
    public List<Map<String, AttributeValue>> scan(String table) {
        List<Map<String, AttributeValue>> items = new ArrayList<>();
        Map<String, AttributeValue> start = null;
        do {
            Map<String, AttributeValue> from = start;
            ScanResponse r = dynamoDb.scan(b -> b.tableName(table).consistentRead(true).exclusiveStartKey(from));
            items.addAll(r.items());
            start = r.hasLastEvaluatedKey() && !r.lastEvaluatedKey().isEmpty() ? r.lastEvaluatedKey() : null;
        } while (start != null);
        return items;
    }

    /** The users table's valid users by userId (an invalid item is no user: the reactions skip it too). */
    public Map<String, User> tableUsers() {
        Map<String, User> users = new TreeMap<>();
        for (var item : scan(usersTable)) {
            try {
                User u = UserItems.fromItem(item);
                users.put(u.userId(), u);
            } catch (InvalidUserException e) {
                // not a user
            }
        }
        return users;
    }

    /**
     * Every item of the users table parsed field by field (a bad plan does not hide the address):
     * derived tables use each usable field on its own.
     */
    public Map<String, UserImage> tableImages() {
        Map<String, UserImage> images = new TreeMap<>();
        for (var item : scan(usersTable)) {
            var id = item.get("userId");
            if (id != null && id.s() != null) {
                images.put(id.s(), UserValidator.parseFields(item));
            }
        }
        return images;
    }

    // ------------------------------------------------------------- derived tables

    /** users_by_email as email → userId. */
    public Map<String, String> usersByEmail() {
        Map<String, String> m = new TreeMap<>();
        for (var item : scan(usersByEmailTable)) {
            m.put(item.get("email").s(), item.get("userId").s());
        }
        return m;
    }

    /** user_stats as statKey → count, zero counts included. */
    public Map<String, Long> stats() {
        Map<String, Long> m = new TreeMap<>();
        for (var item : scan(userStatsTable)) {
            AttributeValue c = item.get("count");
            m.put(item.get("statKey").s(), c == null ? 0 : Long.parseLong(c.n()));
        }
        return m;
    }

    /** user_stats without counters at 0 (a counter that went back to 0 may stay in the table). */
    public Map<String, Long> nonZeroStats() {
        Map<String, Long> m = new TreeMap<>(stats());
        m.values().removeIf(v -> v == 0);
        return m;
    }

    /** The plan#/country# counters of user_stats that are not 0 (the history totals left out). */
    public Map<String, Long> currentCounts() {
        Map<String, Long> m = new TreeMap<>();
        stats().forEach((k, v) -> {
            if (isCurrentCount(k) && v != 0) {
                m.put(k, v);
            }
        });
        return m;
    }

    /** A plan#/country# counter (the current state), as opposed to a history total. */
    public static boolean isCurrentCount(String statKey) {
        return statKey.startsWith(DerivedEffects.planKey("")) || statKey.startsWith(DerivedEffects.countryKey(""));
    }

    /** The plan#/country# counts these users imply (no zero counts). */
    public static Map<String, Long> expectedCounts(Collection<User> users) {
        Map<String, Long> want = new TreeMap<>();
        for (User u : users) {
            want.merge(DerivedEffects.planKey(u.plan()), 1L, Long::sum);
            want.merge(DerivedEffects.countryKey(u.country()), 1L, Long::sum);
        }
        return want;
    }

    /**
     * The plan#/country# counts these items imply with each usable field on its own (a refused plan
     * does not hide the country): what the derived-tables reaction keeps for items other
     * applications wrote.
     */
    public static Map<String, Long> expectedCountsOfImages(Collection<UserImage> images) {
        Map<String, Long> want = new TreeMap<>();
        for (UserImage image : images) {
            if (image.usable("plan")) {
                want.merge(DerivedEffects.planKey(image.user().plan()), 1L, Long::sum);
            }
            if (image.usable("country")) {
                want.merge(DerivedEffects.countryKey(image.user().country()), 1L, Long::sum);
            }
        }
        return want;
    }

    /** users_by_email as these items imply it (items whose email is usable): email → userId. */
    public static Map<String, String> expectedEmailsOfImages(Map<String, UserImage> imagesByUserId) {
        Map<String, String> want = new TreeMap<>();
        imagesByUserId.forEach((id, image) -> {
            if (image.usable("email")) {
                want.put(image.user().email(), id);
            }
        });
        return want;
    }

    /** The plan#/country# counts the users table implies. */
    public Map<String, Long> expectedCounts() {
        return expectedCounts(tableUsers().values());
    }

    /** users_by_email as these users imply it: email → userId. */
    public static Map<String, String> expectedEmails(Collection<User> users) {
        Map<String, String> want = new TreeMap<>();
        users.forEach(u -> want.put(u.email(), u.userId()));
        return want;
    }

    // ------------------------------------------------------------- search index

    /**
     * The index's live documents by id, delete tombstones left out (refreshes the index first;
     * pages through every document in userId order).
     */
    public Map<String, IndexedUser> indexedUsers() {
        if (openSearch == null) {
            throw new IllegalStateException("no OpenSearch client: the search index cannot be read");
        }
        try {
            openSearch.indices().refresh(r -> r.index(index));
            Map<String, IndexedUser> docs = new TreeMap<>();
            String after = null;
            while (true) {
                String from = after;
                @SuppressWarnings({"unchecked", "rawtypes"})
                var resp = openSearch.search(s -> {
                    s.index(index).size(1000).version(true)
                            .sort(o -> o.field(f -> f.field("userId").order(SortOrder.Asc)));
                    if (from != null) {
                        s.searchAfter(FieldValue.of(from));
                    }
                    return s;
                }, Map.class);
                if (resp.hits().hits().isEmpty()) {
                    return docs;
                }
                for (var h : resp.hits().hits()) {
                    @SuppressWarnings("unchecked")
                    Map<String, Object> src = (Map<String, Object>) h.source();
                    if (src == null || !Boolean.TRUE.equals(src.get("deleted"))) {
                        docs.put(h.id(), new IndexedUser(src, h.version()));
                    }
                    after = h.id();
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
