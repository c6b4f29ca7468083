package io.userstreams.core.property;

import io.userstreams.core.change.ChangeKind;
import io.userstreams.core.change.ChangeRecord;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/**
 * Random histories of a few users sharing a few addresses, written the way writers do (version
 * +1 per write, a new createdAt per creation, addresses unique at any time), with the stream
 * records each write produces, split into shards by user. Also keeps the table they leave.
 */
public final class UserHistories {

    static final String[] PLANS = {"free", "pro", "enterprise"};
    static final String[] COUNTRIES = {"KR", "US", "JP"};
    /** Values other applications write and the validator refuses. */
    public static final String BAD_PLAN = "gold";
    public static final String BAD_COUNTRY = "XK";

    final Random random;
    public final int users;
    public final int emails;
    public final int shards;
    /** The users table: userId → current item. */
    public final Map<String, Map<String, AttributeValue>> table = new LinkedHashMap<>();
    /** Records per shard, in stream order. */
    public final List<List<ChangeRecord>> byShard = new ArrayList<>();
    public final List<ChangeRecord> all = new ArrayList<>();
    /** welcome idempotency keys of every creation. */
    public final List<String> creations = new ArrayList<>();
    public long deletes;
    public long expiries;
    private final Map<String, Long> versions = new HashMap<>();
    private Instant clock = Instant.parse("2026-11-25T10:00:00Z");
    private long sequence = 100_000_000_000_000_000L;
    private int events;

    /** Prefix of user ids and addresses, so histories on shared servers do not meet. */
    final String prefix;

    public UserHistories(long seed, int users, int emails, int shards, int writes) {
        this(seed, "", users, emails, shards, writes);
    }

    public UserHistories(long seed, String prefix, int users, int emails, int shards, int writes) {
        this.prefix = prefix;
        this.random = new Random(seed);
        this.users = users;
        this.emails = emails;
        this.shards = shards;
        for (int s = 0; s < shards; s++) {
            byShard.add(new ArrayList<>());
        }
        for (int i = 0; i < writes; i++) {
            write();
        }
    }

    public String userId(int i) {
        return prefix + "u" + i;
    }

    public String email(int i) {
        return prefix + "e" + i + "@example.com";
    }

    private void write() {
        clock = clock.plusMillis(1 + random.nextInt(2000));
        String id = userId(random.nextInt(users));
        Map<String, AttributeValue> current = table.get(id);
        if (current == null) {
            String email = freeEmail();
            if (email == null) {
                return;
            }
            Map<String, AttributeValue> item = new HashMap<>();
            item.put("userId", AttributeValue.fromS(id));
            item.put("email", AttributeValue.fromS(email));
            item.put("name", AttributeValue.fromS("Name " + id));
            item.put("plan", AttributeValue.fromS(plan()));
            item.put("country", AttributeValue.fromS(country()));
            item.put("locale", AttributeValue.fromS("ko"));
            item.put("createdAt", AttributeValue.fromS(clock.toString()));
            item.put("version", AttributeValue.fromN("1"));
            versions.put(id, 1L);
            table.put(id, item);
            creations.add("welcome#" + id + "#" + clock);
            emit(ChangeKind.INSERT, false, id, Map.of(), item);
            return;
        }
        int op = random.nextInt(10);
        if (op <= 1) {
            String email = freeEmail();
            if (email != null) {
                modify(id, current, "email", AttributeValue.fromS(email));
            }
        } else if (op <= 3) {
            modify(id, current, "plan", AttributeValue.fromS(plan()));
        } else if (op <= 5) {
            modify(id, current, "country", AttributeValue.fromS(country()));
        } else if (op == 6) {
            modify(id, current, "name", AttributeValue.fromS("Renamed " + random.nextInt(100)));
        } else if (op == 7) {
            table.remove(id);
            deletes++;
            emit(ChangeKind.REMOVE, false, id, current, Map.of());
        } else {
            // A TTL expiry: the item got an expiresAt (a write), then the TTL service removed it.
            Map<String, AttributeValue> expiring = modify(id, current, "expiresAt",
                    AttributeValue.fromN(Long.toString(clock.getEpochSecond())));
            clock = clock.plusMillis(1 + random.nextInt(2000));
            table.remove(id);
            expiries++;
            emit(ChangeKind.REMOVE, true, id, expiring, Map.of());
        }
    }

    private Map<String, AttributeValue> modify(String id, Map<String, AttributeValue> current, String field,
                                               AttributeValue value) {
        Map<String, AttributeValue> next = new HashMap<>(current);
        next.put(field, value);
        long version = versions.merge(id, 1L, Long::sum);
        next.put("version", AttributeValue.fromN(Long.toString(version)));
        table.put(id, next);
        emit(ChangeKind.MODIFY, false, id, current, next);
        return next;
    }

    private String plan() {
        return random.nextInt(10) == 0 ? BAD_PLAN : PLANS[random.nextInt(PLANS.length)];
    }

    private String country() {
        return random.nextInt(10) == 0 ? BAD_COUNTRY : COUNTRIES[random.nextInt(COUNTRIES.length)];
    }

    /** An address no current item has (writers keep them unique), or null. */
    private String freeEmail() {
        List<String> free = new ArrayList<>();
        for (int i = 0; i < emails; i++) {
            String e = email(i);
            if (table.values().stream().noneMatch(item -> e.equals(item.get("email").s()))) {
                free.add(e);
            }
        }
        return free.isEmpty() ? null : free.get(random.nextInt(free.size()));
    }

    private void emit(ChangeKind kind, boolean ttl, String id, Map<String, AttributeValue> oldImage,
                      Map<String, AttributeValue> newImage) {
        int shard = Math.floorMod(id.hashCode(), shards);
        ChangeRecord r = new ChangeRecord(prefix + "ev-" + (++events), kind, ttl, Map.of("userId", AttributeValue.fromS(id)),
                oldImage, newImage, "shard-" + shard, String.format("%021d", ++sequence), clock);
        byShard.get(shard).add(r);
        all.add(r);
    }

    /** Whether an image holds a value the validator refuses (it is then neither indexed nor counted). */
    public static boolean poisoned(Map<String, AttributeValue> item) {
        return BAD_PLAN.equals(item.get("plan").s()) || BAD_COUNTRY.equals(item.get("country").s());
    }
}
