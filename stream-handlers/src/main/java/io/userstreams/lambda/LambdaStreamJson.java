package io.userstreams.lambda;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.userstreams.core.change.DynamoDbJson;
import java.math.BigDecimal;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.Identity;
import software.amazon.awssdk.services.dynamodb.model.OperationType;
import software.amazon.awssdk.services.dynamodb.model.Record;
import software.amazon.awssdk.services.dynamodb.model.StreamRecord;

/**
 * DynamoDB stream records in the Lambda event format — what {@code sam local generate-event
 * dynamodb update} prints, what aws-lambda-java-tests' {@code EventLoader} reads, and what
 * {@code capture} writes (one record per line) — to and from SDK v2 {@link Record}s.
 *
 * <pre>{"eventID":"…","eventName":"INSERT","eventVersion":"1.1","eventSource":"aws:dynamodb","awsRegion":"us-east-1",
 *  "dynamodb":{"ApproximateCreationDateTime":1764000000,"Keys":{"userId":{"S":"u-1"}},"NewImage":{…},
 *              "SequenceNumber":"000000000000000000001","SizeBytes":123,"StreamViewType":"NEW_AND_OLD_IMAGES"},
 *  "eventSourceARN":"arn:aws:dynamodb:…:table/users/stream/…",
 *  "userIdentity":{"type":"Service","principalId":"dynamodb.amazonaws.com"}}</pre>
 */
public final class LambdaStreamJson {

    public static final ObjectMapper MAPPER = new ObjectMapper();
    private static final JsonNodeFactory F = JsonNodeFactory.instance;

    /** A record that cannot be read, with the reason. */
    public static final class MalformedRecordException extends RuntimeException {
        public MalformedRecordException(String message) {
            super(message, null, false, false);
        }
    }

    private LambdaStreamJson() {
    }

    /** One record in the Lambda format. */
    public static ObjectNode toJson(Record r, String eventSourceArn, String awsRegion) {
        ObjectNode n = F.objectNode();
        n.put("eventID", r.eventID());
        n.put("eventName", r.eventNameAsString());
        n.put("eventVersion", r.eventVersion() != null ? r.eventVersion() : "1.1");
        n.put("eventSource", "aws:dynamodb");
        n.put("awsRegion", awsRegion != null ? awsRegion : r.awsRegion());
        StreamRecord s = r.dynamodb();
        ObjectNode d = n.putObject("dynamodb");
        if (s.approximateCreationDateTime() != null) {
            Instant t = s.approximateCreationDateTime();
            // Lambda writes epoch seconds as a number (fractions allowed).
            if (t.getNano() == 0) {
                d.put("ApproximateCreationDateTime", t.getEpochSecond());
            } else {
                d.put("ApproximateCreationDateTime", BigDecimal.valueOf(t.toEpochMilli()).movePointLeft(3));
            }
        }
        d.set("Keys", DynamoDbJson.toJson(s.hasKeys() ? s.keys() : Map.of()));
        if (s.hasNewImage()) d.set("NewImage", DynamoDbJson.toJson(s.newImage()));
        if (s.hasOldImage()) d.set("OldImage", DynamoDbJson.toJson(s.oldImage()));
        d.put("SequenceNumber", s.sequenceNumber());
        if (s.sizeBytes() != null) d.put("SizeBytes", s.sizeBytes());
        d.put("StreamViewType", s.streamViewTypeAsString() != null ? s.streamViewTypeAsString() : "NEW_AND_OLD_IMAGES");
        n.put("eventSourceARN", eventSourceArn);
        if (r.userIdentity() != null) {
            n.putObject("userIdentity").put("type", r.userIdentity().type())
                    .put("principalId", r.userIdentity().principalId());
        }
        return n;
    }

    /** A Lambda event: {@code {"Records": [...]}}. */
    public static ObjectNode event(List<ObjectNode> records) {
        ObjectNode e = F.objectNode();
        ArrayNode a = e.putArray("Records");
        records.forEach(a::add);
        return e;
    }

    /** The records of a Lambda event, or the record itself when given one record. */
    public static List<JsonNode> records(JsonNode node) {
        if (node != null && node.isObject() && node.has("Records")) {
            JsonNode a = node.get("Records");
            if (!a.isArray()) {
                throw new MalformedRecordException("'Records' is not an array");
            }
            List<JsonNode> out = new ArrayList<>(a.size());
            a.forEach(out::add);
            return out;
        }
        return List.of(node);
    }

