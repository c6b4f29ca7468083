package io.userstreams.kcl;

import io.userstreams.core.processing.BatchProcessor;
import io.userstreams.core.processing.RetryPolicy;
import io.userstreams.core.processing.UnconvertibleRecordQueue;
import java.time.Duration;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import software.amazon.kinesis.processor.ShardRecordProcessor;
import software.amazon.kinesis.processor.ShardRecordProcessorFactory;

/** The application's shard record processors: one {@link KclShardProcessor} per shard KCL assigns. */
final class ConsumerShardProcessors implements ShardRecordProcessorFactory, AutoCloseable {

    private static final AtomicInteger LANE_THREADS = new AtomicInteger();

    /**
     * Systemic retries back off to 5 s at most: a sink that is back is noticed within 5 s (the fault
     * suite's OpenSearch outage recovered in 9-14 s with 20 s), and one retry per shard every 5 s
     * costs a down sink nothing.
     */
    static final RetryPolicy BACKOFF = new RetryPolicy(Integer.MAX_VALUE, Duration.ofMillis(200), Duration.ofSeconds(5));

    private final KclShardProcessor.Context context;
    private final ExecutorService lanePool;

    /** @param stopping true once shutdown started */
    ConsumerShardProcessors(int parallelism, BatchProcessor processor, UnconvertibleRecordQueue unconvertible,
                            ShardProcessor.Listener listener, ConsumerMetrics metrics, WorkerLeases leases,
                            BooleanSupplier stopping) {
        this.lanePool = parallelism <= 1 ? null : Executors.newFixedThreadPool(parallelism * 2, r -> {
            Thread t = new Thread(r, "lane-" + LANE_THREADS.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        this.context = new KclShardProcessor.Context() {
            @Override
            public ShardProcessor newShardProcessor(String shardId) {
                return ShardProcessor.create(shardId, processor, unconvertible,
                        () -> !stopping.getAsBoolean() && leases.holds(shardId), listener, BACKOFF, parallelism,
                        lanePool);
            }

            @Override
            public void released(String shardId) {
                metrics.shardReleased(shardId);
            }

            @Override
            public void abandon(String shardId) {
                leases.abandon(shardId);
            }
        };
    }

    @Override
    public ShardRecordProcessor shardRecordProcessor() {
        return new KclShardProcessor(context);
    }

    @Override
    public void close() {
        if (lanePool != null) {
            lanePool.shutdownNow();
        }
    }
}
