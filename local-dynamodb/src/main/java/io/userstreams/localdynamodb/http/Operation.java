package io.userstreams.localdynamodb.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/** One API operation: the request body in, the response body out. */
@FunctionalInterface
public interface Operation {
    JsonNode handle(ObjectNode request);
}
