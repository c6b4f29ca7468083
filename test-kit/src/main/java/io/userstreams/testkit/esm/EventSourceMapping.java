package io.userstreams.testkit.esm;

import io.userstreams.localdefaults.LocalDefaults;
import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.events.DynamodbEvent;
import com.amazonaws.services.lambda.runtime.events.StreamsEventResponse;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.userstreams.testkit.LambdaEvents;
import io.userstreams.lambda.LambdaStreamJson;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.services.dynamodb.model.ExpiredIteratorException;
import software.amazon.awssdk.services.dynamodb.model.GetRecordsResponse;
import software.amazon.awssdk.services.dynamodb.model.Record;
import software.amazon.awssdk.services.dynamodb.model.Shard;
import software.amazon.awssdk.services.dynamodb.model.ShardIteratorType;
import software.amazon.awssdk.services.dynamodb.model.TrimmedDataAccessException;
import software.amazon.awssdk.services.dynamodb.streams.DynamoDbStreamsClient;
import software.amazon.awssdk.services.sqs.SqsClient;

/**
 * Lambda's event source mapping for a DynamoDB stream, emulated in this JVM from the mapping's own
 * settings ({@link MappingSettings#fromTemplate}), reading the stream through the SDK v2
 * {@link DynamoDbStreamsClient} and invoking a stream function (normally the real
 * {@code UserStreamHandler}). It does what the Lambda documentation says the service does:
 * <ul>
 *   <li>shards are read parents first; records of one shard reach the function in order, one
 *       invocation at a time per shard, or per partition-key lane with {@code ParallelizationFactor}
 *       above 1 (per-item order kept);</li>
 *   <li>records not matching {@code FilterCriteria} are dropped (never delivered);</li>
 *   <li>batches of up to {@code BatchSize}, gathered for up to {@code MaximumBatchingWindowInSeconds};</li>
 *   <li>with {@code ReportBatchItemFailures}, the records before the first reported item are
 *       checkpointed and the batch is retried from it; this <b>counts as a retry</b>; an identifier
 *       not in the batch fails the whole batch (also a retry);</li>
 *   <li>a function error (exception, or running past the function's {@code Timeout}) splits the
 *       batch in two with {@code BisectBatchOnFunctionError} (a split does not count as a retry),
 *       else counts as a retry;</li>
 *   <li>after {@code MaximumRetryAttempts} retries (condition {@code RetryAttemptsExhausted}) or
 *       once a record is older than {@code MaximumRecordAgeInSeconds} ({@code RecordAgeExceeded})
 *       the records are <b>discarded</b>: the on-failure destination gets Lambda's invocation record
 *       (a pointer: shard, sequence range, arrival times, batch size; no record) and the shard moves on;</li>
 *   <li>with -1 for both, a failing batch is retried until its records leave the stream: the stream's
 *       retention ({@link Timings#streamRetention()}, 24 h in DynamoDB) trims them and they are lost
 *       without any pointer.</li>
 * </ul>
 * Not emulated: the 6 MB payload limit, tumbling windows, more than one concurrent shard poller per
 * mapping beyond the lanes described, Lambda's exact retry back-off (configurable here).
 */
