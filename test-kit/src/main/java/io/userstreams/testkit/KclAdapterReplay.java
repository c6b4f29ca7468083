package io.userstreams.testkit;

import com.amazonaws.services.dynamodbv2.streamsadapter.adapter.DynamoDBStreamsClientRecord;
import com.amazonaws.services.dynamodbv2.streamsadapter.model.DynamoDBStreamsProcessRecordsInput;
import com.amazonaws.services.dynamodbv2.streamsadapter.processor.DynamoDBStreamsShardRecordProcessor;
import io.userstreams.core.UserStreamsCore;
import io.userstreams.core.aws.AwsConnection;
import io.userstreams.core.config.CoreSettings;
import io.userstreams.kcl.ShardProcessors;
import java.lang.reflect.InvocationHandler;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import software.amazon.awssdk.http.SdkHttpClient;
import software.amazon.awssdk.http.apache5.Apache5HttpClient;
import software.amazon.awssdk.services.dynamodb.model.Record;
import software.amazon.kinesis.lifecycle.events.InitializationInput;
import software.amazon.kinesis.processor.RecordProcessorCheckpointer;
import software.amazon.kinesis.retrieval.kpl.ExtendedSequenceNumber;

/**
 * Drives the KCL consumer's own shard record processor ({@link ShardProcessors#standalone}) with the
 * adapter's input types, exactly as KCL calls it, and records checkpoints.
 */
final class KclAdapterReplay implements AutoCloseable {

    /** A sink that stays down makes the worker retry; the replay gives up after this long. */
    static final Duration GIVE_UP_AFTER = Duration.ofSeconds(30);

    private final SdkHttpClient http;
    private final UserStreamsCore core;

    KclAdapterReplay(Map<String, String> env) {
        http = Apache5HttpClient.builder().build();
        CoreSettings settings = CoreSettings.fromEnvironment(env);
        AwsConnection connection = AwsConnection.fromEnvironment(env);
        core = UserStreamsCore.builder().settings(settings).connection(connection).httpClient(http).build();
    }

    /** Over a core the caller owns (e.g. one on in-memory sinks); closing the replay leaves it open. */
    KclAdapterReplay(UserStreamsCore core) {
        this.http = null;
        this.core = core;
    }

    Replayer.Result replay(List<Record> records) {
        long deadline = System.nanoTime() + GIVE_UP_AFTER.toNanos();
        return replay(records, "shardId-replay", () -> System.nanoTime() < deadline);
    }

    /**
     * One delivery of one shard's records, as KCL makes it: {@code keepGoing} false stops the
     * retries of an unfinished batch (a shutdown, a lost lease); the result's checkpoints say what
     * was done.
     */
    Replayer.Result replay(List<Record> records, String shardId, java.util.function.BooleanSupplier keepGoing) {
        List<String> checkpoints = new ArrayList<>();
        DynamoDBStreamsShardRecordProcessor processor = ShardProcessors.standalone(core.processor(), core.unconvertibleRecords(),
                keepGoing);
        processor.initialize(InitializationInput.builder().shardId(shardId)
                .extendedSequenceNumber(ExtendedSequenceNumber.TRIM_HORIZON).build());
        List<DynamoDBStreamsClientRecord> input = new ArrayList<>(records.size());
        for (Record r : records) {
            input.add(DynamoDBStreamsClientRecord.fromRecord(r));
        }
        processor.processRecords(DynamoDBStreamsProcessRecordsInput.builder().records(input)
                .checkpointer(checkpointer(checkpoints)).cacheEntryTime(java.time.Instant.now())
                .cacheExitTime(java.time.Instant.now()).isAtShardEnd(false).millisBehindLatest(0L).build());
        // Not checkpointed = not done, as KCL would see it.
        String last = records.isEmpty() ? null : records.get(records.size() - 1).dynamodb().sequenceNumber();
        List<String> failures = new ArrayList<>();
        if (last != null && (checkpoints.isEmpty() || !checkpoints.get(checkpoints.size() - 1).equals(last))) {
            failures.add(firstNotCheckpointed(records, checkpoints));
        }
        return new Replayer.Result(records.size(), failures, checkpoints);
    }

    private static String firstNotCheckpointed(List<Record> records, List<String> checkpoints) {
        if (checkpoints.isEmpty()) {
            return records.get(0).dynamodb().sequenceNumber();
        }
        String last = checkpoints.get(checkpoints.size() - 1);
        for (int i = 0; i < records.size(); i++) {
            if (records.get(i).dynamodb().sequenceNumber().equals(last) && i + 1 < records.size()) {
                return records.get(i + 1).dynamodb().sequenceNumber();
            }
        }
        return records.get(0).dynamodb().sequenceNumber();
    }

    private static RecordProcessorCheckpointer checkpointer(List<String> checkpoints) {
        InvocationHandler h = (proxy, method, args) -> {
            if (method.getName().equals("checkpoint") && args != null && args.length >= 1 && args[0] instanceof String s) {
                checkpoints.add(s);
            } else if (method.getName().equals("checkpoint") && args != null && args.length == 1
                    && args[0] instanceof software.amazon.kinesis.retrieval.KinesisClientRecord r) {
                checkpoints.add(r.sequenceNumber());
            }
            return defaultValue(method);
        };
        return (RecordProcessorCheckpointer) Proxy.newProxyInstance(RecordProcessorCheckpointer.class.getClassLoader(),
                new Class<?>[] {RecordProcessorCheckpointer.class}, h);
    }

    private static Object defaultValue(Method m) {
        Class<?> t = m.getReturnType();
        if (t == boolean.class) return false;
        if (t == long.class || t == int.class) return 0;
        return null;
    }

    @Override
    public void close() {
        if (http != null) { // it built the core
            core.close();
            http.close();
        }
    }
}
