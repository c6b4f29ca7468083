package io.userstreams.kcl;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.amazonaws.services.dynamodbv2.streamsadapter.adapter.DynamoDBStreamsClientRecord;
import com.amazonaws.services.dynamodbv2.streamsadapter.model.DynamoDBStreamsProcessRecordsInput;
import io.userstreams.core.processing.BatchOutcome;
import io.userstreams.core.processing.BatchProcessor;
import io.userstreams.core.processing.RetryPolicy;
import java.lang.reflect.Proxy;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.OperationType;
import software.amazon.awssdk.services.dynamodb.model.Record;
import software.amazon.awssdk.services.dynamodb.model.StreamRecord;
import software.amazon.kinesis.lifecycle.events.InitializationInput;
import software.amazon.kinesis.lifecycle.events.ShardEndedInput;
import software.amazon.kinesis.processor.RecordProcessorCheckpointer;
import software.amazon.kinesis.retrieval.kpl.ExtendedSequenceNumber;

/**
 * The KCL lifecycle around a shard processor, driven as KCL 3.1.1 drives it (processRecords, then
 * shardEnded at a shard end): no checkpoint, SHARD_END included, may pass a record that was dropped.
 */
class KclShardProcessorTest {

    static final String SHARD_END = "SHARD_END";

    final List<String> checkpoints = new ArrayList<>();
    final List<String> processed = new ArrayList<>();
    final List<String> abandoned = new ArrayList<>();

    static String seq(int i) {
        return String.format("%021d", i);
    }

    static List<Record> records(int from, int to) {
        List<Record> out = new ArrayList<>();
        for (int i = from; i <= to; i++) {
            out.add(Record.builder().eventID("e" + i).eventName(OperationType.INSERT)
                    .dynamodb(StreamRecord.builder().keys(Map.of("userId", AttributeValue.fromS("u" + i)))
                            .newImage(Map.of("userId", AttributeValue.fromS("u" + i)))
                            .sequenceNumber(seq(i)).approximateCreationDateTime(Instant.now()).build())
                    .build());
        }
        return out;
    }

    /** Records every checkpoint; {@code checkpoint()} without arguments is SHARD_END. */
    RecordProcessorCheckpointer checkpointer() {
        return (RecordProcessorCheckpointer) Proxy.newProxyInstance(RecordProcessorCheckpointer.class.getClassLoader(),
                new Class<?>[] {RecordProcessorCheckpointer.class}, (proxy, method, args) -> {
                    if (method.getName().equals("checkpoint")) {
                        checkpoints.add(args == null || args.length == 0 ? SHARD_END : String.valueOf(args[0]));
                    }
                    return null;
                });
    }

    KclShardProcessor processor(BatchProcessor batches, BooleanSupplier keepGoing) {
        BatchProcessor recording = rs -> {
            rs.forEach(r -> processed.add(r.sequenceNumber()));
            return batches.process(rs);
        };
        RetryPolicy backoff = new RetryPolicy(Integer.MAX_VALUE, Duration.ofMillis(1), Duration.ofMillis(2));
        KclShardProcessor p = new KclShardProcessor(new KclShardProcessor.Context() {
            @Override
            public ShardProcessor newShardProcessor(String shardId) {
                return ShardProcessor.create(shardId, recording, r -> { }, keepGoing,
                        new ShardProcessor.Listener() { }, backoff, 1, null);
            }

            @Override
            public void released(String shardId) {
            }

            @Override
            public void abandon(String shardId) {
                abandoned.add(shardId);
            }
        });
        p.initialize(InitializationInput.builder().shardId("shardId-1")
                .extendedSequenceNumber(ExtendedSequenceNumber.TRIM_HORIZON).build());
        return p;
    }

    void deliver(KclShardProcessor p, List<Record> records, boolean atShardEnd) {
        List<DynamoDBStreamsClientRecord> input = new ArrayList<>();
        records.forEach(r -> input.add(DynamoDBStreamsClientRecord.fromRecord(r)));
        p.processRecords(DynamoDBStreamsProcessRecordsInput.builder().records(input).checkpointer(checkpointer())
                .cacheEntryTime(Instant.now()).cacheExitTime(Instant.now()).isAtShardEnd(atShardEnd)
                .millisBehindLatest(0L).build());
    }

