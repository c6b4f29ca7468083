package io.userstreams.bench;

import io.userstreams.core.change.ChangeKind;
import io.userstreams.core.change.ChangeRecord;
import io.userstreams.core.reaction.UserChange;
import io.userstreams.core.user.User;
import io.userstreams.core.user.UserItems;
import java.math.BigInteger;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.Random;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Collectors;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/**
 * A realistic stream of user changes, generated up front: sign-ups 40 % of writes, plan changes 25 %,
 * email changes 15 %, deletions 12 %, TTL expiries 8 % (a write that sets {@code expiresAt} in the
 * past, then DynamoDB's TTL sweeper's REMOVE: two stream records). Written to a users table as the
 * users API writes (whole items with a version, one write per change), or turned into the
 * {@link UserChange}s the reactions would see, for the direct-to-sinks run.
 */
final class ChangeMix {

    enum Kind { INSERT, PLAN, EMAIL, DELETE, EXPIRY_MARK, EXPIRY }

    /** One stream record's worth of change; {@code after} is null for removals. */
    record Change(Kind kind, User before, User after) {
        String userId() {
            return (after != null ? after : before).userId();
        }
    }

    private static final String[] PLANS = {"free", "pro", "enterprise"};
    private static final String[] COUNTRIES = {"US", "KR", "DE", "FR", "BR", "JP", "IN", "GB"};
    private static final String[] LOCALES = {"en", "ko", "de", "fr", "pt-BR", "ja"};

    final String prefix;
    final List<Change> changes;

    private ChangeMix(String prefix, List<Change> changes) {
        this.prefix = prefix;
        this.changes = changes;
    }

    /** About {@code records} stream records (never fewer), deterministic for a seed. */
    static ChangeMix generate(String prefix, int records, long seed) {
        Random random = new Random(seed);
        List<Change> out = new ArrayList<>(records + 1);
        List<User> live = new ArrayList<>();
        Instant created = Instant.parse("2026-12-01T00:00:00Z");
        int n = 0;
        while (out.size() < records) {
            double r = random.nextDouble();
            if (live.size() < 20 || r < 0.40) {
                n++;
                String id = prefix + n;
                User u = new User(id, id + "@example.com", "User " + n, PLANS[random.nextInt(PLANS.length)],
                        COUNTRIES[random.nextInt(COUNTRIES.length)], LOCALES[random.nextInt(LOCALES.length)],
                        created.plusSeconds(n), 1, OptionalLong.empty());
                live.add(u);
                out.add(new Change(Kind.INSERT, null, u));
            } else {
                int at = random.nextInt(live.size());
                User u = live.get(at);
                if (r < 0.65) {
                    String plan = PLANS[(java.util.Arrays.asList(PLANS).indexOf(u.plan()) + 1) % PLANS.length];
                    User v = u.withPlan(plan).withVersion(u.version() + 1);
                    live.set(at, v);
                    out.add(new Change(Kind.PLAN, u, v));
                } else if (r < 0.80) {
                    User v = u.withEmail(u.userId() + ".v" + (u.version() + 1) + "@example.org").withVersion(u.version() + 1);
                    live.set(at, v);
                    out.add(new Change(Kind.EMAIL, u, v));
                } else if (r < 0.92) {
                    live.remove(at);
                    out.add(new Change(Kind.DELETE, u, null));
                } else {
                    live.remove(at);
                    // An hour in the past: the sweeper deletes it within seconds.
                    User v = u.withExpiresAt(OptionalLong.of(Instant.now().minus(Duration.ofHours(1)).getEpochSecond()))
                            .withVersion(u.version() + 1);
                    out.add(new Change(Kind.EXPIRY_MARK, u, v));
                    out.add(new Change(Kind.EXPIRY, v, null));
                }
            }
        }
        return new ChangeMix(prefix, List.copyOf(out));
    }

    int size() {
        return changes.size();
    }

    Map<Kind, Long> counts() {
        Map<Kind, Long> out = new EnumMap<>(Kind.class);
        changes.forEach(c -> out.merge(c.kind(), 1L, Long::sum));
        return out;
    }

    long inserts() {
        return changes.stream().filter(c -> c.kind() == Kind.INSERT).count();
    }

    /** The userIds whose items the TTL sweeper removes. */
    Set<String> expiring() {
        return changes.stream().filter(c -> c.kind() == Kind.EXPIRY).map(Change::userId).collect(Collectors.toSet());
    }

    /** Writes every change a writer makes (the sweeper makes the expiries); returns the writes' duration. */
    Duration writeTo(DynamoDbClient ddb, String table) {
        long start = System.nanoTime();
        for (Change c : changes) {
            switch (c.kind()) {
                case INSERT, PLAN, EMAIL, EXPIRY_MARK -> ddb.putItem(b -> b.tableName(table).item(UserItems.toItem(c.after())));
                case DELETE -> ddb.deleteItem(b -> b.tableName(table).key(UserItems.key(c.userId())));
                case EXPIRY -> { }
            }
        }
        return Duration.ofNanos(System.nanoTime() - start);
    }

    /** Waits until the TTL sweeper has removed every expiring item (their REMOVEs are in the stream then). */
    void awaitExpiries(DynamoDbClient ddb, String table, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        List<String> left = new ArrayList<>(expiring());
        while (!left.isEmpty()) {
            left.removeIf(id -> ddb.getItem(b -> b.tableName(table).key(UserItems.key(id)).consistentRead(true)).item().isEmpty());
            if (left.isEmpty()) {
                return;
            }
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException(left.size() + " TTL expiries still not swept after " + timeout);
            }
            Thread.sleep(250);
        }
    }

    /** What the reactions would see for each change (for the direct run: no stream involved). */
    List<UserChange> userChanges() {
        List<UserChange> out = new ArrayList<>(changes.size());
        BigInteger seq = new BigInteger("100000000000000000000");
        Instant now = Instant.now();
        for (Change c : changes) {
            seq = seq.add(BigInteger.ONE);
            ChangeKind kind = switch (c.kind()) {
                case INSERT -> ChangeKind.INSERT;
                case PLAN, EMAIL, EXPIRY_MARK -> ChangeKind.MODIFY;
                case DELETE, EXPIRY -> ChangeKind.REMOVE;
            };
            Map<String, AttributeValue> oldImage = c.before() == null ? Map.of() : UserItems.toItem(c.before());
            Map<String, AttributeValue> newImage = c.after() == null ? Map.of() : UserItems.toItem(c.after());
            ChangeRecord record = new ChangeRecord(UUID.randomUUID().toString(), kind, c.kind() == Kind.EXPIRY,
                    UserItems.key(c.userId()), oldImage, newImage, "direct", seq.toString(), now);
            out.add(UserChange.of(record));
        }
        return out;
    }
}
