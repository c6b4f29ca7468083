package io.userstreams.faults;

import com.amazonaws.services.lambda.runtime.events.DynamodbEvent;
import com.amazonaws.services.lambda.runtime.events.StreamsEventResponse;
import io.userstreams.cli.stream.StreamReader;
import io.userstreams.lambda.UserStreamHandler;
import io.userstreams.testkit.LambdaEvents;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.services.dynamodb.model.Record;
import software.amazon.awssdk.services.dynamodb.streams.DynamoDbStreamsClient;

/**
 * Lambda's event source mapping for a DynamoDB stream, as the template configures it, driving the
 * real {@link UserStreamHandler} in this JVM: one invocation at a time per shard, batches of
 * {@code batchSize}, ReportBatchItemFailures honoured (the batch is retried from the first failed
 * record), a thrown invocation retried whole, with backoff, until it succeeds — the handler itself
 * dead-letters poison records, so only systemic trouble is retried here.
 */
final class LambdaEventSource implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(LambdaEventSource.class);

    private final String name;
    private final UserStreamHandler handler;
    private final StreamReader reader;
    private final int batchSize;
    private final Thread thread;
    private volatile boolean stopped;
    private volatile long lastEmptyPollAt;
    private final AtomicLong invocations = new AtomicLong();
    private final AtomicLong retries = new AtomicLong();
    private final AtomicLong records = new AtomicLong();

    /** @param fromLatest start at the stream's tip (a new mapping) instead of its oldest record */
    LambdaEventSource(String name, UserStreamHandler handler, DynamoDbStreamsClient streams, String streamArn,
                      boolean fromLatest, int batchSize) {
        this.name = name;
        this.handler = handler;
        this.reader = new StreamReader(streams, streamArn, fromLatest);
        this.batchSize = batchSize;
        this.reader.refresh();
        this.thread = new Thread(this::pollLoop, "lambda-esm-" + name);
        this.thread.setDaemon(true);
    }

    LambdaEventSource start() {
        thread.start();
        return this;
    }

    private void pollLoop() {
        long lastRefresh = System.nanoTime();
        while (!stopped) {
            try {
                long pollStart = System.nanoTime();
                int n = reader.poll((shardId, batch) -> deliver(batch), 1000);
                if (n == 0) {
                    lastEmptyPollAt = pollStart;
                    sleep(200);
                }
                if (System.nanoTime() - lastRefresh > 5_000_000_000L) {
                    reader.refresh();     // new shards after a rollover
                    lastRefresh = System.nanoTime();
                }
            } catch (RuntimeException e) {
                if (!stopped) {
                    log.atWarn().setCause(e).addKeyValue("mapping", name).log("stream poll failed; retrying");
                    sleep(500);
                }
            }
        }
    }

    /** One shard's records in order, in invocations of at most {@code batchSize}. */
    private void deliver(List<Record> shardRecords) {
        for (int from = 0; from < shardRecords.size() && !stopped; from += batchSize) {
            List<Record> remaining = shardRecords.subList(from, Math.min(shardRecords.size(), from + batchSize));
            long backoff = 100;
            while (!remaining.isEmpty() && !stopped) {
                int failedAt = invoke(remaining);
                if (failedAt < 0) {
                    records.addAndGet(remaining.size());
                    break;
                }
                records.addAndGet(failedAt);
                remaining = remaining.subList(failedAt, remaining.size());
                retries.incrementAndGet();
                sleep(backoff);
                backoff = Math.min(2000, backoff * 2);
            }
        }
    }

    /** Invokes the handler; returns -1 when all succeeded, else the index to retry from. */
    private int invoke(List<Record> batch) {
        DynamodbEvent event = new DynamodbEvent();
        event.setRecords(batch.stream().map(r -> LambdaEvents.toLambda(r, reader.streamArn())).toList());
        invocations.incrementAndGet();
        StreamsEventResponse response;
        try {
            response = handler.handleRequest(event, null);
        } catch (RuntimeException e) {
            log.atWarn().setCause(e).addKeyValue("mapping", name).log("invocation failed; the batch is retried");
            return 0;
        }
        if (response == null || response.getBatchItemFailures() == null || response.getBatchItemFailures().isEmpty()) {
            return -1;
        }
        String first = response.getBatchItemFailures().get(0).getItemIdentifier();
        for (int i = 0; i < batch.size(); i++) {
            if (batch.get(i).dynamodb().sequenceNumber().equals(first)) {
                return i;
            }
        }
        return 0;   // an identifier not in the batch: Lambda retries the whole batch
    }

    /** True once a poll that started after {@code since} (System.nanoTime()) found nothing new. */
    boolean caughtUpSince(long since) {
        return lastEmptyPollAt > since;
    }

    /** Waits until the mapping has read everything written before this call. */
    void awaitCaughtUp(Duration timeout) {
        long since = System.nanoTime();
        long deadline = since + timeout.toNanos();
        while (!caughtUpSince(since)) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("event source " + name + " did not catch up within " + timeout);
            }
            sleep(100);
        }
    }

    long invocations() {
        return invocations.get();
    }

    long retries() {
        return retries.get();
    }

    long records() {
        return records.get();
    }

    @Override
    public void close() {
        stopped = true;
        thread.interrupt();
        try {
            thread.join(10_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
