package io.userstreams.lambda;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchRuntimeException;

import com.amazonaws.services.lambda.runtime.events.DynamodbEvent.DynamodbStreamRecord;
import com.amazonaws.services.lambda.runtime.events.models.dynamodb.AttributeValue;
import com.amazonaws.services.lambda.runtime.events.models.dynamodb.StreamRecord;
import io.userstreams.core.processing.UnconvertibleRecord;
import java.util.Map;
import org.junit.jupiter.api.Test;

class LambdaRecordAdapterTest {

    private final LambdaRecordAdapter adapter = new LambdaRecordAdapter();

    private static DynamodbStreamRecord insert(String eventId) {
        DynamodbStreamRecord r = new DynamodbStreamRecord();
        r.setEventID(eventId);
        r.setEventName("INSERT");
        r.setEventSourceARN("arn:aws:dynamodb:us-east-1:000000000000:table/users/stream/x");
        StreamRecord s = new StreamRecord();
        s.setSequenceNumber("100");
        s.setNewImage(Map.of("userId", new AttributeValue().withS("u1")));
        r.setDynamodb(s);
        return r;
    }

    @Test
    void aRecordWithoutKeysStillConvertsSoValidationCanNameTheMissingKey() {
        DynamodbStreamRecord r = insert("e1");
        assertThat(adapter.toChangeRecord(r).keys()).isEmpty();
        assertThat(r.getDynamodb().getKeys()).as("the delivered record is not changed").isNull();
    }

    @Test
    void aRecordWithoutItsDynamodbSectionIsMalformedWithAClearReason() {
        DynamodbStreamRecord r = insert("e2");
        r.setDynamodb(null);
        RuntimeException error = catchRuntimeException(() -> adapter.toChangeRecord(r));
        UnconvertibleRecord letter = adapter.unconvertible(r, error);
        assertThat(letter.reason()).isEqualTo(
                "stream record e2 has no dynamodb section (keys, images, sequence number)");
        assertThat(letter.eventId()).isEqualTo("e2");
        assertThat(letter.sequenceNumber()).isNull();
        assertThat(letter.rawJson()).contains("\"e2\"");
    }
}
