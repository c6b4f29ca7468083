package io.userstreams.lambda;

import io.userstreams.core.change.ChangeRecord;
import io.userstreams.core.parking.ParkedItems;
import io.userstreams.core.processing.DeadLetter;
import io.userstreams.core.processing.DeadLetterQueue;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Objects;

/**
 * Parks records in the dead-letter queue before the stream can trim them. The event source mapping
 * retries a systemic failure without a bound (MaximumRetryAttempts -1), but DynamoDB Streams keeps
 * records only 24 h: a record that is still failing {@link #after()} after it was written goes to
 * the dead-letter queue whole (reason, reactions), and its item is marked parked, so the item's
 * later records park behind it until {@code user-streams dlq redrive} replays them in order.
 */
public final class Parking {

    /** Seconds after a record's creation from which a record still failing is parked (default 20 h). */
    public static final String PARK_AFTER_SECONDS = "PARK_RECORDS_AFTER_SECONDS";
    public static final Duration DEFAULT_AFTER = Duration.ofHours(20);
    /** The dead letter's errorType for a parked record. */
    public static final String PARKED = "Parked";

    /** Never parks (tests and tools that do not need it). */
    public static final Parking DISABLED = new Parking(null, ParkedItems.NONE, letter -> {
        throw new UnsupportedOperationException("parking is disabled");
    }, "", Clock.systemUTC());

    private final Duration after;
    private final ParkedItems items;
    private final DeadLetterQueue deadLetters;
    private final String reactions;
    private final Clock clock;

    /**
     * @param after     how old a failing record may get before it is parked; null = never park
     * @param reactions the function's reactions ({@code REACTIONS}), named in the letter for the redrive
     */
    public Parking(Duration after, ParkedItems items, DeadLetterQueue deadLetters, String reactions, Clock clock) {
        this.after = after;
        this.items = Objects.requireNonNull(items, "items");
        this.deadLetters = Objects.requireNonNull(deadLetters, "deadLetters");
        this.reactions = Objects.requireNonNull(reactions, "reactions");
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    /** {@value #PARK_AFTER_SECONDS} from the environment, else {@link #DEFAULT_AFTER}; 0 or less turns parking off. */
    public static Duration afterFromEnvironment(Map<String, String> env) {
        String s = env.get(PARK_AFTER_SECONDS);
        if (s == null || s.isBlank()) {
            return DEFAULT_AFTER;
        }
        long seconds;
        try {
            seconds = Long.parseLong(s.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(PARK_AFTER_SECONDS + " must be a whole number of seconds, was '" + s + "'");
        }
        if (seconds >= Duration.ofHours(24).toSeconds()) {
            throw new IllegalArgumentException(PARK_AFTER_SECONDS + " must be below the stream's 24 h retention");
        }
        return seconds <= 0 ? null : Duration.ofSeconds(seconds);
    }

    public boolean enabled() {
        return after != null;
    }

    public Duration after() {
        return after;
    }

    public ParkedItems items() {
        return items;
    }

    /** True when the record is old enough to be parked instead of handed back once more. */
    boolean due(ChangeRecord record) {
        return after != null && !record.approximateCreationTime().plus(after).isAfter(clock.instant());
    }

    /** Sends the whole record to the dead-letter queue, then marks its item; throws when either is unreachable. */
    void park(ChangeRecord record, String reason) {
        Instant now = clock.instant();
        deadLetters.send(new DeadLetter(record, reactions, reason, PARKED, 0, now, now));
        record.userId().ifPresent(id -> items.markParked(id, record.eventId()));
    }
}
