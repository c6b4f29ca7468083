package io.userstreams.localdynamodb.http;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/** Placeholder until ddb-core's server is merged: only the registration seam. */
public final class DynamoDbHttpServer {
    private final Map<String, Operation> operations = new ConcurrentHashMap<>();

    public void register(String target, Operation op) {
        operations.put(target, op);
    }
}
