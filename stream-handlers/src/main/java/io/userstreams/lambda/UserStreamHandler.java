package io.userstreams.lambda;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestHandler;
import com.amazonaws.services.lambda.runtime.events.DynamodbEvent;
import com.amazonaws.services.lambda.runtime.events.DynamodbEvent.DynamodbStreamRecord;
import com.amazonaws.services.lambda.runtime.events.StreamsEventResponse;
import com.amazonaws.services.lambda.runtime.events.StreamsEventResponse.BatchItemFailure;
import io.userstreams.core.change.ChangeRecord;
import io.userstreams.core.processing.BatchOutcome;
import io.userstreams.lambda.LambdaRecordConverter.Converted;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Set;
import java.util.Date;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.spi.LoggingEventBuilder;

/**
 * The DynamoDB stream trigger. Converts the event's records, runs the core's ordered processor and
 * reports the FIRST unfinished record as the only batch item failure: Lambda then checkpoints every
 * record before it (they are done: applied, duplicates, or dead-lettered) and redelivers from it, so
 * records of the shard are never applied out of order. Needs {@code FunctionResponseTypes:
 * [ReportBatchItemFailures]} on the event source mapping.
 *
 * <p>A record that cannot be converted at all is dead-lettered in its place and the batch moves on.
 * The handler never throws for a record's or a sink's failure.
 */
public final class UserStreamHandler implements RequestHandler<DynamodbEvent, StreamsEventResponse> {

    private static final Logger log = LoggerFactory.getLogger(UserStreamHandler.class);

    /**
     * Built when Lambda loads the handler (init phase), once per container: SDK clients, HTTP client
     * and configuration are then part of a SnapStart snapshot and never rebuilt per invocation. The
     * holder class keeps tests that pass their own runtime from touching the environment.
     */
    private static final class Container {
        static final StreamHandlerRuntime RUNTIME = StreamHandlerRuntime.fromEnvironment(System.getenv());
    }

    /** Time kept back from the invocation's end: at least 2 s, a fifth of the time left, at most 10 s. */
    static final java.time.Duration MIN_DEADLINE_MARGIN = java.time.Duration.ofSeconds(2);
    static final java.time.Duration MAX_DEADLINE_MARGIN = java.time.Duration.ofSeconds(10);

    private final StreamHandlerRuntime runtime;

    /** Used by Lambda. */
    public UserStreamHandler() {
        this(Container.RUNTIME);
    }

    public UserStreamHandler(StreamHandlerRuntime runtime) {
        this.runtime = runtime;
    }

    @Override
    public StreamsEventResponse handleRequest(DynamodbEvent event, Context context) {
        long started = System.nanoTime();
        List<DynamodbStreamRecord> records = event == null || event.getRecords() == null
                ? List.of() : event.getRecords();
        Instant deadline = deadline(context);
        BatchResult result;
        List<Converted> converted = null;
        try {
            converted = convert(records);
            result = process(converted, deadline);
        } catch (RuntimeException e) {
            // A bug, not a record's fault: hand the whole batch back (every reaction is idempotent),
            // after parking whatever is about to outlive the stream.
            result = handBackAfterParking(records, converted, e);
        }
        StreamsEventResponse response = new StreamsEventResponse(result.failedSequenceNumber == null
                ? new ArrayList<>()
                : new ArrayList<>(List.of(new BatchItemFailure(result.failedSequenceNumber))));
        long tookMs = (System.nanoTime() - started) / 1_000_000;
        long iteratorAgeMs = iteratorAge(records);
        logBatch(records, result, tookMs, iteratorAgeMs, context);
        runtime.metrics().flushBatch(records.size(), result.failedSequenceNumber == null ? 0 : 1,
                result.deadLettered, iteratorAgeMs);
        return response;
    }

