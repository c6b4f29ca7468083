package io.userstreams.localdynamodb.table;

/**
 * A primary key (or an index key) in storage order: partition key hash (unsigned), partition key, sort key.
 * Bounds (bound -1 / +1) are sentinels that sort just before / after every key they prefix.
 */
public final class ItemKey implements Comparable<ItemKey> {
    final int hash;
    final KeyValue partition; // null only in a hash-range sentinel
    final KeyValue sort;      // null for hash-only keys and partition sentinels
    final int bound;

    private ItemKey(int hash, KeyValue partition, KeyValue sort, int bound) {
        this.hash = hash;
        this.partition = partition;
        this.sort = sort;
        this.bound = bound;
    }

    public static ItemKey of(KeyValue partition, KeyValue sort) {
        return new ItemKey(partition.hash(), partition, sort, 0);
    }

    /** Before (bound -1) or after (bound +1) every key of a partition. */
    public static ItemKey partitionBound(KeyValue partition, int bound) {
        return new ItemKey(partition.hash(), partition, null, bound);
    }

    /** Before (-1) or after (+1) a sort key value within a partition. */
    public static ItemKey sortBound(KeyValue partition, KeyValue sort, int bound) {
        return new ItemKey(partition.hash(), partition, sort, bound);
    }

    /** Before every key whose partition hash is >= hash (unsigned). */
    public static ItemKey hashBound(int hash) {
        return new ItemKey(hash, null, null, -1);
    }

    public KeyValue partition() {
        return partition;
    }

    public KeyValue sort() {
        return sort;
    }

    public int hash() {
        return hash;
    }

    /** Lock stripe choice: the whole key, so items of one partition spread over stripes. */
    public int stripeHash() {
        return sort == null ? hash : hash * 31 + sort.hashCode();
    }

    @Override
    public int compareTo(ItemKey o) {
        int c = Integer.compareUnsigned(hash, o.hash);
        if (c != 0) {
            return c;
        }
        if (partition == null || o.partition == null) {
            if (partition == null && o.partition == null) {
                return Integer.compare(bound, o.bound);
            }
            return partition == null ? bound : -o.bound;
        }
        c = partition.compareTo(o.partition);
        if (c != 0) {
            return c;
        }
        if (sort == null || o.sort == null) {
            if (sort == null && o.sort == null) {
                return Integer.compare(bound, o.bound);
            }
            return sort == null ? (bound == 0 ? -1 : bound) : (o.bound == 0 ? 1 : -o.bound);
        }
        c = sort.compareTo(o.sort);
        if (c != 0) {
            return c;
        }
        return Integer.compare(bound, o.bound);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ItemKey other && compareTo(other) == 0;
    }

    @Override
    public int hashCode() {
        return stripeHash() * 3 + bound;
    }

    @Override
    public String toString() {
        return partition + (sort == null ? "" : "/" + sort);
    }
}
