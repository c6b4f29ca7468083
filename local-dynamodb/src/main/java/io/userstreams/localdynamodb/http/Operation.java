package io.userstreams.localdynamodb.http;

/** One API operation: the request body in, the response body out. */
@FunctionalInterface
public interface Operation {
    com.fasterxml.jackson.databind.JsonNode handle(com.fasterxml.jackson.databind.node.ObjectNode request);
}
