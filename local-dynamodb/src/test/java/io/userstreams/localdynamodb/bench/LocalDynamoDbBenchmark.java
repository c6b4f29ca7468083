package io.userstreams.localdynamodb.bench;

import io.userstreams.localdynamodb.LocalDynamoDb;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.IntConsumer;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.http.apache5.Apache5HttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.PutRequest;
import software.amazon.awssdk.services.dynamodb.model.TransactWriteItem;
import software.amazon.awssdk.services.dynamodb.model.WriteRequest;

/**
 * ops/s over HTTP with 1 and 4 client threads for PutItem, conditional UpdateItem, TransactWriteItems of 10
 * and Query, against any DynamoDB-compatible endpoint (or an in-process LocalDynamoDb when none is given).
 * <pre>
 * java -cp ... io.userstreams.localdynamodb.bench.LocalDynamoDbBenchmark [--endpoint http://127.0.0.1:8000] [--seconds 5] [--heap]
 * </pre>
 * --heap loads 100,000 small items into an in-process server and prints the heap they take.
 */
public final class LocalDynamoDbBenchmark {
    private LocalDynamoDbBenchmark() { }

    public static void main(String[] args) throws Exception {
        String endpoint = null;
        int seconds = 5;
        boolean heap = false;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--endpoint" -> endpoint = args[++i];
                case "--seconds" -> seconds = Integer.parseInt(args[++i]);
                case "--heap" -> heap = true;
                default -> throw new IllegalArgumentException("unknown option " + args[i]);
            }
        }
        LocalDynamoDb inProcess = null;
        if (endpoint == null) {
            long start = System.nanoTime();
            inProcess = LocalDynamoDb.builder().ttlSweepInterval(Duration.ofHours(1)).start();
            System.out.printf("in-process server started in %.0f ms%n", (System.nanoTime() - start) / 1e6);
            endpoint = inProcess.endpoint().toString();
        }
        try (DynamoDbClient client = DynamoDbClient.builder().endpointOverride(URI.create(endpoint)).region(Region.US_EAST_1)
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("x", "x")))
                .httpClient(Apache5HttpClient.builder().maxConnections(16).build()).build()) {
            if (heap) {
                heap(client);
                return;
            }
            String table = "bench-" + System.currentTimeMillis();
            client.createTable(b -> b.tableName(table).billingMode("PAY_PER_REQUEST")
                    .attributeDefinitions(a -> a.attributeName("pk").attributeType("S"), a -> a.attributeName("sk").attributeType("N"))
                    .keySchema(k -> k.attributeName("pk").keyType("HASH"), k -> k.attributeName("sk").keyType("RANGE")));
            AtomicLong sequence = new AtomicLong();
            for (int i = 0; i < 100; i++) {
                int n = i;
                client.putItem(b -> b.tableName(table).item(Map.of("pk", AttributeValue.fromS("q"), "sk", AttributeValue.fromN(Integer.toString(n)),
                        "v", AttributeValue.fromS("value-" + n))));
                client.putItem(b -> b.tableName(table).item(Map.of("pk", AttributeValue.fromS("counter" + n), "sk", AttributeValue.fromN("0"),
                        "v", AttributeValue.fromN("0"))));
            }
            Map<String, IntConsumer> operations = new java.util.LinkedHashMap<>();
            operations.put("PutItem", t -> {
                long n = sequence.incrementAndGet();
                client.putItem(b -> b.tableName(table).item(Map.of("pk", AttributeValue.fromS("user" + n), "sk", AttributeValue.fromN("1"),
                        "name", AttributeValue.fromS("name " + n), "email", AttributeValue.fromS("u" + n + "@example.com"))));
            });
            operations.put("UpdateItem (conditional)", t -> {
                long n = sequence.incrementAndGet() % 100;
                client.updateItem(b -> b.tableName(table).key(Map.of("pk", AttributeValue.fromS("counter" + n), "sk", AttributeValue.fromN("0")))
                        .updateExpression("SET v = v + :one").conditionExpression("attribute_exists(pk)")
                        .expressionAttributeValues(Map.of(":one", AttributeValue.fromN("1"))));
            });
            operations.put("TransactWriteItems (10 puts)", t -> {
                long n = sequence.incrementAndGet();
                List<TransactWriteItem> items = new ArrayList<>();
                for (int i = 0; i < 10; i++) {
                    int k = i;
                    items.add(TransactWriteItem.builder().put(p -> p.tableName(table).item(Map.of("pk", AttributeValue.fromS("tx" + n),
                            "sk", AttributeValue.fromN(Integer.toString(k)), "v", AttributeValue.fromS("x")))).build());
                }
                client.transactWriteItems(b -> b.transactItems(items));
            });
            operations.put("Query (10 of 100 items)", t -> client.query(b -> b.tableName(table)
                    .keyConditionExpression("pk = :q AND sk BETWEEN :a AND :b")
                    .expressionAttributeValues(Map.of(":q", AttributeValue.fromS("q"), ":a", AttributeValue.fromN("40"),
                            ":b", AttributeValue.fromN("49")))));
            // Warm-up: the client's and the server's JIT compile every path before anything is measured.
            for (IntConsumer operation : operations.values()) {
                measure(4, seconds, operation);
            }
            System.out.println("operation                       threads    ops/s");
            for (int threads : new int[] {1, 4}) {
                for (Map.Entry<String, IntConsumer> operation : operations.entrySet()) {
                    System.out.printf("%-30s %7d %8.0f%n", operation.getKey(), threads, measure(threads, seconds, operation.getValue()));
                }
            }
        } finally {
            if (inProcess != null) {
                inProcess.close();
            }
        }
    }

    private static double measure(int threads, int seconds, IntConsumer operation) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        long end = System.nanoTime() + seconds * 1_000_000_000L;
        List<Future<Long>> counts = new ArrayList<>();
        long start = System.nanoTime();
        for (int t = 0; t < threads; t++) {
            int thread = t;
            counts.add(pool.submit(() -> {
                long done = 0;
                while (System.nanoTime() < end) {
                    operation.accept(thread);
                    done++;
                }
                return done;
            }));
        }
        long total = 0;
        for (Future<Long> count : counts) {
            total += count.get();
        }
        double elapsed = (System.nanoTime() - start) / 1e9;
        pool.shutdown();
        return total / elapsed;
    }

    /** 100,000 items of ~100 bytes (a user-like record) through BatchWriteItem; heap after GC, before and after. */
    private static void heap(DynamoDbClient client) {
        client.createTable(b -> b.tableName("heap").billingMode("PAY_PER_REQUEST")
                .attributeDefinitions(a -> a.attributeName("userId").attributeType("S"))
                .keySchema(k -> k.attributeName("userId").keyType("HASH")));
        long before = usedHeap();
        List<WriteRequest> batch = new ArrayList<>();
        for (int i = 0; i < 100_000; i++) {
            batch.add(WriteRequest.builder().putRequest(PutRequest.builder().item(Map.of(
                    "userId", AttributeValue.fromS(String.format("user-%08d", i)),
                    "email", AttributeValue.fromS("user" + i + "@example.com"),
                    "name", AttributeValue.fromS("User Number " + i),
                    "version", AttributeValue.fromN(Integer.toString(i % 17)))).build()).build());
            if (batch.size() == 25) {
                List<WriteRequest> requests = List.copyOf(batch);
                client.batchWriteItem(b -> b.requestItems(Map.of("heap", requests)));
                batch.clear();
            }
        }
        long after = usedHeap();
        long count = client.describeTable(b -> b.tableName("heap")).table().itemCount();
        System.out.printf("items %d, heap used before %.1f MB, after %.1f MB, for the items %.1f MB%n",
                count, before / 1e6, after / 1e6, (after - before) / 1e6);
    }

    private static long usedHeap() {
        for (int i = 0; i < 3; i++) {
            System.gc();
            try {
                Thread.sleep(200);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        Runtime runtime = Runtime.getRuntime();
        return runtime.totalMemory() - runtime.freeMemory();
    }
}
