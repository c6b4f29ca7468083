package io.userstreams.faults;

import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * What the suite's writers did, cumulatively since the stack started: the part of the expected state
 * the users table cannot tell by itself (it only holds what is alive now).
 */
final class Ledger {

    /** A record that must end in the dead-letter queue: found by {@code token}, explained by {@code reason}. */
    record BadRecord(String token, String kind, String reasonFragment) {
    }

    private final Set<String> inserted = ConcurrentHashMap.newKeySet();
    private final Map<String, BadRecord> bad = new ConcurrentHashMap<>();
    private final AtomicLong deleted = new AtomicLong();
    private final AtomicLong expiring = new AtomicLong();
    private final AtomicLong written = new AtomicLong();
    private final Map<String, Map<String, software.amazon.awssdk.services.dynamodb.model.AttributeValue>> phantoms =
            new ConcurrentHashMap<>();

    /** A valid user was created: it must get exactly one welcome email. */
    void inserted(String userId) {
        inserted.add(userId);
        written.incrementAndGet();
    }

    void updated() {
        written.incrementAndGet();
    }

    /** A valid user was deleted by a writer: {@code total#deleted} +1. */
    void deleted() {
        deleted.incrementAndGet();
        written.incrementAndGet();
    }

    /** A valid user got an expiresAt in the past: DynamoDB's TTL will delete it, {@code total#expired} +1. */
    void expiring() {
        expiring.incrementAndGet();
        written.incrementAndGet();
    }

    /** A bad record was written to the table or delivered to a runtime. */
    void bad(BadRecord record) {
        bad.put(record.token(), record);
        written.incrementAndGet();
    }

    /**
     * An injected INSERT of an item the table never held, with a bad field: each reaction uses the
     * fields it needs (a bad name does not stop the email mapping), so its usable fields have effects.
     */
    void phantom(String userId, Map<String, software.amazon.awssdk.services.dynamodb.model.AttributeValue> image) {
        phantoms.put(userId, Map.copyOf(image));
    }

    Map<String, Map<String, software.amazon.awssdk.services.dynamodb.model.AttributeValue>> phantoms() {
        return Map.copyOf(phantoms);
    }

    Set<String> inserted() {
        return Set.copyOf(inserted);
    }

    Map<String, BadRecord> badRecords() {
        return Map.copyOf(bad);
    }

    long deletedCount() {
        return deleted.get();
    }

    long expiringCount() {
        return expiring.get();
    }

    /** Every record the suite caused so far (writes to the table and injected records). */
    long written() {
        return written.get();
    }
}