    /** Reads one Lambda-format record strictly; throws {@link MalformedRecordException} saying what is wrong. */
    public static Record fromJson(JsonNode n) {
        if (n == null || !n.isObject()) {
            throw new MalformedRecordException("expected a JSON object (a stream record), got "
                    + (n == null ? "nothing" : n.getNodeType().toString().toLowerCase()));
        }
        String eventId = requiredText(n, "eventID");
        String eventName = requiredText(n, "eventName");
        OperationType op = OperationType.fromValue(eventName);
        if (op == null || op == OperationType.UNKNOWN_TO_SDK_VERSION) {
            throw new MalformedRecordException("eventName '" + eventName + "' is not INSERT, MODIFY or REMOVE");
        }
        JsonNode d = n.get("dynamodb");
        if (d == null || !d.isObject()) {
            throw new MalformedRecordException("'dynamodb' section is missing");
        }
        String seq = requiredText(d, "SequenceNumber");
        if (!seq.chars().allMatch(Character::isDigit)) {
            throw new MalformedRecordException("SequenceNumber '" + seq + "' is not a number");
        }
        StreamRecord.Builder s = StreamRecord.builder().sequenceNumber(seq)
                .keys(item(d, "Keys", true));
        if (d.has("NewImage")) s.newImage(item(d, "NewImage", false));
        if (d.has("OldImage")) s.oldImage(item(d, "OldImage", false));
        if (d.has("SizeBytes") && d.get("SizeBytes").canConvertToLong()) s.sizeBytes(d.get("SizeBytes").asLong());
        if (d.has("StreamViewType")) s.streamViewType(d.get("StreamViewType").asText());
        JsonNode created = d.get("ApproximateCreationDateTime");
        if (created != null && !created.isNull()) {
            s.approximateCreationDateTime(instant(created));
        }
        Record.Builder r = Record.builder().eventID(eventId).eventName(op).dynamodb(s.build())
                .eventVersion(n.path("eventVersion").asText("1.1")).eventSource(n.path("eventSource").asText("aws:dynamodb"))
                .awsRegion(n.path("awsRegion").asText(null));
        JsonNode id = n.get("userIdentity");
        if (id != null && id.isObject()) {
            r.userIdentity(Identity.builder().type(id.path("type").asText(null))
                    .principalId(id.path("principalId").asText(null)).build());
        }
        return r.build();
    }

    /** The event source ARN of a Lambda-format record, if it has one. */
    public static String eventSourceArn(JsonNode n) {
        return n.path("eventSourceARN").asText(null);
    }

    private static Instant instant(JsonNode v) {
        if (v.isNumber()) {
            BigDecimal seconds = v.decimalValue();
            return Instant.ofEpochMilli(seconds.movePointRight(3).longValue());
        }
        try {
            return Instant.parse(v.asText());
        } catch (DateTimeParseException e) {
            throw new MalformedRecordException("ApproximateCreationDateTime '" + v.asText()
                    + "' is neither epoch seconds nor an ISO-8601 instant");
        }
    }

    private static Map<String, AttributeValue> item(JsonNode d, String field, boolean required) {
        JsonNode v = d.get(field);
        if (v == null || v.isNull()) {
            if (required) throw new MalformedRecordException("dynamodb." + field + " is missing");
            return Map.of();
        }
        if (!v.isObject()) {
            throw new MalformedRecordException("dynamodb." + field + " is not an object of DynamoDB JSON attributes");
        }
        try {
            Map<String, AttributeValue> item = DynamoDbJson.itemFromJson(v);
            if (required && item.isEmpty()) {
                throw new MalformedRecordException("dynamodb." + field + " is empty");
            }
            return item;
        } catch (IllegalArgumentException e) {
            throw new MalformedRecordException("dynamodb." + field + ": " + e.getMessage());
        }
    }

    private static String requiredText(JsonNode n, String field) {
        JsonNode v = n.get(field);
        if (v == null || v.isNull()) {
            throw new MalformedRecordException("'" + field + "' is missing");
        }
        if (!v.isTextual() || v.asText().isBlank()) {
            throw new MalformedRecordException("'" + field + "' must be a non-empty string");
        }
        return v.asText();
    }
}
