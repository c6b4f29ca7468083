package io.userstreams.kcl;

import static org.assertj.core.api.Assertions.assertThat;

import io.userstreams.core.processing.BatchOutcome;
import io.userstreams.core.processing.BatchProcessor;
import io.userstreams.core.processing.RetryPolicy;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.OperationType;
import software.amazon.awssdk.services.dynamodb.model.Record;
import software.amazon.awssdk.services.dynamodb.model.StreamRecord;

/** The checkpoint rules, with fakes: never past an unfinished record, nothing skipped, order kept. */
class ShardProcessorTest {

    private final List<String> checkpoints = new ArrayList<>();
    private final List<String> processedSeqs = new ArrayList<>();
    private final List<String> deadLettered = new ArrayList<>();
    private final AtomicBoolean keepGoing = new AtomicBoolean(true);

    private static Record record(int seq) {
        return Record.builder().eventID("e" + seq).eventName(OperationType.INSERT)
                .dynamodb(StreamRecord.builder().keys(Map.of("userId", AttributeValue.fromS("u" + seq)))
                        .newImage(Map.of("userId", AttributeValue.fromS("u" + seq)))
                        .sequenceNumber(String.format("%021d", seq))
                        .approximateCreationDateTime(Instant.now()).build())
                .build();
    }

    private static List<Record> records(int from, int to) {
        List<Record> out = new ArrayList<>();
        for (int i = from; i <= to; i++) {
            out.add(record(i));
        }
        return out;
    }

    private static final RetryPolicy BACKOFF = new RetryPolicy(Integer.MAX_VALUE, Duration.ofMillis(1),
            Duration.ofMillis(5));

    private ShardProcessor worker(BatchProcessor processor) {
        return ShardProcessor.create("shard-1", processor, r -> deadLettered.add(r.sequenceNumber()),
                keepGoing::get, new ShardProcessor.Listener() { }, BACKOFF, 1, null);
    }

    private ShardProcessor.Checkpointer checkpointer() {
        return seq -> checkpoints.add(seq);
    }

    private BatchProcessor recording(BatchProcessor inner) {
        return rs -> {
            rs.forEach(r -> processedSeqs.add(r.sequenceNumber()));
            return inner.process(rs);
        };
    }

    private static String seq(int i) {
        return String.format("%021d", i);
    }

    @Test
    void checkpointsTheLastRecordOfACompleteBatch() throws Exception {
        boolean done = worker(recording(rs -> BatchOutcome.allDone(rs.size(), 0))).process(records(1, 5), checkpointer());
        assertThat(done).isTrue();
        assertThat(checkpoints).containsExactly(seq(5));
        assertThat(processedSeqs).containsExactly(seq(1), seq(2), seq(3), seq(4), seq(5));
    }

    @Test
    void systemicFailureCheckpointsOnlyTheDonePrefixAndRetriesTheTailInOrder() throws Exception {
        AtomicInteger calls = new AtomicInteger();
        BatchProcessor flaky = rs -> {
            if (calls.incrementAndGet() <= 3) {
                // records before seq 3 done; seq 3 hits a sink that is down
                int done = (int) rs.stream().takeWhile(r -> r.sequenceNumber().compareTo(seq(3)) < 0).count();
                return new BatchOutcome(done, 0, Optional.of(rs.get(done)), Optional.of(new RuntimeException("503")));
            }
            return BatchOutcome.allDone(rs.size(), 0);
        };
        boolean done = worker(recording(flaky)).process(records(1, 5), checkpointer());
        assertThat(done).isTrue();
        // Call 1 did 1-2 (checkpoint 2); calls 2-3 failed at 3 with no checkpoint; call 4 did 3-5.
        assertThat(checkpoints).containsExactly(seq(2), seq(5));
        assertThat(processedSeqs).containsExactly(seq(1), seq(2), seq(3), seq(4), seq(5), seq(3), seq(4), seq(5),
                seq(3), seq(4), seq(5), seq(3), seq(4), seq(5));
    }

    @Test
    void shutdownDuringRetriesNeverCheckpointsPastTheUnfinishedRecord() throws Exception {
        AtomicInteger calls = new AtomicInteger();
        BatchProcessor down = rs -> {
            if (calls.incrementAndGet() == 3) {
                keepGoing.set(false);       // SIGTERM arrives while the sink is still down
            }
            int done = (int) rs.stream().takeWhile(r -> r.sequenceNumber().compareTo(seq(3)) < 0).count();
            return new BatchOutcome(done, 0, Optional.of(rs.get(done)), Optional.of(new RuntimeException("down")));
        };
        boolean done = worker(down).process(records(1, 5), checkpointer());
        assertThat(done).isFalse();
        assertThat(checkpoints).containsExactly(seq(2));
    }

    @Test
    void lostLeaseStopsTheBatchAtOnce() throws Exception {
        ShardProcessor w = worker(recording(rs -> BatchOutcome.allDone(rs.size(), 0)));
        List<Record> big = records(1, ShardProcessor.CHUNK + 10);
        boolean done = w.process(big, seq -> {
            throw new ShardProcessor.LeaseLostException("taken", null);
        });
        assertThat(done).isFalse();
        // Only the first chunk ran: the second would be duplicated work for the new owner.
        assertThat(processedSeqs).hasSize(ShardProcessor.CHUNK);
    }

