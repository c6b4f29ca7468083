package io.userstreams.localsns;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Map;

/**
 * One accepted message on its way to the subscriptions. {@code sequenceNumber}, {@code messageGroupId}
 * and {@code messageDeduplicationId} are set for FIFO topics only (null otherwise).
 */
record Notification(String messageId, String topicArn, String subject, String message, String messageStructure,
                    Map<String, MessageAttribute> attributes, Instant timestamp, String sequenceNumber,
                    String messageGroupId, String messageDeduplicationId) {

    Notification(String messageId, String topicArn, String subject, String message, String messageStructure,
                 Map<String, MessageAttribute> attributes, Instant timestamp) {
        this(messageId, topicArn, subject, message, messageStructure, attributes, timestamp, null, null, null);
    }

    /** SNS envelope timestamps: ISO-8601, milliseconds, Z. */
    static final DateTimeFormatter TIMESTAMP =
            DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSS'Z'").withZone(ZoneOffset.UTC);

    String timestampText() {
        return TIMESTAMP.format(timestamp);
    }
}
