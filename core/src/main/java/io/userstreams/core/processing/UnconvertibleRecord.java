package io.userstreams.core.processing;

/**
 * A stream record a runtime could not even turn into a change record (e.g. an attribute with no
 * type): it never reaches the reactions, so it is dead-lettered as delivered.
 *
 * @param rawJson the record as the runtime received it, as JSON (or plain text when it is not JSON)
 * @param reason  why it could not be converted
 */
public record UnconvertibleRecord(String eventId, String shardId, String sequenceNumber, String rawJson,
                                  String reason) {
}