    /**
     * When the core must hand the rest back: the invocation's end minus a margin for the calls in
     * flight and the response, so the handler reports the first unfinished record itself instead of
     * being killed with the whole batch failed. Null without a context (local replays).
     */
    private Instant deadline(Context context) {
        if (context == null) {
            return null;
        }
        long remaining = context.getRemainingTimeInMillis();
        long margin = Math.min(MAX_DEADLINE_MARGIN.toMillis(), Math.max(MIN_DEADLINE_MARGIN.toMillis(), remaining / 5));
        return runtime.clock().instant().plusMillis(Math.max(0, remaining - margin));
    }

    /** Converts and drops repeated eventIDs (their first copy does the work, in order). */
    private List<Converted> convert(List<DynamodbStreamRecord> records) {
        List<Converted> all = runtime.converter().convert(records);
        // A record whose eventID already came earlier in this batch is the same change delivered twice
        // (a merged redelivery or replay): its first copy does the work, in order. Lambda itself never
        // puts a record twice in one batch, so this only guards exactly-once against odd inputs.
        List<Converted> converted = new ArrayList<>(all.size());
        java.util.Set<String> seen = new java.util.HashSet<>();
        for (Converted c : all) {
            if (c.ok() && !seen.add(c.change().eventId())) {
                continue;
            }
            converted.add(c);
        }
        return converted;
    }

    /**
     * Runs the batch: runs of convertible records go to the processor, each malformed one to the dead
     * letters; a record of a parked item parks behind it; a record that still fails when it is due to
     * be parked is parked with every due record after it (the sink is evidently down), and the batch
     * is handed back at the first record not yet due.
     */
    private BatchResult process(List<Converted> converted, Instant deadline) {
        Parking parking = runtime.parking();
        Set<String> parked = new HashSet<>();
        if (parking.enabled()) {
            List<String> ids = new ArrayList<>();
            for (Converted c : converted) {
                if (c.ok()) {
                    c.change().userId().ifPresent(ids::add);
                }
            }
            parked.addAll(parking.items().parkedAmong(ids));
        }
        Counts counts = new Counts();
        int i = 0;
        int n = converted.size();
        while (i < n) {
            int j = i;
            List<ChangeRecord> run = new ArrayList<>();
            while (j < n && converted.get(j).ok() && !isParked(converted.get(j).change(), parked)) {
                run.add(converted.get(j).change());
                j++;
            }
            if (!run.isEmpty()) {
                BatchOutcome outcome = runtime.processor().process(run, deadline);
                counts.completed += outcome.completed();
                counts.deadLettered += outcome.deadLettered();
                if (!outcome.isComplete()) {
                    ChangeRecord first = outcome.firstUnfinished().orElseThrow();
                    Throwable failure = outcome.failure().orElse(null);
                    if (!parking.due(first)) {
                        return counts.stop(first.sequenceNumber(), first.eventId(), failure);
                    }
                    int at = i + outcome.completed();
                    int next = parkDue(converted, at, parked, counts, reason(failure));
                    if (next < 0) {
                        return counts.stop(first.sequenceNumber(), first.eventId(), failure);
                    }
                    if (next < n) {
                        Converted c = converted.get(next);
                        String seq = c.ok() ? c.change().sequenceNumber() : c.malformed().sequenceNumber();
                        return counts.stop(seq, c.ok() ? c.change().eventId() : c.malformed().eventId(), failure);
                    }
                    return counts.done();
                }
            }
            if (j < n) {
                Converted c = converted.get(j);
                if (c.ok()) {
                    // A later record of a parked item: parked behind it, whatever its age.
                    ChangeRecord record = c.change();
                    try {
                        parking.park(record, "parked behind an earlier parked record of this item");
                    } catch (RuntimeException e) {
                        return counts.stop(record.sequenceNumber(), record.eventId(), e);
                    }
                    logParked(record, "behind-parked-item");
                    counts.completed++;
                    counts.parked++;
                } else {
                    MalformedRecord bad = c.malformed();
                    counts.malformed++;
                    try {
                        runtime.malformedRecords().deadLetter(bad);
                    } catch (RuntimeException e) {
                        // The dead-letter queue is down: systemic, redeliver from this record.
                        String seq = bad.sequenceNumber() != null ? bad.sequenceNumber() : firstConvertedSequenceNumber(converted);
                        return counts.stop(seq, bad.eventId(), e);
                    }
                    log.atWarn().addKeyValue("eventId", bad.eventId())
                            .addKeyValue("sequenceNumber", bad.sequenceNumber())
                            .addKeyValue("reason", bad.reason())
                            .log("malformed stream record dead-lettered");
                    runtime.metrics().recordUnconvertible();
                    counts.completed++;
                    counts.deadLettered++;
                }
            }
            i = j + 1;
        }
        return counts.done();
    }

