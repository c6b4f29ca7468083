package io.userstreams.localdynamodb.streams;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Iterator;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Serializes stream records as DynamoDB Streams sends them. The part that does not depend on the
 * sequence number and time is built before the shard lock is taken, so an append stays cheap.
 */
final class StreamRecordWriter {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String TTL_IDENTITY = ",\"userIdentity\":{\"PrincipalId\":\"dynamodb.amazonaws.com\",\"Type\":\"Service\"}";

    /** A record without its sequence number and creation time. */
    record Draft(String head, String tail, long sizeBytes) {
        String complete(long sequence, long createdMillis) {
            return head + "\"ApproximateCreationDateTime\":" + BigDecimal.valueOf(createdMillis, 3).toPlainString()
                    + ",\"SequenceNumber\":\"" + StreamEngine.formatSequence(sequence) + "\"," + tail;
        }
    }

    private StreamRecordWriter() {
    }

    static Draft draft(ItemChange change, String viewType, String region) {
        boolean withNew = viewType.equals("NEW_IMAGE") || viewType.equals("NEW_AND_OLD_IMAGES");
        boolean withOld = viewType.equals("OLD_IMAGE") || viewType.equals("NEW_AND_OLD_IMAGES");
        StringBuilder head = new StringBuilder(256);
        head.append("{\"eventID\":\"").append(eventId())
                .append("\",\"eventName\":\"").append(change.eventName())
                .append("\",\"eventVersion\":\"1.1\",\"eventSource\":\"aws:dynamodb\",\"awsRegion\":\"").append(region)
                .append("\",\"dynamodb\":{\"Keys\":").append(write(change.keys()));
        long size = itemSize(change.keys());
        if (withNew && change.newImage() != null) {
            head.append(",\"NewImage\":").append(write(change.newImage()));
            size += itemSize(change.newImage());
        }
        if (withOld && change.oldImage() != null) {
            head.append(",\"OldImage\":").append(write(change.oldImage()));
            size += itemSize(change.oldImage());
        }
        head.append(',');
        String tail = "\"SizeBytes\":" + size + ",\"StreamViewType\":\"" + viewType + "\"}"
                + (change.expiredByTtl() ? TTL_IDENTITY : "") + "}";
        return new Draft(head.toString(), tail, size);
    }

    private static final char[] HEX = "0123456789abcdef".toCharArray();

    /** 32 lowercase hex digits, random (String.format would cost more than the rest of an append). */
    static String eventId() {
        ThreadLocalRandom r = ThreadLocalRandom.current();
        char[] out = new char[32];
        long a = r.nextLong();
        long b = r.nextLong();
        for (int i = 0; i < 16; i++) {
            out[15 - i] = HEX[(int) (a >>> (4 * i)) & 0xf];
            out[31 - i] = HEX[(int) (b >>> (4 * i)) & 0xf];
        }
        return new String(out);
    }

    private static String write(JsonNode node) {
        try {
            return JSON.writeValueAsString(node);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /** DynamoDB's item size: attribute names plus values (numbers ~1 byte per 2 digits + 1). */
    static long itemSize(ObjectNode item) {
        long size = 0;
        for (Iterator<Map.Entry<String, JsonNode>> it = item.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> f = it.next();
            size += utf8Length(f.getKey()) + valueSize(f.getValue());
        }
        return size;
    }

    private static long valueSize(JsonNode av) {
        if (av == null || !av.isObject() || av.size() == 0) {
            return 0;
        }
        Map.Entry<String, JsonNode> typed = av.fields().next();
        JsonNode v = typed.getValue();
        switch (typed.getKey()) {
            case "S":
                return utf8Length(v.asText());
            case "N":
                return numberSize(v.asText());
            case "B":
                return binarySize(v.asText());
            case "BOOL":
            case "NULL":
                return 1;
            case "SS": {
                long s = 0;
                for (JsonNode e : v) {
                    s += utf8Length(e.asText());
                }
                return s;
            }
            case "NS": {
                long s = 0;
                for (JsonNode e : v) {
                    s += numberSize(e.asText());
                }
                return s;
            }
            case "BS": {
                long s = 0;
                for (JsonNode e : v) {
                    s += binarySize(e.asText());
                }
                return s;
            }
            case "L": {
                long s = 3;
                for (JsonNode e : v) {
                    s += 1 + valueSize(e);
                }
                return s;
            }
            case "M": {
                long s = 3;
                for (Iterator<Map.Entry<String, JsonNode>> it = v.fields(); it.hasNext(); ) {
                    Map.Entry<String, JsonNode> f = it.next();
                    s += 1 + utf8Length(f.getKey()) + valueSize(f.getValue());
                }
                return s;
            }
            default:
                return 0;
        }
    }

    private static long numberSize(String n) {
        try {
            String digits = new BigDecimal(n).stripTrailingZeros().unscaledValue().abs().toString();
            return (digits.length() + 1) / 2 + 1;
        } catch (NumberFormatException e) {
            return n.length();
        }
    }

    private static long binarySize(String base64) {
        try {
            return Base64.getDecoder().decode(base64).length;
        } catch (IllegalArgumentException e) {
            return base64.length();
        }
    }

    private static long utf8Length(String s) {
        return s.getBytes(StandardCharsets.UTF_8).length;
    }

    /** A stable 63-bit hash of a partition key value: equal keys (e.g. N "1" and "1.0") hash alike. */
    static long keyHash(JsonNode attributeValue) {
        String canonical;
        if (attributeValue == null || !attributeValue.isObject() || attributeValue.size() == 0) {
            canonical = "";
        } else {
            Map.Entry<String, JsonNode> typed = attributeValue.fields().next();
            String v = typed.getValue().asText();
            if (typed.getKey().equals("N")) {
                try {
                    v = new BigDecimal(v).stripTrailingZeros().toPlainString();
                } catch (NumberFormatException ignored) {
                    // keep the text as given
                }
            }
            canonical = typed.getKey() + ':' + v;
        }
        long h = 0xcbf29ce484222325L;       // FNV-1a, then a murmur finalizer for spread
        for (byte b : canonical.getBytes(StandardCharsets.UTF_8)) {
            h ^= b & 0xff;
            h *= 0x100000001b3L;
        }
        h ^= h >>> 33;
        h *= 0xff51afd7ed558ccdL;
        h ^= h >>> 33;
        h *= 0xc4ceb9fe1a85ec53L;
        h ^= h >>> 33;
        return h >>> 1;
    }
}
