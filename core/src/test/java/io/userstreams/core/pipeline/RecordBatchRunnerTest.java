package io.userstreams.core.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import io.userstreams.core.change.ChangeKind;
import io.userstreams.core.change.ChangeRecord;
import io.userstreams.core.processing.BatchOutcome;
import io.userstreams.core.processing.BatchProcessor;
import io.userstreams.core.processing.OrderedBatchProcessor;
import io.userstreams.core.processing.UnconvertibleRecord;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/**
 * The runner's contract with a toy record type ("eventId/user", "bad:..." cannot be converted):
 * de-duplication, dead letters in place, fail fast, the done prefix, lanes, the deadline.
 */
class RecordBatchRunnerTest {

    final List<List<String>> calls = new ArrayList<>();
    final List<UnconvertibleRecord> unconvertible = new ArrayList<>();

    /** "e3/u1" → eventId e3 of user u1, sequence number 3; "bad:e4" → unconvertible. */
    static final RecordAdapter<String> ADAPTER = new RecordAdapter<>() {
        @Override
        public ChangeRecord toChangeRecord(String r) {
            if (r.startsWith("bad:")) {
                throw new IllegalArgumentException("no type on an attribute");
            }
            String[] parts = r.split("/");
            return new ChangeRecord(parts[0], ChangeKind.INSERT, false,
                    Map.of("userId", AttributeValue.fromS(parts[1])), Map.of(), Map.of(), "shard-1",
                    parts[0].substring(1), Instant.EPOCH);
        }

        @Override
        public UnconvertibleRecord unconvertible(String r, RuntimeException error) {
            return new UnconvertibleRecord(r.substring(4), "shard-1", null, "\"" + r + "\"", error.getMessage());
        }
    };

    BatchProcessor recording(BatchProcessor inner) {
        return records -> {
            synchronized (calls) {
                calls.add(records.stream().map(ChangeRecord::eventId).toList());
            }
            return inner.process(records);
        };
    }

    RecordBatchRunner<String> runner(BatchProcessor processor) {
        return RecordBatchRunner.builder(ADAPTER, recording(processor), unconvertible::add).build();
    }

    static BatchProcessor failingAt(String eventId) {
        return records -> {
            for (int i = 0; i < records.size(); i++) {
                if (records.get(i).eventId().equals(eventId)) {
                    return new BatchOutcome(i, 0, Optional.of(records.get(i)), Optional.of(new RuntimeException("503")));
                }
            }
            return BatchOutcome.allDone(records.size(), 0);
        };
    }

    @Test
    void allDoneWhenTheProcessorFinishesEverything() {
        var batch = runner(rs -> BatchOutcome.allDone(rs.size(), 0)).start(List.of("e1/u1", "e2/u2", "e3/u1"));
        RecordBatchRunner.Pass pass = batch.runPass(null);
        assertThat(batch.isComplete()).isTrue();
        assertThat(pass.donePrefix()).isEqualTo(3);
        assertThat(pass.completed()).extracting(ChangeRecord::eventId).containsExactly("e1", "e2", "e3");
        assertThat(calls).containsExactly(List.of("e1", "e2", "e3"));
    }

    @Test
    void aRepeatedEventIdRunsOnceAtItsFirstPosition() {
        var batch = runner(rs -> BatchOutcome.allDone(rs.size(), 0)).start(List.of("e1/u1", "e2/u2", "e1/u1"));
        batch.runPass(null);
        assertThat(batch.isComplete()).isTrue();
        assertThat(batch.duplicates()).isEqualTo(1);
        assertThat(calls).containsExactly(List.of("e1", "e2"));
    }

    @Test
    void anUnconvertibleRecordIsDeadLetteredInItsPlace() {
        var batch = runner(rs -> BatchOutcome.allDone(rs.size(), 0)).start(List.of("e1/u1", "bad:e2", "e3/u1"));
        batch.runPass(null);
        assertThat(batch.isComplete()).isTrue();
        assertThat(calls).containsExactly(List.of("e1"), List.of("e3"));
        assertThat(unconvertible).extracting(UnconvertibleRecord::eventId).containsExactly("e2");
        assertThat(batch.unconvertible()).isEqualTo(1);
        assertThat(batch.deadLettered()).isEqualTo(1);
    }

    @Test
    void anUnreachableDeadLetterQueueStopsTheBatchAtThatRecordAndNothingAfterItRuns() {
        var batch = RecordBatchRunner.builder(ADAPTER, recording(rs -> BatchOutcome.allDone(rs.size(), 0)), r -> {
            throw new IllegalStateException("sqs unreachable");
        }).build().start(List.of("e1/u1", "bad:e2", "e3/u1"));
        RecordBatchRunner.Pass pass = batch.runPass(null);
        assertThat(pass.stopped()).isTrue();
        assertThat(batch.donePrefix()).isEqualTo(1);
        assertThat(calls).containsExactly(List.of("e1"));
    }

