package io.userstreams.localdynamodb.http;

import com.fasterxml.jackson.databind.node.ObjectNode;

/** Runs before an operation (fault injection); throws a {@link DynamoDbException} to answer with an error instead. */
@FunctionalInterface
public interface RequestInterceptor {
    /** @param operation the operation name without the service prefix, e.g. "PutItem" */
    void beforeOperation(String operation, ObjectNode request);
}
