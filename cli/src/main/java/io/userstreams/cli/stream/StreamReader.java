package io.userstreams.cli.stream;

import io.userstreams.cli.CliException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.BooleanSupplier;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.ExpiredIteratorException;
import software.amazon.awssdk.services.dynamodb.model.GetRecordsResponse;
import software.amazon.awssdk.services.dynamodb.model.Record;
import software.amazon.awssdk.services.dynamodb.model.Shard;
import software.amazon.awssdk.services.dynamodb.model.ShardIteratorType;
import software.amazon.awssdk.services.dynamodb.model.StreamDescription;
import software.amazon.awssdk.services.dynamodb.streams.DynamoDbStreamsClient;

/**
 * Reads a DynamoDB stream shard by shard, parents before children (per-item order survives shard
 * rollovers), and hands out records in order per shard. Used by capture (tail until told to stop)
 * and backfill (read everything retained, up to the current end).
 */
public final class StreamReader {

    /** Receives each shard's records in order. */
    public interface Sink {
        void accept(String shardId, List<Record> records);
    }

    private final DynamoDbStreamsClient streams;
    private final String streamArn;
    private final Map<String, String> iterators = new LinkedHashMap<>();
    private final Map<String, String> lastSequence = new LinkedHashMap<>();
    private final Set<String> finished = new HashSet<>();
    private final Map<String, Shard> shards = new LinkedHashMap<>();
    private final boolean fromLatest;
    private boolean firstRefresh = true;

    public StreamReader(DynamoDbStreamsClient streams, String streamArn, boolean fromLatest) {
        this.streams = streams;
        this.streamArn = streamArn;
        this.fromLatest = fromLatest;
    }

    /** The users table's current stream ARN, or a clear error when the table has no stream. */
    public static String streamArn(DynamoDbClient dynamoDb, String table) {
        var d = dynamoDb.describeTable(b -> b.tableName(table)).table();
        if (d.latestStreamArn() == null || d.streamSpecification() == null
                || !Boolean.TRUE.equals(d.streamSpecification().streamEnabled())) {
            throw new CliException("table '" + table + "' has no stream enabled (StreamViewType NEW_AND_OLD_IMAGES expected)");
        }
        return d.latestStreamArn();
    }

    public String streamArn() {
        return streamArn;
    }

    /** The last sequence number read per shard: the position a hand-over continues after. */
    public Map<String, String> positions() {
        return Map.copyOf(lastSequence);
    }

    /** Finds new shards and starts those whose parent is done (or no longer retained). */
    public void refresh() {
        String start = null;
        List<Shard> all = new ArrayList<>();
        do {
            String from = start;
            StreamDescription d = streams.describeStream(b -> b.streamArn(streamArn).exclusiveStartShardId(from))
                    .streamDescription();
            all.addAll(d.shards());
            start = d.lastEvaluatedShardId();
        } while (start != null);
        for (Shard s : all) {
            shards.putIfAbsent(s.shardId(), s);
        }
        for (Shard s : all) {
            String id = s.shardId();
            if (iterators.containsKey(id) || finished.contains(id)) {
                continue;
            }
            String parent = s.parentShardId();
            boolean parentDone = parent == null || finished.contains(parent) || !shards.containsKey(parent);
            if (!parentDone) {
                continue;
            }
            boolean closed = s.sequenceNumberRange() != null && s.sequenceNumberRange().endingSequenceNumber() != null;
            ShardIteratorType type = fromLatest && firstRefresh ? ShardIteratorType.LATEST : ShardIteratorType.TRIM_HORIZON;
            if (fromLatest && firstRefresh && closed) {
                finished.add(id); // nothing new will ever arrive on a closed shard
                continue;
            }
            iterators.put(id, streams.getShardIterator(b -> b.streamArn(streamArn).shardId(id).shardIteratorType(type))
                    .shardIterator());
        }
        firstRefresh = false;
    }

    /**
     * One pass over the active shards: at most one GetRecords each. Returns how many records were
     * delivered; shards that ended are finished and their children become readable on the next refresh.
     */
    public int poll(Sink sink, int limit) {
        int delivered = 0;
        boolean ended = false;
        for (String shardId : new ArrayList<>(iterators.keySet())) {
            String iterator = iterators.get(shardId);
            GetRecordsResponse r;
            try {
                r = streams.getRecords(b -> b.shardIterator(iterator).limit(limit));
            } catch (ExpiredIteratorException e) {
                String last = lastSequence.get(shardId);
                iterators.put(shardId, streams.getShardIterator(b -> {
                    b.streamArn(streamArn).shardId(shardId);
                    if (last == null) {
                        b.shardIteratorType(ShardIteratorType.TRIM_HORIZON);
                    } else {
                        b.shardIteratorType(ShardIteratorType.AFTER_SEQUENCE_NUMBER).sequenceNumber(last);
                    }
                }).shardIterator());
                continue;
            }
            if (r.hasRecords() && !r.records().isEmpty()) {
                sink.accept(shardId, r.records());
                lastSequence.put(shardId, r.records().get(r.records().size() - 1).dynamodb().sequenceNumber());
                delivered += r.records().size();
            }
            if (r.nextShardIterator() == null) {
                iterators.remove(shardId);
                finished.add(shardId);
                ended = true;
            } else {
                iterators.put(shardId, r.nextShardIterator());
            }
        }
        if (ended) {
            refresh();
        }
        return delivered;
    }

    /**
     * Reads until every shard is caught up: {@code emptyPolls} consecutive passes without records
     * (DynamoDB can return an empty page before the end of a shard).
     */
    public long readToEnd(Sink sink, int emptyPolls, BooleanSupplier stop) {
        refresh();
        long total = 0;
        int empty = 0;
        while (empty < emptyPolls && !stop.getAsBoolean()) {
            int n = poll(sink, 1000);
            total += n;
            empty = n == 0 ? empty + 1 : 0;
            if (n == 0 && iterators.isEmpty()) {
                break;
            }
        }
        return total;
    }
}
