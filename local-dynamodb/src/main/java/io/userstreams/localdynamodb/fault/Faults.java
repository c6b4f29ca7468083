package io.userstreams.localdynamodb.fault;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.userstreams.localdynamodb.http.DynamoDbException;
import io.userstreams.localdynamodb.http.RequestInterceptor;
import io.userstreams.localfaults.FaultSwitch;
import java.time.Duration;
import java.util.HashSet;
import java.util.Objects;
import java.util.Set;

/**
 * Faults for tests: for a while, a table and/or an operation answers with a throttling or server error
 * instead of being served. Durations are wall-clock (System.nanoTime), independent of the server's clock.
 */
public final class Faults implements RequestInterceptor {
    public static final Set<String> CODES = Set.of(
            "ProvisionedThroughputExceededException", "ThrottlingException", "InternalServerError");

    private record Fault(String table, String operation, String code) {}

    private final FaultSwitch<Fault> faults = new FaultSwitch<>();

    /**
     * Makes requests fail for {@code duration}.
     *
     * @param table     table name, or null for every table (a request matches if it touches that table)
     * @param operation operation name such as "PutItem" or "GetRecords", or null for every operation
     * @param code      ProvisionedThroughputExceededException, ThrottlingException or InternalServerError
     */
    public void fail(String table, String operation, String code, Duration duration) {
        if (!CODES.contains(code)) {
            throw new IllegalArgumentException("unsupported fault code " + code + ", one of " + CODES);
        }
        faults.failFor(Objects.requireNonNull(duration, "duration"), new Fault(table, operation, code));
    }

    /** Removes every fault at once. */
    public void clear() {
        faults.clear();
    }

    @Override
    public void beforeOperation(String operation, ObjectNode request) {
        RequestTables tables = new RequestTables(request);
        faults.take(fault -> (fault.operation() == null || fault.operation().equals(operation))
                && (fault.table() == null || tables.contains(fault.table()))).ifPresent(fault -> {
            throw error(fault.code());
        });
    }

    /** The tables a request names, read from it only when a fault names a table. */
    private static final class RequestTables {
        private final ObjectNode request;
        private Set<String> named;

        RequestTables(ObjectNode request) {
            this.request = request;
        }

        boolean contains(String table) {
            if (named == null) {
                named = tablesOf(request);
            }
            return named.contains(table);
        }
    }

    static DynamoDbException error(String code) {
        return switch (code) {
            case "ProvisionedThroughputExceededException" -> new DynamoDbException(code,
                    "The level of configured provisioned throughput for the table was exceeded. "
                            + "Consider increasing your provisioning level with the UpdateTable API.");
            case "ThrottlingException" -> new DynamoDbException(code, "Rate of requests exceeds the allowed throughput.");
            default -> new DynamoDbException("InternalServerError", "Internal server error", 500);
        };
    }

    /** Every table a request names: TableName, RequestItems keys, TransactItems, or the table inside a stream ARN. */
    static Set<String> tablesOf(ObjectNode request) {
        Set<String> tables = new HashSet<>();
        JsonNode name = request.get("TableName");
        if (name != null && name.isTextual()) {
            String text = name.asText();
            int arnTable = text.startsWith("arn:") ? text.indexOf(":table/") : -1;
            tables.add(arnTable >= 0 ? text.substring(arnTable + 7) : text);
        }
        JsonNode requestItems = request.get("RequestItems");
        if (requestItems != null) {
            requestItems.fieldNames().forEachRemaining(tables::add);
        }
        JsonNode transactItems = request.get("TransactItems");
        if (transactItems != null) {
            for (JsonNode action : transactItems) {
                action.elements().forEachRemaining(body -> {
                    JsonNode table = body.get("TableName");
                    if (table != null) {
                        tables.add(table.asText());
                    }
                });
            }
        }
        for (String field : new String[] {"StreamArn", "ShardIterator"}) {
            JsonNode arn = request.get(field);
            if (arn != null && arn.isTextual()) {
                String text = arn.asText();
                int start = text.indexOf(":table/");
                if (start >= 0) {
                    int end = text.indexOf('/', start + 7);
                    tables.add(text.substring(start + 7, end < 0 ? text.length() : end));
                }
            }
        }
        return tables;
    }
}
