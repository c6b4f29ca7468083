package io.userstreams.core.sink;

import io.userstreams.core.derived.DerivedTablesStore;
import io.userstreams.core.derived.DerivedUpdate;
import io.userstreams.core.processing.DeadLetter;
import io.userstreams.core.processing.DeadLetterQueue;
import io.userstreams.core.search.BulkItemResult;
import io.userstreams.core.search.IndexOperation;
import io.userstreams.core.search.SearchSink;
import io.userstreams.core.welcome.IdempotencyStore;
import io.userstreams.core.welcome.WelcomeMessage;
import io.userstreams.core.welcome.WelcomePublisher;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

/**
 * In-memory sinks with the real ones' semantics (conditional claims with leases, transactional
 * derived updates, external versions with tombstones), each with {@link Faults} to inject
 * failures. Thread-safe by synchronization; meant for tests, not speed.
 */
public final class InMemorySinks {

    public final Idempotency idempotency = new Idempotency();
    public final Publisher welcome = new Publisher();
    public final Derived derived = new Derived();
    public final SearchIndex search = new SearchIndex();
    public final DeadLetters deadLetters = new DeadLetters();

    public Sinks sinks() {
        return new Sinks(idempotency, welcome, derived, search, deadLetters);
    }

    /** Claims as the DynamoDB store keeps them. */
    public static final class Idempotency implements IdempotencyStore {
        public record Entry(String status, String owner, Instant leaseUntil, Instant expiresAt) {
        }

        public final Faults claimFaults = new Faults();
        public final Faults completeFaults = new Faults();
        private final Map<String, Entry> entries = new HashMap<>();

        @Override
        public synchronized ClaimStatus claim(String key, String owner, Instant now, Instant leaseUntil, Instant expiresAt) {
            claimFaults.check();
            Entry e = entries.get(key);
            if (e != null && "COMPLETED".equals(e.status())) {
                return ClaimStatus.COMPLETED;
            }
            if (e != null && !e.leaseUntil().isBefore(now) && !e.owner().equals(owner)) {
                return ClaimStatus.IN_PROGRESS;
            }
            entries.put(key, new Entry("IN_PROGRESS", owner, leaseUntil, expiresAt));
            return ClaimStatus.CLAIMED;
        }

        @Override
        public synchronized void complete(String key, Instant now, Instant expiresAt) {
            completeFaults.check();
            entries.put(key, new Entry("COMPLETED", "", Instant.EPOCH, expiresAt));
        }

        @Override
        public synchronized void release(String key, String owner) {
            Entry e = entries.get(key);
            if (e != null && "IN_PROGRESS".equals(e.status()) && e.owner().equals(owner)) {
                entries.put(key, new Entry("IN_PROGRESS", owner, Instant.EPOCH, e.expiresAt()));
            }
        }

        public synchronized Map<String, Entry> entries() {
            return Map.copyOf(entries);
        }

        /** Puts a claim as if another worker had made it (crash tests). */
        public synchronized void put(String key, Entry entry) {
            entries.put(key, entry);
        }
    }

    /** Keeps what was published; {@link #perMessage} can refuse single messages. */
    public static final class Publisher implements WelcomePublisher {
        public final Faults faults = new Faults();
        /** Per-message verdict: null = published, else the failure for that entry. */
        public volatile Function<WelcomeMessage, Throwable> perMessage = m -> null;
        private final List<WelcomeMessage> published = new ArrayList<>();
        private int calls;

        @Override
        public synchronized List<Throwable> publish(List<WelcomeMessage> messages) {
            calls++;
            faults.check();
            List<Throwable> results = new ArrayList<>(messages.size());
            for (WelcomeMessage m : messages) {
                Throwable t = perMessage.apply(m);
                if (t == null) {
                    published.add(m);
                }
                results.add(t);
            }
            return results;
        }

        public synchronized List<WelcomeMessage> published() {
            return List.copyOf(published);
        }

        public synchronized int calls() {
            return calls;
        }
    }

    /** users_by_email, user_stats and the claims, updated atomically like the transaction. */
    public static final class Derived implements DerivedTablesStore {
        public final Faults faults = new Faults();
        /** The users table contested emails are settled from (tests set it; default: no users). */
        public volatile io.userstreams.core.derived.UserEmails usersTable = ids -> Map.of();
        private final Set<String> claims = new HashSet<>();
        private final Map<String, String> byEmail = new HashMap<>();
        private final Map<String, Long> stats = new HashMap<>();
        private int groups;

        @Override
        public synchronized Outcome apply(DerivedUpdate u) {
            faults.check();
            if (claims.contains(u.claimKey())) {
                return Outcome.ALREADY_APPLIED;
            }
            claims.add(u.claimKey());
            for (String email : u.mappingPuts()) {
                String holder = byEmail.get(email);
                if (holder == null || holder.equals(u.userId())) {
                    byEmail.put(email, u.userId());
                    continue;
                }
                // Contested, like the DynamoDB store: the users table says who has the address now.
                var settlement = io.userstreams.core.derived.EmailSettlement.decide(email, u.userId(), holder, usersTable);
                if (settlement != null && settlement.owner() != null) {
                    byEmail.put(email, settlement.owner());
                } else if (settlement != null) {
                    byEmail.remove(email);
                }
            }
            for (String email : u.mappingDeletes()) {
                if (u.userId().equals(byEmail.get(email))) {
                    byEmail.remove(email);
                }
            }
            u.counterDeltas().forEach((k, d) -> stats.merge(k, d, Long::sum));
            return Outcome.APPLIED;
        }

