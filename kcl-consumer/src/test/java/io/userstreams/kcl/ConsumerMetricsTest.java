package io.userstreams.kcl;

import static org.assertj.core.api.Assertions.assertThat;

import io.userstreams.core.change.ChangeKind;
import io.userstreams.core.change.ChangeRecord;
import io.userstreams.core.config.ReactionId;
import io.userstreams.core.processing.BatchOutcome;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.dynamodb.model.Record;
import software.amazon.awssdk.services.dynamodb.model.StreamRecord;

class ConsumerMetricsTest {

    private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");

    /** A clock the test moves: the lag gauge is computed when scraped. */
    private static final class MovingClock extends Clock {
        private Instant now = T0;

        @Override
        public ZoneOffset getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(java.time.ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return now;
        }
    }

    @Test
    void counters_histograms_gauges_and_jvm_metrics_are_in_the_prometheus_text() {
        MovingClock clock = new MovingClock();
        ConsumerMetrics metrics = new ConsumerMetrics(clock);
        metrics.bind(() -> 2, () -> true);
        ChangeRecord change = change(1);

        metrics.delivered("shardId-1", records(3, T0.minusSeconds(10)));
        metrics.delivered("shardId-2", records(40, T0.minusSeconds(1)));
        metrics.delivered("shardId-2", List.of()); // caught up
        for (int i = 0; i < 3; i++) {
            metrics.recordProcessed(ReactionId.WELCOME_EMAIL, change);
        }
        metrics.recordProcessed(ReactionId.SEARCH_INDEX, change);
        metrics.recordFailed(ReactionId.SEARCH_INDEX, change, new RuntimeException("x"));
        metrics.recordFailed(ReactionId.SEARCH_INDEX, change, new RuntimeException("x"));
        metrics.recordDeadLettered(ReactionId.SEARCH_INDEX, change, new RuntimeException("x"));
        metrics.reactionCalled(ReactionId.SEARCH_INDEX, 4, Duration.ofMillis(40));
        metrics.reactionCalled(ReactionId.SEARCH_INDEX, 1, Duration.ofMillis(7));
        metrics.reactionCalled(ReactionId.WELCOME_EMAIL, 3, Duration.ofMillis(300));
        long[] regressions = {2};
        metrics.bindVersionRegressions(() -> regressions[0]);
        metrics.batchFinished(BatchOutcome.allDone(3, 1), Duration.ofMillis(20));
        metrics.batchFinished(new BatchOutcome(0, 0, Optional.of(change), Optional.of(new RuntimeException())),
                Duration.ofSeconds(3));
        metrics.completed("shardId-1", List.of(change, change, change));
        metrics.checkpointed("shardId-1", "300");
        clock.now = T0.plusMillis(500);

        Map<String, Double> samples = samples(metrics.prometheusText());

        assertThat(samples).containsEntry("user_streams_records_processed_total{reaction=\"welcome-email\"}", 3.0)
                .containsEntry("user_streams_records_processed_total{reaction=\"search-index\"}", 1.0)
                .containsEntry("user_streams_records_processed_total{reaction=\"derived-tables\"}", 0.0)
                .containsEntry("user_streams_records_failed_total{reaction=\"search-index\"}", 2.0)
                .containsEntry("user_streams_records_failed_total{reaction=\"welcome-email\"}", 0.0)
                .containsEntry("user_streams_records_dead_lettered_total{reaction=\"search-index\"}", 1.0)
                .containsEntry("user_streams_records_dead_lettered_total{reaction=\"welcome-email\"}", 0.0)
                .containsEntry("user_streams_records_delivered_total", 43.0)
                .containsEntry("user_streams_records_completed_total", 3.0)
                .containsEntry("user_streams_checkpoints_total", 1.0)
                .containsEntry("user_streams_batches_incomplete_total", 1.0)
                .containsEntry("user_streams_leases_held", 2.0)
                .containsEntry("user_streams_up", 1.0)
                // 10 s behind at delivery, read half a second later; the other shard is caught up
                .containsEntry("user_streams_shard_lag_seconds{shard=\"shardId-1\"}", 10.5)
                .containsEntry("user_streams_shard_lag_seconds{shard=\"shardId-2\"}", 0.0);

        // one 20 ms batch and one 3 s batch
        assertThat(samples).containsEntry("user_streams_batch_duration_seconds_count", 2.0)
                .containsEntry("user_streams_batch_duration_seconds_bucket{le=\"0.01\"}", 0.0)
                .containsEntry("user_streams_batch_duration_seconds_bucket{le=\"0.025\"}", 1.0)
                .containsEntry("user_streams_batch_duration_seconds_bucket{le=\"2.5\"}", 1.0)
                .containsEntry("user_streams_batch_duration_seconds_bucket{le=\"5.0\"}", 2.0)
                .containsEntry("user_streams_batch_duration_seconds_bucket{le=\"+Inf\"}", 2.0);
        assertThat(samples.get("user_streams_batch_duration_seconds_sum")).isCloseTo(3.02, within());
        // per-reaction latency: two search-index calls (7 ms, 40 ms), one welcome call (300 ms), no derived-tables call
        assertThat(samples).containsEntry("user_streams_reaction_duration_seconds_count{reaction=\"search-index\"}", 2.0)
                .containsEntry("user_streams_reaction_duration_seconds_bucket{reaction=\"search-index\",le=\"0.005\"}", 0.0)
                .containsEntry("user_streams_reaction_duration_seconds_bucket{reaction=\"search-index\",le=\"0.01\"}", 1.0)
                .containsEntry("user_streams_reaction_duration_seconds_bucket{reaction=\"search-index\",le=\"0.05\"}", 2.0)
                .containsEntry("user_streams_reaction_duration_seconds_count{reaction=\"welcome-email\"}", 1.0)
                .containsEntry("user_streams_reaction_duration_seconds_bucket{reaction=\"welcome-email\",le=\"0.25\"}", 0.0)
                .containsEntry("user_streams_reaction_duration_seconds_bucket{reaction=\"welcome-email\",le=\"0.5\"}", 1.0)
                .containsEntry("user_streams_reaction_duration_seconds_count{reaction=\"derived-tables\"}", 0.0)
                .containsEntry("user_streams_version_regressions_total", 2.0);
        assertThat(samples.get("user_streams_reaction_duration_seconds_sum{reaction=\"search-index\"}")).isCloseTo(0.047, within());
        regressions[0] = 3; // read when scraped
        assertThat(samples(metrics.prometheusText())).containsEntry("user_streams_version_regressions_total", 3.0);

        // delivered batches of 3 and 40 records; the empty read is not a batch
        assertThat(samples).containsEntry("user_streams_batch_records_count", 2.0)
                .containsEntry("user_streams_batch_records_sum", 43.0)
                .containsEntry("user_streams_batch_records_bucket{le=\"2.0\"}", 0.0)
                .containsEntry("user_streams_batch_records_bucket{le=\"5.0\"}", 1.0)
                .containsEntry("user_streams_batch_records_bucket{le=\"25.0\"}", 1.0)
                .containsEntry("user_streams_batch_records_bucket{le=\"50.0\"}", 2.0)
                .containsEntry("user_streams_batch_records_bucket{le=\"+Inf\"}", 2.0);

        // JVM and GC metrics of the library's instrumentation
        assertThat(samples.keySet()).anyMatch(k -> k.startsWith("jvm_memory_used_bytes{"))
                .anyMatch(k -> k.startsWith("jvm_threads_current"))
                .anyMatch(k -> k.startsWith("jvm_gc_collection_seconds_count{gc="));

        // the accessors other code reads agree with the exported values
        assertThat(metrics.processed(ReactionId.WELCOME_EMAIL)).isEqualTo(3);
        assertThat(metrics.deadLettered(ReactionId.SEARCH_INDEX)).isEqualTo(1);
        assertThat(metrics.delivered()).isEqualTo(43);
        assertThat(metrics.completed()).isEqualTo(3);
        assertThat(metrics.firstDelivery()).contains(T0);
        assertThat(metrics.lagSeconds()).containsEntry("shardId-1", 10.5).containsEntry("shardId-2", 0.0);
    }