    private static boolean isParked(ChangeRecord record, Set<String> parked) {
        return !parked.isEmpty() && record.userId().map(parked::contains).orElse(false);
    }

    /**
     * Parks records from {@code from} on while they are due (or belong to a parked item); malformed
     * ones are dead-lettered as usual. Returns the index of the first record left for a retry (n when
     * none), or -1 when the dead-letter queue could not take the first one.
     */
    private int parkDue(List<Converted> converted, int from, Set<String> parked, Counts counts, String reason) {
        Parking parking = runtime.parking();
        int k = from;
        for (; k < converted.size(); k++) {
            Converted c = converted.get(k);
            if (!c.ok()) {
                try {
                    runtime.malformedRecords().deadLetter(c.malformed());
                } catch (RuntimeException e) {
                    return k == from ? -1 : k;
                }
                counts.completed++;
                counts.deadLettered++;
                counts.malformed++;
                continue;
            }
            ChangeRecord record = c.change();
            boolean behind = isParked(record, parked);
            if (!behind && !parking.due(record)) {
                return k;
            }
            try {
                parking.park(record, behind ? "parked behind an earlier parked record of this item" : reason);
            } catch (RuntimeException e) {
                return k == from ? -1 : k;
            }
            record.userId().ifPresent(parked::add);
            logParked(record, behind ? "behind-parked-item" : "outlived-retries");
            counts.completed++;
            counts.parked++;
        }
        return k;
    }

    /** The catch-all path: parks due records from the start of the batch, hands back the rest. */
    private BatchResult handBackAfterParking(List<DynamodbStreamRecord> records, List<Converted> converted,
                                             RuntimeException error) {
        String first = firstSequenceNumber(records);
        if (converted == null || !runtime.parking().enabled() || converted.isEmpty() || !converted.get(0).ok()
                || !runtime.parking().due(converted.get(0).change())) {
            return new Counts().stop(first, null, error);
        }
        Counts counts = new Counts();
        int next;
        try {
            next = parkDue(converted, 0, new HashSet<>(), counts, reason(error));
        } catch (RuntimeException e) {
            next = -1;
        }
        if (next < 0) {
            return new Counts().stop(first, null, error);
        }
        if (next >= converted.size()) {
            return counts.done();
        }
        Converted c = converted.get(next);
        return counts.stop(c.ok() ? c.change().sequenceNumber() : c.malformed().sequenceNumber(),
                c.ok() ? c.change().eventId() : c.malformed().eventId(), error);
    }

    private String reason(Throwable failure) {
        String why = failure == null ? "unknown" : failure.getClass().getSimpleName() + ": " + truncate(failure.getMessage());
        return "parked: still failing " + runtime.parking().after().toMinutes()
                + " min after it was written, before the stream's 24 h retention could trim it (" + why + ")";
    }

    private static void logParked(ChangeRecord record, String why) {
        log.atWarn().addKeyValue("eventId", record.eventId()).addKeyValue("shardId", record.shardId())
                .addKeyValue("sequenceNumber", record.sequenceNumber()).addKeyValue("outcome", "parked")
                .addKeyValue("why", why).log("record parked in the dead-letter queue");
    }

