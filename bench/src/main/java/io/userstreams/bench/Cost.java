package io.userstreams.bench;

import io.userstreams.core.aws.CallMeter.Usage;
import java.io.PrintStream;
import java.util.Map;
import java.util.TreeMap;

/**
 * What one path's calls cost, from the call meter, scaled to one million user changes (stream
 * records). OpenSearch is billed per instance-hour (and EC2 for the KCL consumer), not per request:
 * neither is in these figures.
 */
record Cost(long records, Map<String, Usage> calls, long lambdaRequests, double lambdaGbSeconds, boolean streamsBilled) {

    static Cost of(Map<String, Usage> calls, long records, long lambdaRequests, double gbSeconds, boolean streamsBilled) {
        return new Cost(records, new TreeMap<>(calls), lambdaRequests, gbSeconds, streamsBilled);
    }

    private double perMillion(double dollars) {
        return dollars * 1e6 / records;
    }

    private static boolean dynamoDb(String key) {
        return key.startsWith("DynamoDb/");
    }

    /** KCL's own tables (leases, coordinator state, worker metrics): named after the application. */
    private static boolean kclTable(String key) {
        return key.contains(" bench-");
    }

    private double sum(java.util.function.Predicate<String> keys, java.util.function.ToDoubleFunction<Usage> f) {
        return calls.entrySet().stream().filter(e -> keys.test(e.getKey())).mapToDouble(e -> f.applyAsDouble(e.getValue())).sum();
    }

    /** Failed conditional writes are billed but report no capacity: one unit each (a small item). */
    double writeUnits(boolean kcl) {
        return sum(k -> dynamoDb(k) && kclTable(k) == kcl, Usage::writeUnits)
                + sum(k -> dynamoDb(k) && kclTable(k) == kcl && isWrite(k), u -> u.failed());
    }

    double readUnits(boolean kcl) {
        return sum(k -> dynamoDb(k) && kclTable(k) == kcl, Usage::readUnits);
    }

    private static boolean isWrite(String key) {
        String op = key.substring(key.indexOf('/') + 1);
        return op.startsWith("Put") || op.startsWith("Update") || op.startsWith("Delete") || op.startsWith("BatchWrite")
                || op.startsWith("TransactWrite");
    }

    double streamsReads() {
        return streamsBilled ? sum(k -> k.contains("/GetRecords"), Usage::requests) : 0;
    }

    double dynamoDbDollars() {
        return perMillion(writeUnits(false) * Prices.WRITE_REQUEST_UNIT + readUnits(false) * Prices.READ_REQUEST_UNIT);
    }

    double kclTablesDollars() {
        return perMillion(writeUnits(true) * Prices.WRITE_REQUEST_UNIT + readUnits(true) * Prices.READ_REQUEST_UNIT);
    }

    double streamsDollars() {
        return perMillion(streamsReads() * Prices.STREAMS_READ_REQUEST);
    }

    double snsDollars() {
        return perMillion(sum(k -> k.startsWith("Sns/Publish"), Usage::billedChunks) * Prices.SNS_FIFO_PUBLISH_REQUEST
                + sum(k -> k.startsWith("Sns/Publish"), Usage::payloadBytes) / 1e9 * Prices.SNS_FIFO_PAYLOAD_GB);
    }

    double sqsDollars() {
        return perMillion(sum(k -> k.startsWith("Sqs/"), Usage::billedChunks) * Prices.SQS_STANDARD_REQUEST);
    }

    double lambdaDollars() {
        return perMillion(lambdaRequests * Prices.LAMBDA_REQUEST + lambdaGbSeconds * Prices.LAMBDA_ARM_GB_SECOND);
    }

    double total() {
        return dynamoDbDollars() + kclTablesDollars() + streamsDollars() + snsDollars() + sqsDollars() + lambdaDollars();
    }

    static void printTable(Map<String, Cost> costs, PrintStream out) {
        out.println("AWS cost per million user changes, us-east-1 list prices (OpenSearch and EC2: instance-hours, not"
                + " included)");
        out.println("| path | DynamoDB WRU+RRU (reactions) | KCL lease tables | Streams reads | SNS FIFO | SQS | Lambda"
                + " requests + GB-s | total $/M changes |");
        out.println("|---|---|---|---|---|---|---|---|");
        costs.forEach((name, c) -> out.printf("| %s | $%.3f (%.2f WRU + %.2f RRU per change) | $%.3f | $%.3f | $%.3f |"
                        + " $%.3f | $%.3f (%d invocations, %.1f GB-s) | **$%.3f** |%n", name, c.dynamoDbDollars(),
                c.writeUnits(false) / c.records, c.readUnits(false) / c.records, c.kclTablesDollars(), c.streamsDollars(),
                c.snsDollars(), c.sqsDollars(), c.lambdaDollars(), c.lambdaRequests, c.lambdaGbSeconds, c.total()));
    }

    void printCalls(String name, PrintStream out) {
        out.println("  " + name + ":");
        calls.forEach((k, u) -> out.printf("    %-70s %8.1f req %8.1f WRU %8.1f RRU%s%n", k, u.requests() * 1000.0 / records,
                u.writeUnits() * 1000.0 / records, u.readUnits() * 1000.0 / records,
                u.failed() > 0 ? String.format(" (%.1f failed)", u.failed() * 1000.0 / records) : ""));
    }
}
