package io.userstreams.kcl;

import com.amazonaws.services.dynamodbv2.streamsadapter.serialization.RecordObjectMapper;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.userstreams.core.change.ChangeRecord;
import io.userstreams.core.change.StreamRecordConverter;
import io.userstreams.core.pipeline.RecordAdapter;
import io.userstreams.core.processing.UnconvertibleRecord;
import software.amazon.awssdk.services.dynamodb.model.Record;

/** The SDK v2 stream {@code Record} KCL hands over, for the core's runner; one per shard. */
final class KclRecordAdapter implements RecordAdapter<Record> {

    private static final ObjectMapper RECORD_JSON = new RecordObjectMapper();

    private final String shardId;

    KclRecordAdapter(String shardId) {
        this.shardId = shardId;
    }

    @Override
    public ChangeRecord toChangeRecord(Record record) {
        return StreamRecordConverter.convert(record, shardId);
    }

    @Override
    public UnconvertibleRecord unconvertible(Record record, RuntimeException error) {
        if (record == null) {
            return new UnconvertibleRecord(null, shardId, null, "null", String.valueOf(error.getMessage()));
        }
        String raw;
        try {
            raw = RECORD_JSON.writeValueAsString(record);
        } catch (Exception e) {
            raw = record.toString();
        }
        return new UnconvertibleRecord(record.eventID(), shardId,
                record.dynamodb() == null ? null : record.dynamodb().sequenceNumber(), raw,
                String.valueOf(error.getMessage()));
    }
}
