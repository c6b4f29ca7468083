package io.userstreams.faults;

import io.userstreams.core.user.User;
import io.userstreams.core.user.UserStore;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Good traffic on the users table, written the way the users API writes it (versioned conditional
 * writes): creates, updates, email changes, deletes and TTL expiries, paced, on its own thread.
 * Every write is recorded in the {@link Ledger}.
 */
final class Workload {

    private static final String[] PLANS = {"free", "pro", "enterprise"};
    private static final String[] COUNTRIES = {"US", "KR", "DE", "FR", "BR", "JP", "IN", "GB"};
    private static final String[] LOCALES = {"en", "ko", "de", "fr", "pt-BR", "ja"};

    private final UserStore store;
    private final Ledger ledger;
    private final String prefix;
    private final Random random;
    private final List<String> live = new ArrayList<>();
    private final AtomicInteger created = new AtomicInteger();
    /** TTL expiries in the traffic (on by default; -Dfaults.ttl=false leaves them out). */
    private final boolean expiries = Boolean.parseBoolean(System.getProperty("faults.ttl", "true"));

    /** @param prefix makes user ids unique per scenario run ({@code <prefix>-<n>}) */
    Workload(UserStore store, Ledger ledger, String prefix, long seed) {
        this.store = store;
        this.ledger = ledger;
        this.prefix = prefix;
        this.random = new Random(seed);
    }

    /** Writes {@code operations} changes at about {@code perSecond}, in the background. */
    CompletableFuture<Integer> start(int operations, int perSecond) {
        return CompletableFuture.supplyAsync(() -> run(operations, perSecond), runnable -> {
            Thread t = new Thread(runnable, "workload-" + prefix);
            t.setDaemon(true);
            t.start();
        });
    }

    /** Writes {@code operations} changes at about {@code perSecond}; returns how many were written. */
    synchronized int run(int operations, int perSecond) {
        long start = System.nanoTime();
        for (int i = 0; i < operations; i++) {
            long due = start + (long) (i * 1e9 / perSecond);
            long wait = due - System.nanoTime();
            if (wait > 0) {
                sleep(wait / 1_000_000);
            }
            once();
        }
        return operations;
    }

    private void once() {
        double r = random.nextDouble();
        if (live.size() < 20 || r < 0.45) {
            create();
        } else if (r < 0.70) {
            String id = pick();
            store.update(id, OptionalLong.empty(), u -> new User(u.userId(), u.email(), "Renamed " + random.nextInt(1000),
                    PLANS[random.nextInt(PLANS.length)], COUNTRIES[random.nextInt(COUNTRIES.length)], u.locale(),
                    u.createdAt(), u.version(), u.expiresAt()));
            ledger.updated();
        } else if (r < 0.82) {
            String id = pick();
            store.update(id, OptionalLong.empty(), u -> u.withEmail(id + ".v" + (u.version() + 1) + "@example.org"));
            ledger.updated();
        } else if (r < 0.94 || !expiries) {
            String id = pick();
            live.remove(id);
            store.delete(id, OptionalLong.empty());
            ledger.deleted();
        } else {
            String id = pick();
            live.remove(id);
            // In the past: DynamoDB's TTL sweeper deletes it soon (the local DynamoDB's sweeper within seconds).
            store.expire(id, Instant.now().getEpochSecond() - 60);
            ledger.expiring();
        }
    }

    private void create() {
        int n = created.incrementAndGet();
        String id = prefix + "-" + n;
        store.create(new User(id, id + "@example.com", "User " + n, PLANS[random.nextInt(PLANS.length)],
                COUNTRIES[random.nextInt(COUNTRIES.length)], LOCALES[random.nextInt(LOCALES.length)], Instant.now(), 1,
                OptionalLong.empty()));
        live.add(id);
        ledger.inserted(id);
    }

    private String pick() {
        return live.get(random.nextInt(live.size()));
    }

    /** Deletes one of this workload's live users, as a writer does. */
    synchronized void delete(String id) {
        if (!live.remove(id)) {
            throw new IllegalArgumentException("not a live user of this workload: " + id);
        }
        store.delete(id, OptionalLong.empty());
        ledger.deleted();
    }

    /** Users this workload created that are still alive (not deleted, not expiring). */
    synchronized List<String> live() {
        return List.copyOf(live);
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("workload interrupted", e);
        }
    }
}
