package io.userstreams.localsns;

import java.util.Map;

/**
 * One message to publish, as parsed from a Publish call or one PublishBatch entry.
 * {@code id} is the batch entry id (null for Publish).
 */
record PublishInput(String id, String message, String subject, String messageStructure,
                    Map<String, MessageAttribute> attributes, String messageGroupId,
                    String messageDeduplicationId) {

    PublishInput {
        attributes = attributes == null ? Map.of() : java.util.Collections.unmodifiableMap(
                new java.util.LinkedHashMap<>(attributes));
    }
}
