package io.userstreams.lambda;

/**
 * A record of a Lambda stream event that could not even be turned into a change record (for
 * example an attribute value with no type, an unknown event name, a missing sequence number). It
 * still has to reach the dead-letter queue in its place in the batch: never a crash loop, never lost.
 *
 * @param eventId        the record's eventID, or null when it has none
 * @param sequenceNumber its sequence number, or null when it has none
 * @param shardId        where it came from (Lambda: the event source ARN), or null
 * @param reason         why it could not be converted
 * @param rawJson        the record as Lambda delivered it, for the dead letter
 */
public record MalformedRecord(String eventId, String sequenceNumber, String shardId, String reason, String rawJson) {
}
