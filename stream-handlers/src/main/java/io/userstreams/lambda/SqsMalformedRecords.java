package io.userstreams.lambda;

import io.userstreams.core.processing.SqsUnconvertibleRecords;
import io.userstreams.core.processing.UnconvertibleRecord;
import java.time.Clock;
import java.util.function.Supplier;
import software.amazon.awssdk.services.sqs.SqsClient;

/**
 * Sends a record the handler could not convert to the dead-letter queue through the core's
 * {@link SqsUnconvertibleRecords} (the same message the KCL consumer sends), with the record as
 * Lambda delivered it. A send that fails throws: the handler then reports this record as the batch
 * item failure.
 */
public final class SqsMalformedRecords implements StreamHandlerRuntime.MalformedRecords, AutoCloseable {

    public static final String REACTION = SqsUnconvertibleRecords.REACTION;

    private final SqsClient sqs;
    private final SqsUnconvertibleRecords deadLetters;

    public SqsMalformedRecords(SqsClient sqs, String queueUrl, Clock clock) {
        this(sqs, () -> queueUrl, clock);
    }

    /** With a queue URL found on first use (local mode looks the queue up by name, like the core). */
    public SqsMalformedRecords(SqsClient sqs, Supplier<String> queueUrl, Clock clock) {
        this.sqs = sqs;
        this.deadLetters = new SqsUnconvertibleRecords(sqs, queueUrl, clock);
    }

    @Override
    public void deadLetter(MalformedRecord record) {
        deadLetters.send(new UnconvertibleRecord(record.eventId(), record.shardId(), record.sequenceNumber(),
                record.rawJson(), record.reason()));
    }

    @Override
    public void close() {
        sqs.close();
    }
}