    @Test
    void processorExceptionIsRetriedNotSkipped() throws Exception {
        AtomicInteger calls = new AtomicInteger();
        BatchProcessor throwing = rs -> {
            if (calls.incrementAndGet() == 1) {
                throw new IllegalStateException("bug or outage");
            }
            return BatchOutcome.allDone(rs.size(), 0);
        };
        assertThat(worker(recording(throwing)).process(records(1, 3), checkpointer())).isTrue();
        assertThat(checkpoints).containsExactly(seq(3));
        assertThat(processedSeqs).containsExactly(seq(1), seq(2), seq(3), seq(1), seq(2), seq(3));
    }

    @Test
    void unconvertibleRecordIsDeadLetteredInPlaceAndTheShardMovesOn() throws Exception {
        List<Record> rs = new ArrayList<>(records(1, 2));
        rs.add(record(3).toBuilder().eventName("SOMETHING_NEW").build());
        rs.addAll(records(4, 5));
        assertThat(worker(recording(b -> BatchOutcome.allDone(b.size(), 0))).process(rs, checkpointer())).isTrue();
        assertThat(deadLettered).containsExactly(seq(3));
        assertThat(processedSeqs).containsExactly(seq(1), seq(2), seq(4), seq(5));
        assertThat(checkpoints).containsExactly(seq(5));
    }

    @Test
    void shutdownRequestCheckpointsWhatIsDoneOnly() throws Exception {
        ShardProcessor w = worker(rs -> BatchOutcome.allDone(rs.size(), 0));
        w.process(records(1, 2), checkpointer());
        assertThat(w.checkpointDone(checkpointer())).isTrue();
        assertThat(checkpoints).containsExactly(seq(2));   // no second write for the same position
    }

    @Test
    void parallelLanesKeepPerItemOrderAndNeverCheckpointPastAFailure() throws Exception {
        // 30 records over 5 users (u0..u4, each written 6 times); u2's sink fails twice.
        List<Record> rs = new ArrayList<>();
        for (int i = 1; i <= 30; i++) {
            String user = "u" + (i % 5);
            rs.add(record(i).toBuilder().dynamodb(record(i).dynamodb().toBuilder()
                    .keys(Map.of("userId", AttributeValue.fromS(user)))
                    .newImage(Map.of("userId", AttributeValue.fromS(user))).build()).build());
        }
        Map<String, List<String>> perUser = new java.util.concurrent.ConcurrentHashMap<>();
        AtomicInteger u2Failures = new AtomicInteger();
        BatchProcessor lanes = batch -> {
            int done = 0;
            for (var r : batch) {
                String user = r.userId().orElseThrow();
                if (user.equals("u2") && u2Failures.get() < 2) {
                    u2Failures.incrementAndGet();
                    return new BatchOutcome(done, 0, Optional.of(r), Optional.of(new RuntimeException("down")));
                }
                perUser.computeIfAbsent(user, k -> java.util.Collections.synchronizedList(new ArrayList<>()))
                        .add(r.sequenceNumber());
                done++;
            }
            return BatchOutcome.allDone(done, 0);
        };
        var pool = java.util.concurrent.Executors.newFixedThreadPool(3);
        try {
            ShardProcessor w = ShardProcessor.create("shard-1", lanes, r -> { }, keepGoing::get,
                    new ShardProcessor.Listener() { }, BACKOFF, 3, pool);
            assertThat(w.process(rs, checkpointer())).isTrue();
        } finally {
            pool.shutdownNow();
        }
        // u2's first record is seq 2: nothing at or past it was checkpointed until it was done.
        assertThat(checkpoints.get(0)).isLessThan(seq(2));
        assertThat(checkpoints).isSorted().last().isEqualTo(seq(30));
        for (var e : perUser.entrySet()) {
            assertThat(e.getValue()).as("order of " + e.getKey()).isSorted().hasSize(6).doesNotHaveDuplicates();
        }
    }

    @Test
    void consoleLineMasksEmails() {
        assertThat(ConsoleReporter.mask("kim.minji@example.com")).isEqualTo("k***@example.com");
        assertThat(ConsoleReporter.mask("nope")).isEqualTo("***");
    }

    @Test
    void settingsRejectBadValuesWithWhatToFix() {
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> ConsumerSettings.fromEnvironment(
                Map.of(ConsumerSettings.MAX_RECORDS, "5000"))).hasMessageContaining("MAX_RECORDS must be 1..1000");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> ConsumerSettings.fromEnvironment(
                Map.of(ConsumerSettings.LEADER_HEARTBEAT_MS, "9000"))).hasMessageContaining("at most a third");
        ConsumerSettings s = ConsumerSettings.fromEnvironment(Map.of());
        assertThat(s.pollInterval()).isEqualTo(Duration.ofMillis(200));
        assertThat(s.failover()).isEqualTo(Duration.ofSeconds(3));
        assertThat(s.healthBind()).isEqualTo("127.0.0.1");
        assertThat(s.streamArn()).isEmpty();
    }

}
