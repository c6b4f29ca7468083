package io.userstreams.lambda;

import io.userstreams.core.change.ChangeRecord;
import io.userstreams.core.processing.BatchOutcome;
import io.userstreams.core.processing.BatchProcessor;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The core's processor with {@link Parking} around it, for the Lambda runtime: a record of a parked
 * item is parked behind it without running; when the core stops at a systemic failure on a record
 * that is due to be parked, that record and every due record after it are parked (the sink is
 * evidently down) and the batch goes on; a record not yet due is handed back as before. Parked
 * records count as done (and as dead-lettered) in the outcome.
 */
final class ParkingBatchProcessor implements BatchProcessor {

    private static final Logger log = LoggerFactory.getLogger(ParkingBatchProcessor.class);
    static final String BEHIND = "parked behind an earlier parked record of this item";

    private final BatchProcessor core;
    private final Parking parking;

    ParkingBatchProcessor(BatchProcessor core, Parking parking) {
        this.core = Objects.requireNonNull(core, "core");
        this.parking = Objects.requireNonNull(parking, "parking");
    }

    @Override
    public BatchOutcome process(List<ChangeRecord> records) {
        return process(records, null);
    }

    @Override
    public BatchOutcome process(List<ChangeRecord> records, Instant deadline) {
        List<String> ids = new ArrayList<>();
        records.forEach(r -> r.userId().ifPresent(ids::add));
        Set<String> parked = new HashSet<>(parking.items().parkedAmong(ids));
        int n = records.size();
        int deadLettered = 0;
        int i = 0;
        while (i < n) {
            if (isParked(records.get(i), parked)) {
                RuntimeException e = park(records.get(i), BEHIND, parked);
                if (e != null) {
                    return stopped(records, i, deadLettered, e);
                }
                deadLettered++;
                i++;
                continue;
            }
            int j = i;
            while (j < n && !isParked(records.get(j), parked)) {
                j++;
            }
            List<ChangeRecord> run = records.subList(i, j);
            BatchOutcome o;
            try {
                o = deadline == null ? core.process(run) : core.process(run, deadline);
            } catch (RuntimeException e) {
                o = new BatchOutcome(0, 0, Optional.of(run.get(0)), Optional.of(e));
            }
            deadLettered += o.deadLettered();
            if (o.isComplete()) {
                i = j;
                continue;
            }
            int k = i + Math.max(0, Math.min(o.completed(), run.size()));
            Throwable failure = o.failure().orElse(null);
            if (k >= n || !parking.due(records.get(k))) {
                return stopped(records, k, deadLettered, failure);
            }
            String reason = reason(failure);
            int m = k;
            while (m < n && (isParked(records.get(m), parked) || parking.due(records.get(m)))) {
                RuntimeException e = park(records.get(m), isParked(records.get(m), parked) ? BEHIND : reason, parked);
                if (e != null) {
                    return stopped(records, m, deadLettered, m == k && failure != null ? failure : e);
                }
                deadLettered++;
                m++;
            }
            if (m < n) {
                return stopped(records, m, deadLettered, failure);
            }
            i = n;
        }
        return BatchOutcome.allDone(n, deadLettered);
    }

    private static BatchOutcome stopped(List<ChangeRecord> records, int at, int deadLettered, Throwable why) {
        if (at >= records.size()) {
            return BatchOutcome.allDone(records.size(), deadLettered);
        }
        return new BatchOutcome(at, deadLettered, Optional.of(records.get(at)), Optional.ofNullable(why));
    }

    private static boolean isParked(ChangeRecord record, Set<String> parked) {
        return !parked.isEmpty() && record.userId().map(parked::contains).orElse(false);
    }

    /** Parks one record; null when done, else why it could not be (the dead-letter queue or the marks are down). */
    private RuntimeException park(ChangeRecord record, String reason, Set<String> parked) {
        try {
            parking.park(record, reason);
        } catch (RuntimeException e) {
            log.atWarn().addKeyValue("eventId", record.eventId()).addKeyValue("shardId", record.shardId())
                    .addKeyValue("sequenceNumber", record.sequenceNumber()).addKeyValue("error", e.toString())
                    .log("parking failed; the record is handed back");
            return e;
        }
        record.userId().ifPresent(parked::add);
        log.atWarn().addKeyValue("eventId", record.eventId()).addKeyValue("shardId", record.shardId())
                .addKeyValue("sequenceNumber", record.sequenceNumber()).addKeyValue("outcome", "parked")
                .addKeyValue("why", reason == BEHIND ? "behind-parked-item" : "outlived-retries")
                .log("record parked in the dead-letter queue");
        return null;
    }

    private String reason(Throwable failure) {
        String why = failure == null ? "unknown" : failure.getClass().getSimpleName() + ": " + truncate(failure.getMessage());
        return "parked: still failing " + parking.after().toMinutes()
                + " min after it was written, before the stream's 24 h retention could trim it (" + why + ")";
    }

    private static String truncate(String s) {
        return s == null || s.length() <= 300 ? s : s.substring(0, 300) + "…";
    }
}