    /** Running totals of one invocation. */
    private static final class Counts {
        int completed;
        int deadLettered;
        int malformed;
        int parked;

        BatchResult stop(String sequenceNumber, String eventId, Throwable failure) {
            return new BatchResult(completed, deadLettered, malformed, parked, sequenceNumber, eventId, failure);
        }

        BatchResult done() {
            return new BatchResult(completed, deadLettered, malformed, parked, null, null, null);
        }
    }

    private record BatchResult(int completed, int deadLettered, int malformed, int parked, String failedSequenceNumber,
                               String failedEventId, Throwable failure) {
    }

    private void logBatch(List<DynamodbStreamRecord> records, BatchResult result, long tookMs, long iteratorAgeMs,
                          Context context) {
        LoggingEventBuilder b = result.failedSequenceNumber == null ? log.atInfo() : log.atWarn();
        b = b.addKeyValue("records", records.size())
                .addKeyValue("completed", result.completed)
                .addKeyValue("deadLettered", result.deadLettered)
                .addKeyValue("malformed", result.malformed)
                .addKeyValue("parked", result.parked)
                .addKeyValue("durationMs", tookMs)
                .addKeyValue("iteratorAgeMs", iteratorAgeMs)
                .addKeyValue("outcome", result.failedSequenceNumber == null ? "complete" : "partial");
        if (!records.isEmpty()) {
            DynamodbStreamRecord first = records.get(0);
            DynamodbStreamRecord last = records.get(records.size() - 1);
            b = b.addKeyValue("eventSource", first == null ? null : first.getEventSourceARN())
                    .addKeyValue("firstEventId", first == null ? null : first.getEventID())
                    .addKeyValue("lastEventId", last == null ? null : last.getEventID())
                    .addKeyValue("firstSequenceNumber", sequenceNumber(first))
                    .addKeyValue("lastSequenceNumber", sequenceNumber(last));
        }
        if (context != null) {
            b = b.addKeyValue("requestId", context.getAwsRequestId());
        }
        if (result.failedSequenceNumber != null) {
            b = b.addKeyValue("failedSequenceNumber", result.failedSequenceNumber)
                    .addKeyValue("failedEventId", result.failedEventId);
            if (result.failure != null) {
                // Class and message only: messages name records and sinks, never a full user item.
                b = b.addKeyValue("error", result.failure.getClass().getName())
                        .addKeyValue("errorMessage", truncate(result.failure.getMessage()));
            }
        }
        b.log(result.failedSequenceNumber == null ? "stream batch processed" : "stream batch stopped at a failure");
    }

    private long iteratorAge(List<DynamodbStreamRecord> records) {
        if (records.isEmpty()) {
            return -1;
        }
        DynamodbStreamRecord last = records.get(records.size() - 1);
        Date created = last == null || last.getDynamodb() == null ? null : last.getDynamodb().getApproximateCreationDateTime();
        return created == null ? -1 : Math.max(0, runtime.clock().millis() - created.getTime());
    }

    private static String sequenceNumber(DynamodbStreamRecord r) {
        return r == null || r.getDynamodb() == null ? null : r.getDynamodb().getSequenceNumber();
    }

    private static String firstConvertedSequenceNumber(List<Converted> converted) {
        for (Converted c : converted) {
            String seq = c.ok() ? c.change().sequenceNumber() : c.malformed().sequenceNumber();
            if (seq != null) {
                return seq;
            }
        }
        return "";
    }

    private static String firstSequenceNumber(List<DynamodbStreamRecord> records) {
        for (DynamodbStreamRecord r : records) {
            String seq = sequenceNumber(r);
            if (seq != null) {
                return seq;
            }
        }
        return "";
    }

    private static String truncate(String s) {
        return s == null || s.length() <= 300 ? s : s.substring(0, 300) + "…";
    }
}
