package io.userstreams.core.processing;

import io.userstreams.core.failure.SystemicFailureException;
import io.userstreams.core.welcome.IdempotencyStore;
import io.userstreams.core.welcome.IdempotencyStore.ClaimStatus;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sends each dead letter once per (eventID, reaction), however often the stream redelivers the
 * record and whichever runtime sees it: before sending, the key {@code deadletter#<eventID>#<reaction>}
 * is claimed in the idempotency table (IN_PROGRESS with a short lease), and marked COMPLETED after
 * the send, kept for {@code retention} (beyond the stream's 24 h and the dead-letter queue's 14 days).
 *
 * <ul>
 *   <li>COMPLETED: sent already, nothing to do (the record counts as dead-lettered).</li>
 *   <li>Held by another worker's live claim: systemic (that worker is sending; retry later).</li>
 *   <li>A failed send releases the claim and throws (systemic: the record is handed back).</li>
 *   <li>A crash between the send and COMPLETED leaves a claim whose lease runs out: the
 *       redelivery sends again. That window is the only way a dead letter is sent twice.</li>
 * </ul>
 * A record without an eventID cannot be told apart from another: it is sent every time.
 * Redriving a dead letter by hand must first delete its claim ({@link #claimKey}), or a record that
 * fails again would count as already dead-lettered.
 */
public final class OncePerEventDeadLetters implements DeadLetterQueue, UnconvertibleRecordQueue {

    private static final Logger log = LoggerFactory.getLogger(OncePerEventDeadLetters.class);

    /** How long a claim blocks other workers: longer than one SQS send. */
    public static final Duration DEFAULT_LEASE = Duration.ofSeconds(30);
    /** How long a sent dead letter is remembered. */
    public static final Duration DEFAULT_RETENTION = Duration.ofDays(15);

    private final DeadLetterQueue letters;
    private final UnconvertibleRecordQueue unconvertible;
    private final IdempotencyStore claims;
    private final Clock clock;
    private final Duration lease;
    private final Duration retention;
    private final String owner = "dead-letters-" + UUID.randomUUID();

    public OncePerEventDeadLetters(DeadLetterQueue letters, UnconvertibleRecordQueue unconvertible,
                                   IdempotencyStore claims, Clock clock) {
        this(letters, unconvertible, claims, clock, DEFAULT_LEASE, DEFAULT_RETENTION);
    }

    public OncePerEventDeadLetters(DeadLetterQueue letters, UnconvertibleRecordQueue unconvertible,
                                   IdempotencyStore claims, Clock clock, Duration lease, Duration retention) {
        this.letters = Objects.requireNonNull(letters, "letters");
        this.unconvertible = Objects.requireNonNull(unconvertible, "unconvertible");
        this.claims = Objects.requireNonNull(claims, "claims");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.lease = Objects.requireNonNull(lease, "lease");
        this.retention = Objects.requireNonNull(retention, "retention");
    }

    /** The idempotency-table key of the dead letter of {@code eventId} from {@code reaction}. */
    public static String claimKey(String eventId, String reaction) {
        return "deadletter#" + eventId + "#" + reaction;
    }

    @Override
    public void send(DeadLetter letter) {
        once(letter.record().eventId(), letter.reaction(), () -> letters.send(letter));
    }

    @Override
    public void send(UnconvertibleRecord record) {
        if (record.eventId() == null || record.eventId().isBlank()) {
            unconvertible.send(record);
            return;
        }
        once(record.eventId(), SqsUnconvertibleRecords.REACTION, () -> unconvertible.send(record));
    }

    private void once(String eventId, String reaction, Runnable send) {
        String key = claimKey(eventId, reaction);
        Instant now = clock.instant();
        ClaimStatus status = claims.claim(key, owner, now, now.plus(lease), now.plus(retention));
        if (status == ClaimStatus.COMPLETED) {
            log.atDebug().addKeyValue("eventId", eventId).addKeyValue("reaction", reaction)
                    .log("dead letter sent before: not sent again");
            return;
        }
        if (status == ClaimStatus.IN_PROGRESS) {
            throw new SystemicFailureException("DeadLetterInProgress", "the dead letter of " + eventId + " ("
                    + reaction + ") is being sent by another worker; retry later", null);
        }
        try {
            send.run();
        } catch (RuntimeException e) {
            try {
                claims.release(key, owner);
            } catch (RuntimeException suppressed) {
                e.addSuppressed(suppressed);
            }
            throw e;
        }
        try {
            claims.complete(key, clock.instant(), clock.instant().plus(retention));
        } catch (RuntimeException e) {
            // Sent: the record is dead-lettered. Only a redelivery after the lease would send it again.
            log.atWarn().addKeyValue("eventId", eventId).addKeyValue("reaction", reaction)
                    .addKeyValue("error", e.toString()).log("dead letter sent but not marked; a late redelivery may resend it");
        }
    }
}
