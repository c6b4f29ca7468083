package io.userstreams.localdynamodb.streams;

import com.fasterxml.jackson.databind.node.ArrayNode;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One stream of one table. Its open shards partition the 63-bit hash space of partition keys: an
 * item always goes to the open shard whose range holds its key's hash, so a roll-over (the child
 * takes the parent's range) or a split (two children take its halves) keeps each key on one shard
 * at a time, the parent's records before the child's. Structural changes lock the stream, then the
 * shard; appends lock only their shard.
 */
final class TableStream {

    final String arn;
    final String label;
    final String tableName;
    final ArrayNode keySchema;
    final String hashKeyName;
    final String viewType;
    final long createdMillis;

    /** Sequence numbers are unique per stream and increase in time, hence across a shard and its children. */
    private final AtomicLong sequences;

    private volatile boolean enabled = true;
    private volatile long disabledMillis;
    /** Open shards sorted by hashLow; replaced (never mutated) on each structural change. */
    private volatile StreamShard[] open = new StreamShard[0];
    /** All retained shards, in creation order (parents before children); guarded by this. */
    private final List<StreamShard> shards = new ArrayList<>();

    TableStream(String arn, String label, String tableName, ArrayNode keySchema, String hashKeyName,
                String viewType, long createdMillis, int shardCount) {
        this.arn = arn;
        this.label = label;
        this.tableName = tableName;
        this.keySchema = keySchema;
        this.hashKeyName = hashKeyName;
        this.viewType = viewType;
        this.createdMillis = createdMillis;
        this.sequences = new AtomicLong(createdMillis * 1000);
        long width = Long.MAX_VALUE / shardCount;
        StreamShard[] first = new StreamShard[shardCount];
        for (int i = 0; i < shardCount; i++) {
            long low = i * width;
            long high = i == shardCount - 1 ? Long.MAX_VALUE : low + width - 1;
            first[i] = newShard(null, low, high, createdMillis);
        }
        open = first;
    }

    boolean enabled() {
        return enabled;
    }

    long disabledMillis() {
        return disabledMillis;
    }

    long nextSequence() {
        return sequences.incrementAndGet();
    }

    /** The open shard for a key hash, or null once the stream is disabled. */
    StreamShard route(long hash) {
        StreamShard[] current = open;
        int lo = 0;
        int hi = current.length - 1;
        while (lo <= hi) {
            int mid = (lo + hi) >>> 1;
            StreamShard s = current[mid];
            if (hash < s.hashLow) {
                hi = mid - 1;
            } else if (hash > s.hashHigh) {
                lo = mid + 1;
            } else {
                return s;
            }
        }
        return null;
    }

    synchronized List<StreamShard> shards() {
        return new ArrayList<>(shards);
    }

    synchronized StreamShard shard(String shardId) {
        for (StreamShard s : shards) {
            if (s.shardId.equals(shardId)) {
                return s;
            }
        }
        return null;
    }

    List<StreamShard> openShards() {
        return List.of(open);
    }

    /** Closes the given open shards, each replaced by one child (roll-over) or two (split). */
    synchronized List<String> replace(List<StreamShard> parents, boolean split, long nowMillis) {
        List<StreamShard> next = new ArrayList<>(Arrays.asList(open));
        List<String> children = new ArrayList<>();
        for (StreamShard parent : parents) {
            if (!next.contains(parent)) {
                continue;
            }
            if (split && parent.hashLow == parent.hashHigh) {
                throw new IllegalStateException("shard " + parent.shardId + " covers one hash and cannot split");
            }
            synchronized (parent) {
                parent.close(nowMillis, nextSequence());
            }
            int at = next.indexOf(parent);
            next.remove(at);
            if (split) {
                long mid = parent.hashLow + (parent.hashHigh - parent.hashLow) / 2;
                StreamShard left = newShard(parent.shardId, parent.hashLow, mid, nowMillis);
                StreamShard right = newShard(parent.shardId, mid + 1, parent.hashHigh, nowMillis);
                next.add(at, right);
                next.add(at, left);
                children.add(left.shardId);
                children.add(right.shardId);
            } else {
                StreamShard child = newShard(parent.shardId, parent.hashLow, parent.hashHigh, nowMillis);
                next.add(at, child);
                children.add(child.shardId);
            }
        }
        open = next.toArray(new StreamShard[0]);
        return children;
    }

    /** The stream stops taking records: every open shard closes. */
    synchronized void disable(long nowMillis) {
        if (!enabled) {
            return;
        }
        enabled = false;
        disabledMillis = nowMillis;
        for (StreamShard s : open) {
            synchronized (s) {
                s.close(nowMillis, nextSequence());
            }
        }
        open = new StreamShard[0];
    }

    /** Trims old records and forgets closed shards past retention; true if the stream itself can go. */
    synchronized boolean trim(long nowMillis, long retentionMillis) {
        long cutoff = nowMillis - retentionMillis;
        shards.removeIf(s -> {
            s.trim(cutoff);
            return s.isClosed() && s.closedMillis() <= cutoff;
        });
        return !enabled && shards.isEmpty();
    }

    private StreamShard newShard(String parentId, long low, long high, long nowMillis) {
        String id;
        do {
            id = String.format("shardId-%013d-%08x", nowMillis, ThreadLocalRandom.current().nextInt());
        } while (shardIdTaken(id));
        StreamShard s = new StreamShard(id, parentId, low, high, nowMillis, nextSequence());
        shards.add(s);
        return s;
    }

    private boolean shardIdTaken(String id) {
        for (StreamShard s : shards) {
            if (s.shardId.equals(id)) {
                return true;
            }
        }
        return false;
    }
}
