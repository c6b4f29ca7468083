package io.userstreams.localdynamodb.streams;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * One shard: an append-only log of pre-serialized records. Positions are absolute (0 = the shard's
 * first record ever); trimmed records are dropped from memory but keep their positions. All access
 * to the log is synchronized on the shard: appends are O(1) and readers copy at most 1,000 references.
 */
final class StreamShard {

    /** One record as stored: the JSON sent on the wire, plus what trimming and limits need. */
    record Entry(long sequence, long createdMillis, long sizeBytes, String json) {}

    /** A read from a position: the records, where the next read starts, and whether the shard ends there. */
    record Slice(List<Entry> entries, long nextPosition, boolean endOfClosedShard) {}

    final String shardId;
    final String parentShardId;
    /** Inclusive range of partition-key hashes this shard receives while open. */
    final long hashLow;
    final long hashHigh;
    final long openedMillis;
    final long startingSequence;

    private Entry[] entries = new Entry[16];
    private long base;             // position of entries[0]
    private int count;             // entries held, from base
    private long firstRetained;    // position of the oldest record not trimmed
    private long lastTrimmedSequence = -1;
    private long lastCreatedMillis;
    private long lastSequence = -1;
    private boolean closed;
    private long endingSequence = -1;
    private long closedMillis;

    StreamShard(String shardId, String parentShardId, long hashLow, long hashHigh, long openedMillis,
                long startingSequence) {
        this.shardId = shardId;
        this.parentShardId = parentShardId;
        this.hashLow = hashLow;
        this.hashHigh = hashHigh;
        this.openedMillis = openedMillis;
        this.startingSequence = startingSequence;
        this.lastCreatedMillis = openedMillis;
    }

    boolean covers(long hash) {
        return hash >= hashLow && hash <= hashHigh;
    }

    /** Caller holds this shard's lock and has checked it is open. */
    void append(Entry e) {
        if (count == entries.length) {
            if (firstRetained - base > count / 2) {
                compact();
            } else {
                entries = Arrays.copyOf(entries, count * 2);
            }
        }
        entries[count++] = e;
        lastCreatedMillis = e.createdMillis();
        lastSequence = e.sequence();
    }

    /** Creation times never go backwards within a shard, so trimming can cut a prefix. */
    long createdMillisNotBefore(long now) {
        return Math.max(now, lastCreatedMillis);
    }

    private void compact() {
        int drop = (int) (firstRetained - base);
        Entry[] fresh = new Entry[Math.max(16, Integer.highestOneBit(Math.max(1, count - drop)) * 4)];
        System.arraycopy(entries, drop, fresh, 0, count - drop);
        entries = fresh;
        count -= drop;
        base = firstRetained;
    }

    synchronized boolean isClosed() {
        return closed;
    }

    synchronized long closedMillis() {
        return closedMillis;
    }

    /** -1 while open. */
    synchronized long endingSequence() {
        return endingSequence;
    }

    /** Caller holds this shard's lock. The ending sequence number is the last record's, or a reserved one if empty. */
    void close(long nowMillis, long reservedSequence) {
        closed = true;
        closedMillis = nowMillis;
        endingSequence = lastSequence >= 0 ? lastSequence : reservedSequence;
    }

    synchronized long endPosition() {
        return base + count;
    }

    synchronized long trimHorizon() {
        return firstRetained;
    }

    /**
     * Position of the first record with a sequence number at (inclusive) or after (exclusive) the given one.
     *
     * @return the position, or -1 if that record has been trimmed
     */
    synchronized long positionOf(long sequence, boolean inclusive) {
        if (lastTrimmedSequence >= 0 && (inclusive ? sequence <= lastTrimmedSequence : sequence < lastTrimmedSequence)) {
            return -1;
        }
        int from = (int) (firstRetained - base);
        int lo = from;
        int hi = count;
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            long s = entries[mid].sequence();
            if (inclusive ? s < sequence : s <= sequence) {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        return base + lo;
    }

    /**
     * Reads from a position: at most {@code limit} records and {@code maxBytes} of record size (always
     * at least one record when there is one).
     *
     * @return null if the position points at trimmed records
     */
    synchronized Slice read(long position, int limit, long maxBytes) {
        if (position < firstRetained) {
            return null;
        }
        long end = base + count;
        long from = Math.min(position, end);
        List<Entry> out = new ArrayList<>((int) Math.min(limit, end - from));
        long bytes = 0;
        long p = from;
        while (p < end && out.size() < limit) {
            Entry e = entries[(int) (p - base)];
            if (!out.isEmpty() && bytes + e.sizeBytes() > maxBytes) {
                break;
            }
            bytes += e.sizeBytes();
            out.add(e);
            p++;
        }
        return new Slice(out, p, closed && p >= end);
    }

    /** Drops records created before the cut-off; returns how many. */
    synchronized int trim(long cutoffMillis) {
        int dropped = 0;
        long end = base + count;
        while (firstRetained < end) {
            int i = (int) (firstRetained - base);
            Entry e = entries[i];
            if (e.createdMillis() >= cutoffMillis) {
                break;
            }
            lastTrimmedSequence = e.sequence();
            entries[i] = null;
            firstRetained++;
            dropped++;
        }
        if (dropped > 0 && firstRetained - base > count / 2) {
            compact();
        }
        return dropped;
    }

    synchronized boolean hasRetainedRecords() {
        return firstRetained < base + count;
    }
}
