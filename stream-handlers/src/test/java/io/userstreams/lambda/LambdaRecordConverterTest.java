package io.userstreams.lambda;

import static org.assertj.core.api.Assertions.assertThat;

import com.amazonaws.services.lambda.runtime.events.DynamodbEvent.DynamodbStreamRecord;
import com.amazonaws.services.lambda.runtime.events.models.dynamodb.AttributeValue;
import com.amazonaws.services.lambda.runtime.events.models.dynamodb.StreamRecord;
import java.util.Map;
import org.junit.jupiter.api.Test;

class LambdaRecordConverterTest {

    private final LambdaRecordConverter converter = LambdaRecordConverter.withCoreConverter();

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
        var converted = converter.convert(r);
        assertThat(converted.malformed()).isNull();
        assertThat(converted.change().keys()).isEmpty();
        assertThat(r.getDynamodb().getKeys()).as("the delivered record is not changed").isNull();
    }

    @Test
    void aRecordWithoutItsDynamodbSectionIsMalformedWithAClearReason() {
        DynamodbStreamRecord r = insert("e2");
        r.setDynamodb(null);
        var converted = converter.convert(r);
        assertThat(converted.change()).isNull();
        assertThat(converted.malformed().reason()).isEqualTo(
                "stream record e2 has no dynamodb section (keys, images, sequence number)");
        assertThat(converted.malformed().eventId()).isEqualTo("e2");
    }
}
