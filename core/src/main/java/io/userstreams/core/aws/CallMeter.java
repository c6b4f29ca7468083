package io.userstreams.core.aws;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.DoubleAdder;
import java.util.concurrent.atomic.LongAdder;
import software.amazon.awssdk.core.SdkField;
import software.amazon.awssdk.core.SdkRequest;
import software.amazon.awssdk.core.SdkResponse;
import software.amazon.awssdk.core.interceptor.Context;
import software.amazon.awssdk.core.interceptor.ExecutionAttributes;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;
import software.amazon.awssdk.core.interceptor.SdkExecutionAttribute;
import software.amazon.awssdk.services.dynamodb.model.BatchWriteItemRequest;
import software.amazon.awssdk.services.dynamodb.model.ConsumedCapacity;
import software.amazon.awssdk.services.dynamodb.model.ReturnConsumedCapacity;
import software.amazon.awssdk.services.dynamodb.model.TransactWriteItemsRequest;
import software.amazon.awssdk.services.sns.model.PublishBatchRequest;
import software.amazon.awssdk.services.sns.model.PublishRequest;
import software.amazon.awssdk.services.sqs.model.SendMessageBatchRequest;
import software.amazon.awssdk.services.sqs.model.SendMessageRequest;

/**
 * Counts every AWS call of this process by {@code service/operation}, with what AWS bills it by:
 * DynamoDB's consumed capacity (each metered DynamoDB request asks for {@code ReturnConsumedCapacity
 * TOTAL}; the local DynamoDB computes units as DynamoDB does) and the payload of SNS publishes and SQS
 * sends (billed per 64 KB chunk). For cost measurements (the benchmark); off unless {@value #PROPERTY}
 * (system property) or {@value #VARIABLE} (environment, inherited by child processes) is set: "true",
 * or a file the counts are written to ({@link #writeTo}) by whoever runs the process.
 *
 * <p>Registered on the same clients as {@link CallRecorder} ({@link CallRecorder#register}).
 * Failed calls count as requests too (a failed conditional write is billed); their capacity is not
 * reported by DynamoDB on an error and is counted as {@code failed}.
 */
public final class CallMeter implements ExecutionInterceptor {

    public static final String PROPERTY = "userstreams.meterCalls";
    public static final String VARIABLE = "USER_STREAMS_METER_CALLS";
    /** SNS and SQS bill each 64 KB chunk of a request's payload as one request. */
    public static final int CHUNK_BYTES = 64 * 1024;

    static final CallMeter INSTANCE = new CallMeter();

    /** What one {@code service/operation} cost so far. */
    public record Usage(long requests, long failed, double readUnits, double writeUnits, long payloadBytes,
                        long billedChunks) {
        public static final Usage NONE = new Usage(0, 0, 0, 0, 0, 0);

        public Usage minus(Usage o) {
            return new Usage(requests - o.requests, failed - o.failed, readUnits - o.readUnits,
                    writeUnits - o.writeUnits, payloadBytes - o.payloadBytes, billedChunks - o.billedChunks);
        }

        public Usage plus(Usage o) {
            return new Usage(requests + o.requests, failed + o.failed, readUnits + o.readUnits,
                    writeUnits + o.writeUnits, payloadBytes + o.payloadBytes, billedChunks + o.billedChunks);
        }
    }

    private static final class Counter {
        final LongAdder requests = new LongAdder();
        final LongAdder failed = new LongAdder();
        final DoubleAdder read = new DoubleAdder();
        final DoubleAdder write = new DoubleAdder();
        final LongAdder payload = new LongAdder();
        final LongAdder chunks = new LongAdder();

        Usage usage() {
            return new Usage(requests.sum(), failed.sum(), read.sum(), write.sum(), payload.sum(), chunks.sum());
        }
    }

    private static final Map<String, Counter> COUNTERS = new ConcurrentHashMap<>();

    private CallMeter() {
    }

    public static boolean enabled() {
        return setting().isPresent();
    }

