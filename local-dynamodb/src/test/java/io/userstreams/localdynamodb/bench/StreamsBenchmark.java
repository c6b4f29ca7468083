package io.userstreams.localdynamodb.bench;

import io.userstreams.localdynamodb.LocalDynamoDb;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.Supplier;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.http.SdkHttpClient;
import software.amazon.awssdk.http.apache5.Apache5HttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.ShardIteratorType;
import software.amazon.awssdk.services.dynamodb.model.StreamViewType;
import software.amazon.awssdk.services.dynamodb.model.WriteRequest;
import software.amazon.awssdk.services.dynamodb.streams.DynamoDbStreamsClient;

/**
 * GetRecords over HTTP with the SDK v2 client (Apache 5): ops/s and latency percentiles with 1 and 4
 * client threads, for a caught-up poll (LATEST: no records) and a page of 100 NEW_AND_OLD_IMAGES
 * records. Iterators are reused (valid 15 min), so each call reads the same position.
 * <pre>
 * java -cp ... io.userstreams.localdynamodb.bench.StreamsBenchmark [--endpoint http://127.0.0.1:8000] [--seconds 5]
 * </pre>
 */
public final class StreamsBenchmark {

    private StreamsBenchmark() { }

    public static void main(String[] args) throws Exception {
        String endpoint = null;
        int seconds = 5;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--endpoint" -> endpoint = args[++i];
                case "--seconds" -> seconds = Integer.parseInt(args[++i]);
                default -> throw new IllegalArgumentException("unknown option " + args[i]);
            }
        }
        LocalDynamoDb inProcess = null;
        if (endpoint == null) {
            inProcess = LocalDynamoDb.builder().ttlSweepInterval(Duration.ofHours(1)).start();
            endpoint = inProcess.endpoint().toString();
        }
        StaticCredentialsProvider credentials = StaticCredentialsProvider.create(AwsBasicCredentials.create("x", "x"));
        try (SdkHttpClient http = Apache5HttpClient.builder().maxConnections(16).build();
             DynamoDbClient dynamo = DynamoDbClient.builder().endpointOverride(URI.create(endpoint)).region(Region.US_EAST_1)
                     .credentialsProvider(credentials).httpClient(http).build();
             DynamoDbStreamsClient streams = DynamoDbStreamsClient.builder().endpointOverride(URI.create(endpoint))
                     .region(Region.US_EAST_1).credentialsProvider(credentials).httpClient(http).build()) {
            String table = "streams-bench-" + System.currentTimeMillis();
            String arn = dynamo.createTable(b -> b.tableName(table).billingMode("PAY_PER_REQUEST")
                    .attributeDefinitions(a -> a.attributeName("pk").attributeType("S"))
                    .keySchema(k -> k.attributeName("pk").keyType("HASH"))
                    .streamSpecification(s -> s.streamEnabled(true).streamViewType(StreamViewType.NEW_AND_OLD_IMAGES)))
                    .tableDescription().latestStreamArn();
            for (int batch = 0; batch < 40; batch++) {
                List<WriteRequest> writes = new ArrayList<>();
                for (int i = 0; i < 25; i++) {
                    String id = "user-" + batch + "-" + i;
                    writes.add(WriteRequest.builder().putRequest(p -> p.item(Map.of("pk", AttributeValue.fromS(id),
                            "name", AttributeValue.fromS("name " + id), "email", AttributeValue.fromS(id + "@example.com"),
                            "version", AttributeValue.fromN("1")))).build());
                }
                dynamo.batchWriteItem(b -> b.requestItems(Map.of(table, writes)));
            }
            String shard = streams.describeStream(b -> b.streamArn(arn)).streamDescription().shards().get(0).shardId();
            String latest = streams.getShardIterator(b -> b.streamArn(arn).shardId(shard)
                    .shardIteratorType(ShardIteratorType.LATEST)).shardIterator();
            String horizon = streams.getShardIterator(b -> b.streamArn(arn).shardId(shard)
                    .shardIteratorType(ShardIteratorType.TRIM_HORIZON)).shardIterator();
            int page = streams.getRecords(b -> b.shardIterator(horizon).limit(100)).records().size();
            System.out.printf("endpoint %s, %d records per page%n", endpoint, page);
            System.out.println("operation                         threads    ops/s   p50 ms   p99 ms");
            for (int threads : new int[] {1, 4}) {
                run("GetRecords (caught up, empty)", threads, seconds,
                        () -> streams.getRecords(b -> b.shardIterator(latest)));
                run("GetRecords (100 records)", threads, seconds,
                        () -> streams.getRecords(b -> b.shardIterator(horizon).limit(100)));
            }
        } finally {
            if (inProcess != null) {
                inProcess.close();
            }
        }
    }

    private static void run(String name, int threads, int seconds, Supplier<?> call) throws Exception {
        measure(threads, 1, call);      // warm-up
        long[][] perThread = measure(threads, seconds, call);
        long[] all = Arrays.stream(perThread).flatMapToLong(Arrays::stream).sorted().toArray();
        System.out.printf("%-33s %7d %8.0f %8.3f %8.3f%n", name, threads, all.length / (double) seconds,
                all[all.length / 2] / 1e6, all[(int) (all.length * 0.99)] / 1e6);
    }

    private static long[][] measure(int threads, int seconds, Supplier<?> call) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        long end = System.nanoTime() + seconds * 1_000_000_000L;
        List<Future<long[]>> results = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            results.add(pool.submit(() -> {
                long[] nanos = new long[1024];
                int n = 0;
                while (System.nanoTime() < end) {
                    long start = System.nanoTime();
                    call.get();
                    if (n == nanos.length) {
                        nanos = Arrays.copyOf(nanos, n * 2);
                    }
                    nanos[n++] = System.nanoTime() - start;
                }
                return Arrays.copyOf(nanos, n);
            }));
        }
        long[][] out = new long[threads][];
        for (int t = 0; t < threads; t++) {
            out[t] = results.get(t).get();
        }
        pool.shutdown();
        return out;
    }
}