    @Test
    void aSystemicFailureStopsThePassAndTheNextPassRunsOnlyTheUnfinishedRecords() {
        AtomicInteger call = new AtomicInteger();
        BatchProcessor flaky = rs -> call.incrementAndGet() == 1 ? failingAt("e2").process(rs)
                : BatchOutcome.allDone(rs.size(), 0);
        var batch = runner(flaky).start(List.of("e1/u1", "e2/u2", "bad:e3", "e4/u1"));
        RecordBatchRunner.Pass first = batch.runPass(null);
        assertThat(first.stopped()).isTrue();
        assertThat(first.donePrefix()).isEqualTo(1);
        assertThat(unconvertible).as("nothing after the failure").isEmpty();

        RecordBatchRunner.Pass second = batch.runPass(null);
        assertThat(second.stopped()).isFalse();
        assertThat(batch.isComplete()).isTrue();
        assertThat(second.completed()).extracting(ChangeRecord::eventId).containsExactly("e2", "e4");
        assertThat(calls).containsExactly(List.of("e1", "e2"), List.of("e2"), List.of("e4"));
    }

    @Test
    void aProcessorThatThrowsIsASystemicStopNotASkip() {
        var batch = runner(rs -> {
            throw new IllegalStateException("bug");
        }).start(List.of("e1/u1", "e2/u2"));
        RecordBatchRunner.Pass pass = batch.runPass(null);
        assertThat(pass.failure()).get().isInstanceOf(IllegalStateException.class);
        assertThat(batch.donePrefix()).isZero();
    }

    @Test
    void lanesKeepEachItemsOrderAndThePrefixStopsAtTheFailure() {
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try {
            RecordBatchRunner<String> runner = RecordBatchRunner.builder(ADAPTER, recording(failingAt("e2")),
                    unconvertible::add).lanes(2, pool).build();
            List<String> records = new ArrayList<>();
            for (int i = 1; i <= 20; i++) {
                records.add("e" + i + "/u" + (i % 4));
            }
            var batch = runner.start(records);
            RecordBatchRunner.Pass pass = batch.runPass(null);
            assertThat(pass.stopped()).isTrue();
            assertThat(pass.donePrefix()).isEqualTo(1);
            // The lane without e2 finished its records after e2 too; e2's lane stopped at e2.
            assertThat(pass.completed()).extracting(ChangeRecord::eventId).doesNotContain("e2", "e6", "e10")
                    .hasSizeGreaterThan(1);
            for (List<String> call : calls) {
                assertThat(call.stream().map(e -> Integer.parseInt(e.substring(1))).toList()).isSorted();
            }
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void maxRecordsPerPassBoundsOnePass() {
        RecordBatchRunner<String> runner = RecordBatchRunner.builder(ADAPTER,
                recording(rs -> BatchOutcome.allDone(rs.size(), 0)), unconvertible::add).maxRecordsPerPass(2).build();
        var batch = runner.start(List.of("e1/u1", "e2/u2", "e3/u3"));
        assertThat(batch.runPass(null).donePrefix()).isEqualTo(2);
        assertThat(batch.runPass(null).donePrefix()).isEqualTo(3);
        assertThat(calls).containsExactly(List.of("e1", "e2"), List.of("e3"));
    }

    @Test
    void aPassedDeadlineHandsTheRestBack() {
        Instant now = Instant.parse("2026-12-06T12:00:00Z");
        RecordBatchRunner<String> runner = RecordBatchRunner.builder(ADAPTER,
                recording(rs -> BatchOutcome.allDone(rs.size(), 0)), unconvertible::add)
                .clock(Clock.fixed(now, ZoneOffset.UTC)).build();
        var batch = runner.start(List.of("e1/u1", "bad:e2", "e3/u3"));
        RecordBatchRunner.Pass pass = batch.runPass(now.minusSeconds(1));
        assertThat(pass.donePrefix()).as("the first stretch runs, then the deadline stops the pass").isEqualTo(1);
        assertThat(pass.failure()).get().isInstanceOf(OrderedBatchProcessor.DeadlineException.class);
        assertThat(unconvertible).isEmpty();
    }

    @Test
    void aNullRecordIsUnconvertibleNotACrash() {
        RecordAdapter<String> nullSafe = new RecordAdapter<>() {
            @Override
            public ChangeRecord toChangeRecord(String r) {
                return ADAPTER.toChangeRecord(r);
            }

            @Override
            public UnconvertibleRecord unconvertible(String r, RuntimeException error) {
                return new UnconvertibleRecord(null, null, null, "null", String.valueOf(error.getMessage()));
            }
        };
        List<String> records = new ArrayList<>();
        records.add("e1/u1");
        records.add(null);
        var batch = RecordBatchRunner.builder(nullSafe, recording(rs -> BatchOutcome.allDone(rs.size(), 0)),
                unconvertible::add).build().start(records);
        batch.runPass(null);
        assertThat(batch.isComplete()).isTrue();
        assertThat(unconvertible).hasSize(1);
    }
}