    /** The file named by the setting, if it names one (not just "true"). */
    public static Optional<Path> target() {
        return setting().filter(v -> !"true".equalsIgnoreCase(v)).map(Path::of);
    }

    private static Optional<String> setting() {
        String v = System.getProperty(PROPERTY);
        if (v == null || v.isBlank()) {
            v = System.getenv(VARIABLE);
        }
        return v == null || v.isBlank() || "false".equalsIgnoreCase(v.trim()) ? Optional.empty() : Optional.of(v.trim());
    }

    /** Everything counted so far in this process, by {@code service/operation}. */
    public static Map<String, Usage> snapshot() {
        Map<String, Usage> out = new TreeMap<>();
        COUNTERS.forEach((k, c) -> out.put(k, c.usage()));
        return out;
    }

    /** {@code after - before}, key by key. */
    public static Map<String, Usage> difference(Map<String, Usage> after, Map<String, Usage> before) {
        Map<String, Usage> out = new TreeMap<>();
        after.forEach((k, u) -> {
            Usage d = u.minus(before.getOrDefault(k, Usage.NONE));
            if (d.requests() != 0) {
                out.put(k, d);
            }
        });
        return out;
    }

    /** Writes the snapshot (one tab-separated line per key), replacing the file atomically. */
    public static void writeTo(Path file) {
        StringBuilder text = new StringBuilder();
        snapshot().forEach((k, u) -> text.append(k).append('\t').append(u.requests()).append('\t').append(u.failed())
                .append('\t').append(u.readUnits()).append('\t').append(u.writeUnits()).append('\t')
                .append(u.payloadBytes()).append('\t').append(u.billedChunks()).append('\n'));
        try {
            Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
            Files.writeString(tmp, text, StandardCharsets.UTF_8);
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new UncheckedIOException("writing the call meter to " + file + " failed", e);
        }
    }