        /** All or nothing, like the one transaction the DynamoDB store sends. */
        @Override
        public synchronized boolean applyAll(List<DerivedUpdate> updates) {
            faults.check();
            for (DerivedUpdate u : updates) {
                if (claims.contains(u.claimKey())) {
                    return false;
                }
                for (String email : u.mappingDeletes()) {
                    String owner = byEmail.get(email);
                    if (owner != null && !owner.equals(u.userId())) {
                        return false;
                    }
                }
                for (String email : u.mappingPuts()) {
                    String owner = byEmail.get(email);
                    if (owner != null && !owner.equals(u.userId())) {
                        return false;
                    }
                }
            }
            groups++;
            for (DerivedUpdate u : updates) {
                apply(u);
            }
            return true;
        }

        /** How many multi-record groups were applied as one transaction. */
        public synchronized int groups() {
            return groups;
        }

        public synchronized Map<String, String> usersByEmail() {
            return Map.copyOf(byEmail);
        }

        public synchronized Map<String, Long> stats() {
            return Map.copyOf(stats);
        }

        public synchronized long stat(String key) {
            return stats.getOrDefault(key, 0L);
        }

        public synchronized Set<String> claims() {
            return Set.copyOf(claims);
        }

        /** Simulates another writer pointing an email at a user. */
        public synchronized void putMapping(String email, String userId) {
            byEmail.put(email, userId);
        }
    }

    /** Documents with external versions and delete tombstones (kept forever here). */
    public static final class SearchIndex implements SearchSink {
        /** A document; a delete keeps a tombstone ({@code deleted: true}), as the OpenSearch sink does. */
        public record Doc(long version, Map<String, Object> source) {
            public boolean deleted() {
                return source == null || Boolean.TRUE.equals(source.get("deleted"));
            }
        }

        public final Faults faults = new Faults();
        /** Per-operation verdict: null = apply normally, else this result is returned instead. */
        public volatile Function<IndexOperation, BulkItemResult> perOperation = op -> null;
        private final Map<String, Doc> docs = new HashMap<>();
        private int bulks;

        @Override
        public synchronized List<BulkItemResult> bulk(List<IndexOperation> operations) {
            bulks++;
            faults.check();
            List<BulkItemResult> results = new ArrayList<>(operations.size());
            for (IndexOperation op : operations) {
                BulkItemResult forced = perOperation.apply(op);
                if (forced != null) {
                    results.add(forced);
                    continue;
                }
                Doc current = docs.get(op.id());
                boolean newer = current == null || op.version() > current.version()
                        || (op.allowEqual() && op.version() == current.version());
                if (!newer) {
                    results.add(new BulkItemResult(409, "version_conflict_engine_exception", "stale version"));
                    continue;
                }
                if (op.kind() == IndexOperation.Kind.INDEX) {
                    docs.put(op.id(), new Doc(op.version(), Map.copyOf(op.document())));
                    results.add(new BulkItemResult(current == null ? 201 : 200, null, null));
                } else {
                    docs.put(op.id(), new Doc(op.version(), op.document() == null
                            ? Map.of("userId", op.id(), "deleted", true) : Map.copyOf(op.document())));
                    results.add(new BulkItemResult(current == null ? 201 : 200, null, null));
                }
            }
            return results;
        }

        @Override
        public void ensureIndex() {
        }

        @Override
        public synchronized io.userstreams.core.search.IndexedDocument get(String id) {
            Doc d = docs.get(id);
            if (d == null) {
                return null;
            }
            return new io.userstreams.core.search.IndexedDocument(d.version(), d.deleted(),
                    instant(d.source().get("createdAt")), instant(d.source().get("changedAt")));
        }

        private static Instant instant(Object value) {
            return value instanceof String text ? Instant.parse(text) : null;
        }

        /** Live (not deleted) documents by id. */
        public synchronized Map<String, Map<String, Object>> documents() {
            Map<String, Map<String, Object>> live = new HashMap<>();
            docs.forEach((id, d) -> {
                if (!d.deleted()) {
                    live.put(id, d.source());
                }
            });
            return live;
        }

        public synchronized Doc doc(String id) {
            return docs.get(id);
        }

        public synchronized int bulks() {
            return bulks;
        }
    }

    public static final class DeadLetters implements DeadLetterQueue {
        public final Faults faults = new Faults();
        private final List<DeadLetter> letters = Collections.synchronizedList(new ArrayList<>());

        @Override
        public void send(DeadLetter letter) {
            faults.check();
            letters.add(letter);
        }

        public List<DeadLetter> letters() {
            synchronized (letters) {
                return List.copyOf(letters);
            }
        }
    }
}
