package io.userstreams.lambda;

import com.amazonaws.services.lambda.runtime.events.DynamodbEvent.DynamodbStreamRecord;
import com.amazonaws.services.lambda.runtime.events.transformers.v2.dynamodb.DynamodbRecordTransformer;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.userstreams.core.change.ChangeRecord;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import software.amazon.awssdk.services.dynamodb.model.Record;

/**
 * Turns the records of a Lambda {@code DynamodbEvent} into the core's change records, one by one,
 * so one malformed record cannot fail the others: it becomes a {@link MalformedRecord} in its place.
 *
 * <p>Each record goes through the Lambda library's SDK v2 transformer
 * ({@link DynamodbRecordTransformer#toRecordV2}, what {@code DynamodbEventTransformer.toRecordsV2}
 * applies to every record) and then through the same v2 {@code Record → ChangeRecord} converter the
 * KCL consumer uses, so both runtimes normalize identically. Lambda does not tell a function which
 * shard a batch came from, so the shard id is the event source (stream) ARN.
 */
public final class LambdaRecordConverter {

    /** One converted record: exactly one of the two is set. */
    public record Converted(ChangeRecord change, MalformedRecord malformed) {
        public boolean ok() {
            return change != null;
        }
    }

    private static final ObjectMapper RAW = new ObjectMapper().disable(SerializationFeature.FAIL_ON_EMPTY_BEANS);

    /** The v2 record converter from core: (SDK v2 record, shard id) → change record; throws on bad input. */
    public interface V2Converter {
        ChangeRecord convert(Record record, String shardId);
    }

    private final V2Converter v2;

    public LambdaRecordConverter(V2Converter v2) {
        this.v2 = v2;
    }

    public List<Converted> convert(List<DynamodbStreamRecord> records) {
        List<Converted> out = new ArrayList<>(records.size());
        for (DynamodbStreamRecord r : records) {
            out.add(convert(r));
        }
        return out;
    }

    public Converted convert(DynamodbStreamRecord r) {
        if (r == null) {
            return new Converted(null, new MalformedRecord(null, null, null, "null record in the event", "null"));
        }
        if (r.getDynamodb() == null) {
            return new Converted(null, new MalformedRecord(r.getEventID(), null, r.getEventSourceARN(),
                    "stream record " + r.getEventID() + " has no dynamodb section (keys, images, sequence number)", raw(r)));
        }
        try {
            Record v2Record = DynamodbRecordTransformer.toRecordV2(withKeysMap(r));
            return new Converted(v2.convert(v2Record, r.getEventSourceARN()), null);
        } catch (RuntimeException e) {
            String seq = r.getDynamodb() == null ? null : r.getDynamodb().getSequenceNumber();
            return new Converted(null, new MalformedRecord(r.getEventID(), seq, r.getEventSourceARN(), describe(e), raw(r)));
        }
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
            fixed.setKeys(java.util.Map.of());
        }
        if (fixed.getApproximateCreationDateTime() == null) {
            fixed.setApproximateCreationDateTime(new java.util.Date());
        }
        DynamodbStreamRecord copy = (DynamodbStreamRecord) r.clone();
        copy.setDynamodb(fixed);
        return copy;
    }

    private static String describe(RuntimeException e) {
        String message = e.getMessage();
        return "cannot convert the stream record: " + e.getClass().getSimpleName()
                + (message == null ? "" : ": " + message);
    }

    /** The record as JSON for the dead letter; falls back to toString() if the bean cannot be written. */
    static String raw(DynamodbStreamRecord r) {
        try {
            return RAW.writeValueAsString(r);
        } catch (Exception e) {
            return String.valueOf(r);
        }
    }

    /** Backed by the core's {@code StreamRecordConverter}, the converter the KCL consumer uses too. */
    public static LambdaRecordConverter withCoreConverter() {
        return new LambdaRecordConverter(io.userstreams.core.change.StreamRecordConverter::convert);
    }

    /** Adapts a plain function, for tests and for the core converter's method reference. */
    public static V2Converter of(Function<Record, ChangeRecord> f) {
        return (record, shard) -> f.apply(record);
    }
}