    /** Reads what {@link #writeTo} wrote; empty when the file does not exist yet. */
    public static Map<String, Usage> readFrom(Path file) {
        Map<String, Usage> out = new TreeMap<>();
        if (!Files.exists(file)) {
            return out;
        }
        try {
            for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
                String[] f = line.split("\t");
                if (f.length == 7) {
                    out.put(f[0], new Usage(Long.parseLong(f[1]), Long.parseLong(f[2]), Double.parseDouble(f[3]),
                            Double.parseDouble(f[4]), Long.parseLong(f[5]), Long.parseLong(f[6])));
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("reading the call meter " + file + " failed", e);
        }
        return out;
    }

    @Override
    public SdkRequest modifyRequest(Context.ModifyRequest context, ExecutionAttributes attributes) {
        SdkRequest r = context.request();
        // Every DynamoDB request that can report capacity has this member; only where the caller did
        // not ask for capacity itself: what it asked for stays as it was.
        for (SdkField<?> field : r.sdkFields()) {
            if (field.memberName().equals("ReturnConsumedCapacity")) {
                if (field.getValueOrDefault(r) != null) {
                    return r;
                }
                SdkRequest.Builder builder = r.toBuilder();
                field.set(builder, ReturnConsumedCapacity.TOTAL.toString());
                return builder.build();
            }
        }
        return r;
    }

    @Override
    public void afterExecution(Context.AfterExecution context, ExecutionAttributes attributes) {
        Counter c = counter(context.request(), attributes);
        c.requests.increment();
        payload(context.request(), c);
        SdkResponse response = context.response();
        List<ConsumedCapacity> consumed = new ArrayList<>();
        response.getValueForField("ConsumedCapacity", Object.class).ifPresent(v -> {
            if (v instanceof ConsumedCapacity one) {
                consumed.add(one);
            } else if (v instanceof List<?> many) {
                many.forEach(x -> {
                    if (x instanceof ConsumedCapacity cc) {
                        consumed.add(cc);
                    }
                });
            }
        });
        String operation = attributes.getAttribute(SdkExecutionAttribute.OPERATION_NAME);
        boolean write = operation != null && (operation.startsWith("Put") || operation.startsWith("Update")
                || operation.startsWith("Delete") || operation.startsWith("BatchWrite") || operation.startsWith("TransactWrite"));
        for (ConsumedCapacity cc : consumed) {
            double units = cc.capacityUnits() != null ? cc.capacityUnits()
                    : (cc.readCapacityUnits() == null ? 0 : cc.readCapacityUnits())
                    + (cc.writeCapacityUnits() == null ? 0 : cc.writeCapacityUnits());
            (write ? c.write : c.read).add(units);
        }
    }

    @Override
    public void onExecutionFailure(Context.FailedExecution context, ExecutionAttributes attributes) {
        Counter c = counter(context.request(), attributes);
        c.requests.increment();
        c.failed.increment();
        payload(context.request(), c);
    }

    /** {@code service/operation}, plus {@code  table} for a DynamoDB call on one table (a cost breakdown by sink). */
    private static Counter counter(SdkRequest request, ExecutionAttributes attributes) {
        String key = attributes.getAttribute(SdkExecutionAttribute.SERVICE_NAME) + "/"
                + attributes.getAttribute(SdkExecutionAttribute.OPERATION_NAME);
        Optional<String> table = request.getValueForField("TableName", String.class);
        if (table.isEmpty() && request instanceof BatchWriteItemRequest b && b.requestItems().size() == 1) {
            table = Optional.of(b.requestItems().keySet().iterator().next());
        }
        if (table.isEmpty() && request instanceof TransactWriteItemsRequest t) {
            table = Optional.of(t.transactItems().stream().map(i -> i.put() != null ? i.put().tableName()
                    : i.update() != null ? i.update().tableName() : i.delete() != null ? i.delete().tableName()
                    : i.conditionCheck().tableName()).distinct().sorted().reduce((a, b) -> a + "+" + b).orElse(""));
        }
        String k = table.map(t -> key + " " + t).orElse(key);
        return COUNTERS.computeIfAbsent(k, x -> new Counter());
    }

    /** SNS and SQS bill per 64 KB chunk of the request's messages (a batch of small ones is one chunk). */
    private static void payload(SdkRequest r, Counter c) {
        long bytes = -1;
        if (r instanceof PublishRequest p) {
            bytes = size(p.message()) + size(p.subject()) + attributes(p.messageAttributes());
        } else if (r instanceof PublishBatchRequest b) {
            bytes = b.publishBatchRequestEntries().stream()
                    .mapToLong(e -> size(e.message()) + size(e.subject()) + attributes(e.messageAttributes())).sum();
        } else if (r instanceof SendMessageRequest s) {
            bytes = size(s.messageBody()) + sqsAttributes(s.messageAttributes());
        } else if (r instanceof SendMessageBatchRequest s) {
            bytes = s.entries().stream().mapToLong(e -> size(e.messageBody()) + sqsAttributes(e.messageAttributes())).sum();
        }
        if (bytes >= 0) {
            c.payload.add(bytes);
            c.chunks.add(Math.max(1, (bytes + CHUNK_BYTES - 1) / CHUNK_BYTES));
        } else {
            c.chunks.increment();
        }
    }

    private static long size(String s) {
        return s == null ? 0 : s.getBytes(StandardCharsets.UTF_8).length;
    }

    private static long attributes(Map<String, software.amazon.awssdk.services.sns.model.MessageAttributeValue> a) {
        return a.entrySet().stream().mapToLong(e -> size(e.getKey()) + size(e.getValue().dataType())
                + size(e.getValue().stringValue())).sum();
    }

    private static long sqsAttributes(Map<String, software.amazon.awssdk.services.sqs.model.MessageAttributeValue> a) {
        return a.entrySet().stream().mapToLong(e -> size(e.getKey()) + size(e.getValue().dataType())
                + size(e.getValue().stringValue())).sum();
    }
}
