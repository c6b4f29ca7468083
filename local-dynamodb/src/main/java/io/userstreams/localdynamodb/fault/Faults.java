package io.userstreams.localdynamodb.fault;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.userstreams.localdynamodb.http.DynamoDbException;
import io.userstreams.localdynamodb.http.RequestInterceptor;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * Faults for tests: for a while, a table and/or an operation answers with a throttling or server error
 * instead of being served. Durations are wall-clock (System.nanoTime), independent of the server's clock.
 */
public final class Faults implements RequestInterceptor {
    public static final Set<String> CODES = Set.of(
            "ProvisionedThroughputExceededException", "ThrottlingException", "InternalServerError");

    private record Fault(String table, String operation, String code, long untilNanos) {}

    private final List<Fault> faults = new CopyOnWriteArrayList<>();

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
        Objects.requireNonNull(duration, "duration");
        faults.add(new Fault(table, operation, code, System.nanoTime() + duration.toNanos()));
    }

    /** Removes every fault at once. */
    public void clear() {
        faults.clear();
    }

    @Override
    public void beforeOperation(String operation, ObjectNode request) {
        if (faults.isEmpty()) {
            return;
        }
        long now = System.nanoTime();
        Set<String> tables = null;
        for (Iterator<Fault> it = faults.iterator(); it.hasNext(); ) {
            Fault fault = it.next();
            if (now - fault.untilNanos() >= 0) {
                faults.remove(fault);
                continue;
            }
            if (fault.operation() != null && !fault.operation().equals(operation)) {
                continue;
            }
            if (fault.table() != null) {
                if (tables == null) {
                    tables = tablesOf(request);
                }
                if (!tables.contains(fault.table())) {
                    continue;
                }
            }
            throw error(fault.code());
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
            tables.add(name.asText());
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

    List<String> activeCodes() {
        List<String> codes = new ArrayList<>();
        faults.forEach(f -> codes.add(f.code()));
        return codes;
    }
}