    /** The first call is done up to (not including) {@code failAt}, where a sink is down; later calls finish. */
    static BatchProcessor downOnceAt(int failAt) {
        java.util.concurrent.atomic.AtomicBoolean first = new java.util.concurrent.atomic.AtomicBoolean(true);
        return rs -> {
            int done = !first.getAndSet(false) ? rs.size()
                    : (int) rs.stream().takeWhile(r -> r.sequenceNumber().compareTo(seq(failAt)) < 0).count();
            return done == rs.size() ? BatchOutcome.allDone(done, 0)
                    : new BatchOutcome(done, 0, Optional.of(rs.get(done)), Optional.of(new RuntimeException("503")));
        };
    }

    @Test
    void aShardEndAfterAStopMidBatchNeverCheckpointsShardEnd() {
        // SIGTERM while the sink is down at record 3 of the shard's last batch.
        Deque<Boolean> keepGoing = new ConcurrentLinkedDeque<>(List.of(true, true));
        KclShardProcessor p = processor(downOnceAt(3), () -> keepGoing.isEmpty() ? false : keepGoing.poll());

        deliver(p, records(1, 5), true);
        assertThat(checkpoints).containsExactly(seq(2));

        // KCL now runs its shard-end task; records 3-5 were never processed.
        assertThatThrownBy(() -> p.shardEnded(ShardEndedInput.builder().checkpointer(checkpointer()).build()))
                .as("KCL retries the shard-end task instead of closing the shard").isInstanceOf(RuntimeException.class);
        assertThat(checkpoints).doesNotContain(SHARD_END).containsExactly(seq(2));
        assertThat(abandoned).as("the shard is given up so it restarts from its checkpoint").containsOnly("shardId-1");
    }

    @Test
    void aShardEndAfterEveryRecordIsDoneCheckpointsShardEnd() {
        KclShardProcessor p = processor(downOnceAt(Integer.MAX_VALUE), () -> true);

        deliver(p, records(1, 5), true);
        p.shardEnded(ShardEndedInput.builder().checkpointer(checkpointer()).build());

        assertThat(checkpoints).containsExactly(seq(5), SHARD_END);
        assertThat(abandoned).isEmpty();
    }

    @Test
    void aLeaseLostAndRegainedBetweenBatchesNeverLetsALaterBatchCheckpointPastDroppedRecords() {
        // The lease check says "lost" for a moment (while record 3 waits for its retry), then "held" again.
        Deque<Boolean> leaseChecks = new ConcurrentLinkedDeque<>(List.of(true, false, false));
        KclShardProcessor p = processor(downOnceAt(3), () -> leaseChecks.isEmpty() || leaseChecks.poll());

        deliver(p, records(1, 5), false);
        assertThat(checkpoints).containsExactly(seq(2));

        // KCL did not notice and hands over the next batch (records 6-8; 3-5 were dropped).
        deliver(p, records(6, 8), false);
        assertThat(checkpoints).as("nothing past record 2 until 3-5 are done").containsExactly(seq(2));
        assertThat(processed).doesNotContain(seq(6), seq(7), seq(8));
        assertThat(abandoned).containsExactly("shardId-1");

        // And if that shard ends now, it is not closed either.
        assertThatThrownBy(() -> p.shardEnded(ShardEndedInput.builder().checkpointer(checkpointer()).build()))
                .isInstanceOf(RuntimeException.class);
        assertThat(checkpoints).doesNotContain(SHARD_END);
    }

    @Test
    void anUnexpectedExceptionDropsTheRestLikeAStopDoes() {
        java.util.concurrent.atomic.AtomicBoolean first = new java.util.concurrent.atomic.AtomicBoolean(true);
        KclShardProcessor p = processor(rs -> {
            if (first.getAndSet(false)) {
                throw new Error("not a RuntimeException: escapes the runner");
            }
            return BatchOutcome.allDone(rs.size(), 0);
        }, () -> true);
        assertThatThrownBy(() -> deliver(p, records(1, 3), false)).isInstanceOf(Error.class);
        deliver(p, records(4, 5), true);
        assertThat(checkpoints).as("nothing past the records the error left unfinished").isEmpty();
        assertThatThrownBy(() -> p.shardEnded(ShardEndedInput.builder().checkpointer(checkpointer()).build()))
                .isInstanceOf(RuntimeException.class);
        assertThat(checkpoints).doesNotContain(SHARD_END);
    }
}
