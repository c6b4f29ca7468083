package io.userstreams.testkit;

import com.amazonaws.services.lambda.runtime.events.DynamodbEvent;
import com.amazonaws.services.lambda.runtime.events.models.dynamodb.AttributeValue;
import com.amazonaws.services.lambda.runtime.events.models.dynamodb.Identity;
import com.amazonaws.services.lambda.runtime.events.models.dynamodb.StreamRecord;
import com.fasterxml.jackson.databind.JsonNode;
import io.userstreams.lambda.LambdaStreamJson;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Date;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.services.dynamodb.model.Record;

/**
 * Lambda-format JSON → the {@link DynamodbEvent} object the Lambda runtime hands the stream handler
 * (the same object aws-lambda-java-tests' EventLoader builds), via the SDK v2 record model.
 */
public final class LambdaEvents {

    private LambdaEvents() {
    }

    public static DynamodbEvent toEvent(JsonNode eventOrRecord) {
        List<DynamodbEvent.DynamodbStreamRecord> records = new ArrayList<>();
        for (JsonNode n : LambdaStreamJson.records(eventOrRecord)) {
            records.add(toLambda(LambdaStreamJson.fromJson(n), LambdaStreamJson.eventSourceArn(n)));
        }
        DynamodbEvent event = new DynamodbEvent();
        event.setRecords(records);
        return event;
    }

    public static DynamodbEvent.DynamodbStreamRecord toLambda(Record r, String eventSourceArn) {
        DynamodbEvent.DynamodbStreamRecord out = new DynamodbEvent.DynamodbStreamRecord();
        out.setEventID(r.eventID());
        out.setEventName(r.eventNameAsString());
        out.setEventVersion(r.eventVersion());
        out.setEventSource(r.eventSource() != null ? r.eventSource() : "aws:dynamodb");
        out.setAwsRegion(r.awsRegion());
        out.setEventSourceARN(eventSourceArn);
        var s = r.dynamodb();
        if (s != null) {    // a malformed record may have no dynamodb section: deliver it as it is
            out.setDynamodb(streamRecord(s));
        }
        if (r.userIdentity() != null) {
            Identity id = new Identity();
            id.setType(r.userIdentity().type());
            id.setPrincipalId(r.userIdentity().principalId());
            out.setUserIdentity(id);
        }
        return out;
    }

    private static StreamRecord streamRecord(software.amazon.awssdk.services.dynamodb.model.StreamRecord s) {
        StreamRecord sr = new StreamRecord();
        sr.setSequenceNumber(s.sequenceNumber());
        sr.setSizeBytes(s.sizeBytes());
        sr.setStreamViewType(com.amazonaws.services.lambda.runtime.events.models.dynamodb.StreamViewType.fromValue(
                s.streamViewTypeAsString() != null ? s.streamViewTypeAsString() : "NEW_AND_OLD_IMAGES"));
        if (s.approximateCreationDateTime() != null) {
            sr.setApproximateCreationDateTime(Date.from(s.approximateCreationDateTime()));
        }
        if (s.hasKeys()) sr.setKeys(item(s.keys()));
        if (s.hasNewImage()) sr.setNewImage(item(s.newImage()));
        if (s.hasOldImage()) sr.setOldImage(item(s.oldImage()));
        return sr;
    }

    static Map<String, AttributeValue> item(Map<String, software.amazon.awssdk.services.dynamodb.model.AttributeValue> item) {
        Map<String, AttributeValue> out = new LinkedHashMap<>();
        item.forEach((k, v) -> out.put(k, value(v)));
        return out;
    }

    static AttributeValue value(software.amazon.awssdk.services.dynamodb.model.AttributeValue v) {
        AttributeValue a = new AttributeValue();
        switch (v.type()) {
            case S -> a.setS(v.s());
            case N -> a.setN(v.n());
            case B -> a.setB(ByteBuffer.wrap(v.b().asByteArray()));
            case BOOL -> a.setBOOL(v.bool());
            case NUL -> a.setNULL(true);
            case SS -> a.setSS(v.ss());
            case NS -> a.setNS(v.ns());
            case BS -> a.setBS(v.bs().stream().map(SdkBytes::asByteBuffer).toList());
            case L -> a.setL(v.l().stream().map(LambdaEvents::value).toList());
            case M -> a.setM(item(v.m()));
            default -> throw new IllegalArgumentException("unknown attribute type " + v.type());
        }
        return a;
    }
}