public final class EventSourceMapping implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(EventSourceMapping.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    /** The function the mapping invokes: {@code UserStreamHandler::handleRequest} fits. */
    @FunctionalInterface
    public interface StreamFunction {
        StreamsEventResponse invoke(DynamodbEvent event, Context context) throws Exception;
    }

    /**
     * Timings Lambda does not let a user set: poll interval (Lambda polls each shard 4 times a
     * second), back-off between retries of a failed batch, and the stream's retention (DynamoDB
     * Streams: 24 h; tests shorten it to see what happens to records that outlive it).
     */
    public record Timings(Duration pollInterval, Duration retryBaseDelay, Duration retryMaxDelay,
                          Duration streamRetention) {
        public static final Timings DEFAULT = new Timings(Duration.ofMillis(250), Duration.ofMillis(200),
                Duration.ofSeconds(5), Duration.ofHours(24));

        public Timings withStreamRetention(Duration retention) {
            return new Timings(pollInterval, retryBaseDelay, retryMaxDelay, retention);
        }

        public Timings withRetryDelays(Duration base, Duration max) {
            return new Timings(pollInterval, base, max, streamRetention);
        }
    }

    /** Records the mapping gave up on. {@code condition}: RetryAttemptsExhausted, RecordAgeExceeded or Trimmed. */
    public record Discard(String condition, String shardId, List<Record> records, String onFailureMessage) {
    }

    private final String name;
    private final MappingSettings settings;
    private final StreamFunction function;
    private final DynamoDbStreamsClient streams;
    private final String streamArn;
    private final SqsClient sqs;
    private final String onFailureQueueUrl;
    private final String functionArn;
    private final Clock clock;
    private final Timings timings;
    private final FilterPatterns filter;

    private final Object lock = new Object();
    private final Map<String, ShardState> shards = new LinkedHashMap<>();
    private final List<Discard> discards = new ArrayList<>();
    private final Thread reader;
    private final List<Thread> workers = new ArrayList<>();
    private volatile boolean stopped;
    private volatile long lastEmptyPollAt;
    private volatile long lastShardRefreshAt;
    private boolean firstRefresh = true;

    private final AtomicLong invocations = new AtomicLong();
    private final AtomicLong retries = new AtomicLong();
    private final AtomicLong delivered = new AtomicLong();
    private final AtomicLong filteredOut = new AtomicLong();
    private final AtomicLong functionErrors = new AtomicLong();

    private EventSourceMapping(Builder b) {
        this.name = b.name;
        this.settings = Objects.requireNonNull(b.settings, "settings");
        this.function = Objects.requireNonNull(b.function, "function");
        this.streams = Objects.requireNonNull(b.streams, "streams");
        this.streamArn = Objects.requireNonNull(b.streamArn, "streamArn");
        this.sqs = b.sqs;
        this.onFailureQueueUrl = b.onFailureQueueUrl;
        if (settings.onFailureDestination() && (sqs == null || onFailureQueueUrl == null)) {
            throw new IllegalArgumentException("the mapping has an on-failure destination: give its SQS client and queue URL");
        }
        this.functionArn = b.functionArn != null ? b.functionArn
                : "arn:aws:lambda:" + LocalDefaults.REGION + ":" + LocalDefaults.ACCOUNT_ID + ":function:" + b.name;
        this.clock = b.clock;
        this.timings = b.timings;
        this.filter = new FilterPatterns(settings.filterPatterns());
        this.reader = new Thread(this::readLoop, "esm-" + name + "-reader");
        this.reader.setDaemon(true);
    }

    public static Builder builder(MappingSettings settings, StreamFunction function) {
        return new Builder(settings, function);
    }

    public MappingSettings settings() {
        return settings;
    }

    // ---------------------------------------------------------------- reading

    private void readLoop() {
        long lastRefresh = 0;
        while (!stopped) {
            try {
                if (System.nanoTime() - lastRefresh > 2_000_000_000L) {
                    long refreshStart = System.nanoTime();
                    refreshShards();
                    lastRefresh = System.nanoTime();
                    lastShardRefreshAt = refreshStart;
                }
                long pollStart = System.nanoTime();
                int n = pollOnce();
                if (n == 0) {
                    lastEmptyPollAt = pollStart;
                }
            } catch (RuntimeException e) {
                if (!stopped) {
                    log.atWarn().setCause(e).addKeyValue("mapping", name).log("stream poll failed; retrying");
                }
            }
            sleep(timings.pollInterval().toMillis());
        }
    }

    private void refreshShards() {
        List<Shard> all = new ArrayList<>();
        String start = null;
        do {
            String from = start;
            var d = streams.describeStream(b -> b.streamArn(streamArn).exclusiveStartShardId(from)).streamDescription();
            all.addAll(d.shards());
            start = d.lastEvaluatedShardId();
        } while (start != null);
        synchronized (lock) {
            for (Shard s : all) {
                if (shards.containsKey(s.shardId())) {
                    continue;
                }
                ShardState st = new ShardState(s.shardId(), s.parentShardId());
                boolean closed = s.sequenceNumberRange() != null && s.sequenceNumberRange().endingSequenceNumber() != null;
                if (firstRefresh && settings.startingPosition() == MappingSettings.StartingPosition.LATEST) {
                    if (closed) {
                        st.readDone = true;     // nothing new will arrive on it
                    } else {
                        st.iterator = streams.getShardIterator(b -> b.streamArn(streamArn).shardId(s.shardId())
                                .shardIteratorType(ShardIteratorType.LATEST)).shardIterator();
                    }
                }
                shards.put(s.shardId(), st);
                startLanes(st);
            }
            firstRefresh = false;
        }
    }

    /** One GetRecords per readable shard (a shard is readable once its parent was read to its end). */
    private int pollOnce() {
        List<ShardState> readable = new ArrayList<>();
        synchronized (lock) {
            for (ShardState s : shards.values()) {
                if (!s.readDone && parentRead(s)) {
                    readable.add(s);
                }
            }
        }
        int n = 0;
        for (ShardState s : readable) {
            if (s.iterator == null) {
                s.iterator = iterator(s);
            }
            GetRecordsResponse r;
            try {
                String it = s.iterator;
                r = streams.getRecords(b -> b.shardIterator(it).limit(1000));
            } catch (ExpiredIteratorException | TrimmedDataAccessException e) {
                s.iterator = null;
                continue;
            }
            List<Record> records = r.hasRecords() ? r.records() : List.of();
            synchronized (lock) {
                for (Record rec : records) {
                    s.lastReadSequence = rec.dynamodb().sequenceNumber();
                    if (!filter.matches(LambdaStreamJson.toJson(rec, streamArn, null))) {
                        filteredOut.incrementAndGet();
                        continue;
                    }
                    s.lanes[lane(rec)].queue.addLast(new Pending(rec, clock.instant()));
                    n++;
                }
                s.iterator = r.nextShardIterator();
                if (s.iterator == null) {
                    s.readDone = true;
                }
                lock.notifyAll();
            }
        }
        return n;
    }

    private String iterator(ShardState s) {
        return streams.getShardIterator(b -> {
            b.streamArn(streamArn).shardId(s.id);
            if (s.lastReadSequence == null) {
                b.shardIteratorType(ShardIteratorType.TRIM_HORIZON);
            } else {
                b.shardIteratorType(ShardIteratorType.AFTER_SEQUENCE_NUMBER).sequenceNumber(s.lastReadSequence);
            }
        }).shardIterator();
    }

    private boolean parentRead(ShardState s) {
        ShardState p = s.parent == null ? null : shards.get(s.parent);
        return p == null || p.readDone;
    }

    /** A parent is finished once read to its end and every record of it was handled (checkpointed or discarded). */
    private boolean parentFinished(ShardState s) {
        ShardState p = s.parent == null ? null : shards.get(s.parent);
        if (p == null) {
            return true;
        }
        if (!p.readDone) {
            return false;
        }
        for (Lane l : p.lanes) {
            if (!l.queue.isEmpty() || l.busy) {
                return false;
            }
        }
        return parentFinished(p);
    }

    private int lane(Record r) {
        if (settings.parallelizationFactor() == 1) {
            return 0;
        }
        // Lambda routes by partition key hash: one item's records always share a lane.
        String key = r.dynamodb().hasKeys() ? new java.util.TreeMap<>(r.dynamodb().keys()).toString() : "";
        return Math.floorMod(key.hashCode(), settings.parallelizationFactor());
    }

    private void startLanes(ShardState s) {
        s.lanes = new Lane[settings.parallelizationFactor()];
        for (int i = 0; i < s.lanes.length; i++) {
            Lane lane = new Lane();
            s.lanes[i] = lane;
            Thread t = new Thread(() -> laneLoop(s, lane), "esm-" + name + "-" + s.id + "-" + i);
            t.setDaemon(true);
            workers.add(t);
            t.start();
        }
    }

    // ---------------------------------------------------------------- invoking

    private void laneLoop(ShardState shard, Lane lane) {
        while (!stopped) {
            List<Record> batch;
            try {
                batch = takeBatch(shard, lane);
            } catch (InterruptedException e) {
                return;
            }
            try {
                processBatch(shard, lane, batch);
            } catch (RuntimeException e) {
                log.atError().setCause(e).addKeyValue("mapping", name).log("emulator bug while processing a batch");
            } finally {
                synchronized (lock) {
                    lane.busy = false;
                    lock.notifyAll();
                }
            }
        }
        lane.invoker.shutdownNow();
    }

    private List<Record> takeBatch(ShardState shard, Lane lane) throws InterruptedException {
        synchronized (lock) {
            while (!stopped && (lane.queue.isEmpty() || !parentFinished(shard))) {
                lock.wait(200);
            }
            if (stopped) {
                throw new InterruptedException("stopped");
            }
            long windowMs = settings.maximumBatchingWindow().toMillis();
            if (windowMs > 0) {
                Instant until = lane.queue.peekFirst().readAt.plusMillis(windowMs);
                while (!stopped && lane.queue.size() < settings.batchSize() && clock.instant().isBefore(until)) {
                    lock.wait(Math.max(1, Math.min(100, until.toEpochMilli() - clock.millis())));
                }
            }
            if (stopped) {
                throw new InterruptedException("stopped");
            }
            List<Record> batch = new ArrayList<>();
            while (!lane.queue.isEmpty() && batch.size() < settings.batchSize()) {
                batch.add(lane.queue.pollFirst().record);
            }
            lane.busy = true;
            return batch;
        }
    }

    private enum Kind { SUCCESS, PARTIAL, ERROR }

    private record Outcome(Kind kind, int failedAt, String error) {
    }

    /** One batch through Lambda's retry, bisect and discard rules; returns when every record is checkpointed or discarded. */
    private void processBatch(ShardState shard, Lane lane, List<Record> batch) {
        Deque<List<Record>> work = new ArrayDeque<>();
        work.add(batch);
        int retriesOfHead = 0;
        int invokesOfHead = 0;
        Outcome last = null;
        while (!work.isEmpty() && !stopped) {
            List<Record> b = work.peekFirst();
            // Records the stream no longer holds are gone: no invocation, no pointer.
            int trimmed = 0;
            while (trimmed < b.size() && olderThan(b.get(trimmed), timings.streamRetention())) {
                trimmed++;
            }
            if (trimmed > 0) {
                discard("Trimmed", shard, b.subList(0, trimmed), 0, null, false);
                b = replaceHead(work, b.subList(trimmed, b.size()));
                if (b == null) {
                    continue;
                }
            }
            if (settings.maximumRecordAge() != null) {
                int old = 0;
                while (old < b.size() && olderThan(b.get(old), settings.maximumRecordAge())) {
                    old++;
                }
                if (old > 0) {
                    discard("RecordAgeExceeded", shard, b.subList(0, old), invokesOfHead, last, true);
                    retriesOfHead = 0;
                    invokesOfHead = 0;
                    last = null;
                    replaceHead(work, b.subList(old, b.size()));
                    continue;
                }
            }
            Outcome o = invoke(shard, lane, b);
            invokesOfHead++;
            last = o;
            if (o.kind == Kind.SUCCESS) {
                delivered.addAndGet(b.size());
                work.pollFirst();
                retriesOfHead = 0;
                invokesOfHead = 0;
                last = null;
                continue;
            }
            if (o.kind == Kind.ERROR) {
                functionErrors.incrementAndGet();
                if (settings.bisectBatchOnFunctionError() && b.size() > 1) {
                    work.pollFirst();
                    int half = b.size() / 2;
                    work.addFirst(b.subList(half, b.size()));
                    work.addFirst(b.subList(0, half));
                    invokesOfHead = 0;
                    continue;
                }
            } else {
                delivered.addAndGet(o.failedAt);
                b = replaceHead(work, b.subList(o.failedAt, b.size()));
            }
            retriesOfHead++;
            if (settings.maximumRetryAttempts() >= 0 && retriesOfHead > settings.maximumRetryAttempts()) {
                discard("RetryAttemptsExhausted", shard, b, invokesOfHead, o, true);
                work.pollFirst();
                retriesOfHead = 0;
                invokesOfHead = 0;
                last = null;
                continue;
            }
            retries.incrementAndGet();
            sleep(backoff(retriesOfHead));
        }
    }

    /** Replaces the head of the work list; null when the replacement is empty (the head is then removed). */
    private static List<Record> replaceHead(Deque<List<Record>> work, List<Record> replacement) {
        work.pollFirst();
        if (replacement.isEmpty()) {
            return null;
        }
        work.addFirst(replacement);
        return replacement;
    }

    private boolean olderThan(Record r, Duration age) {
        Instant created = r.dynamodb().approximateCreationDateTime();
        return created != null && created.plus(age).isBefore(clock.instant());
    }

    private long backoff(int retry) {
        long base = timings.retryBaseDelay().toMillis();
        long cap = timings.retryMaxDelay().toMillis();
        return Math.min(cap, base << Math.min(20, Math.max(0, retry - 1)));
    }

    private Outcome invoke(ShardState shard, Lane lane, List<Record> batch) {
        DynamodbEvent event = new DynamodbEvent();
        event.setRecords(batch.stream().map(r -> LambdaEvents.toLambda(r, streamArn)).toList());
        Instant deadline = clock.instant().plus(settings.functionTimeout());
        EmulatedContext context = new EmulatedContext(UUID.randomUUID().toString(), name, functionArn, deadline, clock);
        invocations.incrementAndGet();
        Future<StreamsEventResponse> f = lane.invoker.submit(() -> function.invoke(event, context));
        StreamsEventResponse response;
        try {
            response = f.get(settings.functionTimeout().toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            // Lambda stops the sandbox; here the thread is interrupted and left behind, and the lane
            // gets a fresh one, so a hung invocation cannot block the next.
            f.cancel(true);
            lane.invoker.shutdownNow();
            lane.invoker = Lane.newInvoker();
            log.atWarn().addKeyValue("mapping", name).addKeyValue("shardId", shard.id)
                    .log("invocation timed out after " + settings.functionTimeout());
            return new Outcome(Kind.ERROR, 0, "Task timed out after " + settings.functionTimeout().toSeconds() + " seconds");
        } catch (ExecutionException e) {
            log.atWarn().addKeyValue("mapping", name).addKeyValue("error", String.valueOf(e.getCause()))
                    .log("invocation failed (function error)");
            return new Outcome(Kind.ERROR, 0, String.valueOf(e.getCause()));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            f.cancel(true);
            return new Outcome(Kind.ERROR, 0, "interrupted");
        }
        if (!settings.reportBatchItemFailures() || response == null || response.getBatchItemFailures() == null
                || response.getBatchItemFailures().isEmpty()) {
            return new Outcome(Kind.SUCCESS, batch.size(), null);
        }
        // Lambda checkpoints before the lowest reported sequence number.
        int first = Integer.MAX_VALUE;
        for (var failure : response.getBatchItemFailures()) {
            String id = failure.getItemIdentifier();
            int at = -1;
            for (int i = 0; id != null && !id.isEmpty() && i < batch.size(); i++) {
                if (id.equals(batch.get(i).dynamodb().sequenceNumber())) {
                    at = i;
                    break;
                }
            }
            first = Math.min(first, at < 0 ? 0 : at);   // an unknown identifier fails the whole batch
        }
        return new Outcome(Kind.PARTIAL, first, null);
    }

    // ---------------------------------------------------------------- discarding

    private void discard(String condition, ShardState shard, List<Record> records, int invokeCount, Outcome last,
                         boolean toDestination) {
        List<Record> copy = List.copyOf(records);
        String message = null;
        if (toDestination && settings.onFailureDestination()) {
            message = invocationRecord(condition, shard.id, copy, invokeCount, last);
            String body = message;
            for (int attempt = 1; ; attempt++) {
                try {
                    sqs.sendMessage(b -> b.queueUrl(onFailureQueueUrl).messageBody(body));
                    break;
                } catch (RuntimeException e) {
                    if (attempt >= 10 || stopped) {
                        log.atError().setCause(e).addKeyValue("mapping", name)
                                .log("on-failure destination unreachable; the pointer is lost");
                        break;
                    }
                    sleep(200L * attempt);
                }
            }
        }
        log.atWarn().addKeyValue("mapping", name).addKeyValue("condition", condition).addKeyValue("shardId", shard.id)
                .addKeyValue("records", copy.size())
                .addKeyValue("startSequenceNumber", copy.get(0).dynamodb().sequenceNumber())
                .addKeyValue("endSequenceNumber", copy.get(copy.size() - 1).dynamodb().sequenceNumber())
                .log("records discarded by the event source mapping");
        synchronized (lock) {
            discards.add(new Discard(condition, shard.id, copy, message));
        }
    }

    /** Lambda's on-failure invocation record for a stream batch: metadata only, never the records. */
    private String invocationRecord(String condition, String shardId, List<Record> records, int invokeCount,
                                    Outcome last) {
        ObjectNode n = JSON.createObjectNode();
        ObjectNode request = n.putObject("requestContext");
        request.put("requestId", UUID.randomUUID().toString());
        request.put("functionArn", functionArn);
        request.put("condition", condition);
        request.put("approximateInvokeCount", invokeCount);
        if (last != null) {
            ObjectNode response = n.putObject("responseContext");
            response.put("statusCode", 200);
            response.put("executedVersion", "$LATEST");
            if (last.kind == Kind.ERROR) {
                response.put("functionError", "Unhandled");
            }
        }
        n.put("version", "1.0");
        n.put("timestamp", clock.instant().truncatedTo(ChronoUnit.MILLIS).toString());
        ObjectNode info = n.putObject("DDBStreamBatchInfo");
        Record first = records.get(0);
        Record lastRecord = records.get(records.size() - 1);
        info.put("shardId", shardId);
        info.put("startSequenceNumber", first.dynamodb().sequenceNumber());
        info.put("endSequenceNumber", lastRecord.dynamodb().sequenceNumber());
        info.put("approximateArrivalOfFirstRecord", arrival(first));
        info.put("approximateArrivalOfLastRecord", arrival(lastRecord));
        info.put("batchSize", records.size());
        info.put("streamArn", streamArn);
        return n.toString();
    }

    private static String arrival(Record r) {
        Instant t = r.dynamodb().approximateCreationDateTime();
        return t == null ? null : t.truncatedTo(ChronoUnit.SECONDS).toString();
    }

    // ---------------------------------------------------------------- observing

    /** Everything discarded so far (records the function never finished: lost unless recovered). */
    public List<Discard> discards() {
        synchronized (lock) {
            return List.copyOf(discards);
        }
    }

    public long discardedRecords() {
        return discards().stream().mapToLong(d -> d.records().size()).sum();
    }

    public long invocations() {
        return invocations.get();
    }

    /** Retries: partial batch responses and unsplit function errors (what MaximumRetryAttempts counts). */
    public long retries() {
        return retries.get();
    }

    public long functionErrors() {
        return functionErrors.get();
    }

    /** Records checkpointed after a successful (partial) invocation. */
    public long deliveredRecords() {
        return delivered.get();
    }

    public long filteredOutRecords() {
        return filteredOut.get();
    }

    /** Waits until everything written to the stream before this call was read and checkpointed or discarded. */
    public void awaitCaughtUp(Duration timeout) {
        long since = System.nanoTime();
        long deadline = since + timeout.toNanos();
        while (true) {
            // Caught up: the shard list was read again since the call (children of shards that ended
            // are known), and a poll after that found nothing new, and no lane has work left.
            long refreshed = lastShardRefreshAt;
            if (refreshed > since && lastEmptyPollAt > refreshed && idle()) {
                return;
            }
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("event source mapping " + name + " did not catch up within " + timeout);
            }
            sleep(100);
        }
    }

    private boolean idle() {
        synchronized (lock) {
            for (ShardState s : shards.values()) {
                for (Lane l : s.lanes) {
                    if (!l.queue.isEmpty() || l.busy) {
                        return false;
                    }
                }
            }
            return true;
        }
    }

    public EventSourceMapping start() {
        refreshShards();
        reader.start();
        return this;
    }

    @Override
    public void close() {
        stopped = true;
        reader.interrupt();
        List<Thread> all;
        synchronized (lock) {
            lock.notifyAll();
            all = List.copyOf(workers);
        }
        for (Thread t : all) {
            t.interrupt();
        }
        join(reader);
        for (Thread t : all) {
            join(t);
        }
        synchronized (lock) {
            for (ShardState s : shards.values()) {
                for (Lane l : s.lanes) {
                    l.invoker.shutdownNow();
                }
            }
        }
    }

    private static void join(Thread t) {
        try {
            t.join(10_000);
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

    private static final class ShardState {
        final String id;
        final String parent;
        volatile String iterator;
        String lastReadSequence;
        volatile boolean readDone;
        Lane[] lanes;

        ShardState(String id, String parent) {
            this.id = id;
            this.parent = parent;
        }
    }

    private static final class Lane {
        final Deque<Pending> queue = new ArrayDeque<>();
        boolean busy;
        ExecutorService invoker = newInvoker();

        static ExecutorService newInvoker() {
            return Executors.newSingleThreadExecutor(r -> {
                Thread t = new Thread(r, "esm-invocation");
                t.setDaemon(true);
                return t;
            });
        }
    }

    private record Pending(Record record, Instant readAt) {
    }

    public static final class Builder {
        private final MappingSettings settings;
        private final StreamFunction function;
        private String name = "mapping";
        private DynamoDbStreamsClient streams;
        private String streamArn;
        private SqsClient sqs;
        private String onFailureQueueUrl;
        private String functionArn;
        private Clock clock = Clock.systemUTC();
        private Timings timings = Timings.DEFAULT;

        private Builder(MappingSettings settings, StreamFunction function) {
            this.settings = settings;
            this.function = function;
        }

        public Builder name(String name) {
            this.name = name;
            return this;
        }

        public Builder stream(DynamoDbStreamsClient streams, String streamArn) {
            this.streams = streams;
            this.streamArn = streamArn;
            return this;
        }

        /** Where DestinationConfig.OnFailure sends its invocation records. */
        public Builder onFailure(SqsClient sqs, String queueUrl) {
            this.sqs = sqs;
            this.onFailureQueueUrl = queueUrl;
            return this;
        }

        public Builder functionArn(String arn) {
            this.functionArn = arn;
            return this;
        }

        public Builder clock(Clock clock) {
            this.clock = Objects.requireNonNull(clock);
            return this;
        }

        public Builder timings(Timings timings) {
            this.timings = Objects.requireNonNull(timings);
            return this;
        }

        public EventSourceMapping build() {
            return new EventSourceMapping(this);
        }

        public EventSourceMapping start() {
            return build().start();
        }
    }
}
