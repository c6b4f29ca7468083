package io.userstreams.lambda;

import com.amazonaws.services.lambda.runtime.events.DynamodbEvent.DynamodbStreamRecord;
import com.amazonaws.services.lambda.runtime.events.transformers.v2.dynamodb.DynamodbRecordTransformer;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.userstreams.core.change.ChangeRecord;
import io.userstreams.core.change.StreamRecordConverter;
import io.userstreams.core.pipeline.RecordAdapter;
import io.userstreams.core.processing.UnconvertibleRecord;
import java.util.Date;
import java.util.Map;

/**
 * Lambda's {@code DynamodbStreamRecord} for the core's runner. Each record goes through the Lambda
 * library's SDK v2 transformer ({@link DynamodbRecordTransformer#toRecordV2}) and then through the
 * same v2 {@code Record → ChangeRecord} converter the KCL consumer uses, so both runtimes normalize
 * identically. Lambda does not tell a function which shard a batch came from, so the shard id is the
 * event source (stream) ARN.
 */
public final class LambdaRecordAdapter implements RecordAdapter<DynamodbStreamRecord> {

    private static final ObjectMapper RAW = new ObjectMapper().disable(SerializationFeature.FAIL_ON_EMPTY_BEANS);

    @Override
    public ChangeRecord toChangeRecord(DynamodbStreamRecord r) {
        if (r == null) {
            throw new IllegalArgumentException("null record in the event");
        }
        if (r.getDynamodb() == null) {
            throw new IllegalArgumentException("stream record " + r.getEventID()
                    + " has no dynamodb section (keys, images, sequence number)");
        }
        try {
            return StreamRecordConverter.convert(DynamodbRecordTransformer.toRecordV2(withKeysMap(r)),
                    r.getEventSourceARN());
        } catch (RuntimeException e) {
            String message = e.getMessage();
            throw new IllegalArgumentException("cannot convert the stream record: " + e.getClass().getSimpleName()
                    + (message == null ? "" : ": " + message), e);
        }
    }

    @Override
    public UnconvertibleRecord unconvertible(DynamodbStreamRecord r, RuntimeException error) {
        String reason = String.valueOf(error.getMessage());
        if (r == null) {
            return new UnconvertibleRecord(null, null, null, "null", reason);
        }
        String seq = r.getDynamodb() == null ? null : r.getDynamodb().getSequenceNumber();
        return new UnconvertibleRecord(r.getEventID(), r.getEventSourceARN(), seq, raw(r), reason);
    }

    /**
     * The transformer dereferences Keys and ApproximateCreationDateTime unconditionally. A record
     * without them gets (on a copy) an empty key map, so validation names the missing key instead of
     * a NullPointerException, and "now", as the core converter does for such hand-made records.
     */
    private static DynamodbStreamRecord withKeysMap(DynamodbStreamRecord r) {
        var s = r.getDynamodb();
        if (s.getKeys() != null && s.getApproximateCreationDateTime() != null) {
            return r;
        }
        var fixed = s.clone();
        if (fixed.getKeys() == null) {
            fixed.setKeys(Map.of());
        }
        if (fixed.getApproximateCreationDateTime() == null) {
            fixed.setApproximateCreationDateTime(new Date());
        }
        DynamodbStreamRecord copy = (DynamodbStreamRecord) r.clone();
        copy.setDynamodb(fixed);
        return copy;
    }

    /** The record as JSON for the dead letter; falls back to toString() if the bean cannot be written. */
    static String raw(DynamodbStreamRecord r) {
        try {
            return RAW.writeValueAsString(r);
        } catch (Exception e) {
            return String.valueOf(r);
        }
    }
}