    @Test
    void each_instance_has_its_own_registry() {
        ConsumerMetrics first = new ConsumerMetrics();
        ConsumerMetrics second = new ConsumerMetrics();
        first.delivered("shardId-1", records(5, Instant.now()));
        first.shardReleased("shardId-1");

        Map<String, Double> firstSamples = samples(first.prometheusText());
        Map<String, Double> secondSamples = samples(second.prometheusText());

        assertThat(firstSamples).containsEntry("user_streams_records_delivered_total", 5.0)
                .doesNotContainKey("user_streams_shard_lag_seconds{shard=\"shardId-1\"}");
        assertThat(secondSamples).containsEntry("user_streams_records_delivered_total", 0.0)
                .containsEntry("user_streams_up", 0.0);
        // both export the JVM metrics (registered once per registry, not once per JVM)
        assertThat(secondSamples.keySet()).anyMatch(k -> k.startsWith("jvm_memory_used_bytes{"));
    }

    /** Sample lines of the text format: "name{labels} value" keyed by "name{labels}". */
    static Map<String, Double> samples(String text) {
        Map<String, Double> samples = new LinkedHashMap<>();
        for (String line : text.split("\n")) {
            if (line.isBlank() || line.startsWith("#")) {
                continue;
            }
            int space = line.lastIndexOf(' ');
            samples.put(line.substring(0, space), Double.parseDouble(line.substring(space + 1)));
        }
        return samples;
    }

    private static org.assertj.core.data.Offset<Double> within() {
        return org.assertj.core.data.Offset.offset(1e-9);
    }

    private static List<Record> records(int count, Instant lastCreated) {
        return IntStream.range(0, count).mapToObj(i -> Record.builder().eventID("e" + i)
                .dynamodb(StreamRecord.builder().sequenceNumber(String.valueOf(100 + i))
                        .approximateCreationDateTime(lastCreated.minusSeconds(count - 1 - i)).build())
                .build()).toList();
    }

    private static ChangeRecord change(int seq) {
        return new ChangeRecord("e" + seq, ChangeKind.INSERT, false, null, null, null, "shardId-1",
                "1000000000000000000" + seq, T0);
    }
}
