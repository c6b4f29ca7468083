package io.userstreams.localsns;

import java.time.Instant;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;

/** A topic: its settable attributes and its subscriptions (copy-on-write: publishes far outnumber subscribes). */
final class Topic {

    final String name;
    final String arn;
    /** FIFO topics: name ends with .fifo and FifoTopic=true (fixed at creation). */
    final boolean fifo;
    private final Map<String, String> attributes;
    final List<Subscription> subscriptions = new CopyOnWriteArrayList<>();

    /**
     * An accepted FIFO message, remembered for the deduplication window; {@code delivered} completes
     * when the publish that carries it has delivered it (a duplicate answers only after that).
     */
    record Accepted(String messageId, String sequenceNumber, Instant at, CompletableFuture<Void> delivered) {
    }

    /**
     * Held by SnsService only while it checks deduplication ids and hands out sequence numbers and
     * delivery turns (not while delivering); guards {@link #deduplication} and {@link #groupTails}.
     */
    final Object publishLock = new Object();
    final Map<String, Accepted> deduplication = new HashMap<>();
    /**
     * Per message group, the delivery of the group's latest accepted message: the next message of
     * that group is delivered only after it completes, so a group keeps its order while other groups
     * deliver concurrently. An entry is removed once its delivery is done and nothing followed it.
     */
    final Map<String, CompletableFuture<Void>> groupTails = new HashMap<>();
    private long sequence;

    Topic(String name, String arn, Map<String, String> attributes, boolean fifo) {
        this.name = name;
        this.arn = arn;
        this.fifo = fifo;
        this.attributes = new LinkedHashMap<>(attributes);
    }

    synchronized Map<String, String> attributes() {
        return Collections.unmodifiableMap(new LinkedHashMap<>(attributes));
    }

    synchronized String attribute(String name) {
        return attributes.get(name);
    }

    synchronized void setAttribute(String name, String value) {
        attributes.put(name, value);
    }

    /** The next sequence number: 20 digits, increasing per topic, as SNS FIFO topics answer. */
    synchronized String nextSequenceNumber() {
        sequence++;
        return "1" + String.format("%019d", sequence);
    }
}
