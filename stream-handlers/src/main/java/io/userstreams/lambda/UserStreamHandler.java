package io.userstreams.lambda;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestHandler;
import com.amazonaws.services.lambda.runtime.events.DynamodbEvent;
import com.amazonaws.services.lambda.runtime.events.DynamodbEvent.DynamodbStreamRecord;
import com.amazonaws.services.lambda.runtime.events.StreamsEventResponse;
import com.amazonaws.services.lambda.runtime.events.StreamsEventResponse.BatchItemFailure;
import io.userstreams.core.pipeline.RecordBatchRunner;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.spi.LoggingEventBuilder;

/**
 * The DynamoDB stream trigger. Runs the event's records through the core's
 * {@link RecordBatchRunner} and reports the FIRST unfinished record as the only batch item failure: Lambda then checkpoints every
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
        BatchResult result;
        try {
            result = process(records);
        } catch (RuntimeException e) {
            // A bug, not a record's fault: hand the whole batch back (every reaction is idempotent).
            String first = firstSequenceNumber(records);
            result = new BatchResult(0, 0, 0, 0, first, null, e);
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

    /** Runs the batch through the core's runner; its done prefix decides the batch item failure. */
    private BatchResult process(List<DynamodbStreamRecord> records) {
        RecordBatchRunner.Batch<DynamodbStreamRecord> batch = runtime.runner().start(records);
        batch.runPass(null);
        for (int i = 0; i < batch.unconvertible(); i++) {
            runtime.metrics().recordUnconvertible();
        }
        if (batch.isComplete()) {
            return new BatchResult(batch.completed(), batch.deadLettered(), batch.unconvertible(), batch.duplicates(),
                    null, null, null);
        }
        DynamodbStreamRecord first = records.get(batch.donePrefix());
        String seq = sequenceNumber(first);
        // A record without a sequence number cannot be named: redeliver the whole batch instead.
        return new BatchResult(batch.donePrefix(), batch.deadLettered(), batch.unconvertible(), batch.duplicates(),
                seq != null ? seq : firstSequenceNumber(records), first == null ? null : first.getEventID(),
                batch.failure().orElse(null));
    }

    private record BatchResult(int completed, int deadLettered, int malformed, int duplicates, String failedSequenceNumber,
                               String failedEventId, Throwable failure) {
    }

    private void logBatch(List<DynamodbStreamRecord> records, BatchResult result, long tookMs, long iteratorAgeMs,
                          Context context) {
        LoggingEventBuilder b = result.failedSequenceNumber == null ? log.atInfo() : log.atWarn();
        b = b.addKeyValue("records", records.size())
                .addKeyValue("completed", result.completed)
                .addKeyValue("deadLettered", result.deadLettered)
                .addKeyValue("malformed", result.malformed)
                .addKeyValue("duplicates", result.duplicates)
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
