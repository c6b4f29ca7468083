package io.userstreams.localdynamodb.table;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.userstreams.localdynamodb.http.DynamoDbHttpServer;
import io.userstreams.localdynamodb.item.Values;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;

/**
 * One table: its definition and its items. Items are stored as compact JSON bytes (a parsed tree costs
 * ~10x the memory); writers hold the item's lock stripe, readers never block.
 */
public final class Table {
    private static final int STRIPES = 256;

    public final String name;
    public final String arn;
    public final String tableId;
    public final double creationDateTime;
    public final KeyDef key;
    public volatile ArrayNode attributeDefinitions;
    public volatile String billingMode;
    public volatile long readCapacity;
    public volatile long writeCapacity;
    public volatile double billingModeChangedAt;
    public final List<IndexDef> globalIndexes = new CopyOnWriteArrayList<>();
    public final List<IndexDef> localIndexes = new CopyOnWriteArrayList<>();
    public volatile boolean streamEnabled;
    public volatile String streamViewType;
    public volatile String latestStreamArn;
    public volatile String latestStreamLabel;
    public final Map<String, String> tags = new java.util.concurrent.ConcurrentSkipListMap<>();
    public volatile String ttlAttribute;
    public volatile boolean ttlEnabled;
    public volatile boolean pointInTimeRecovery;
    public volatile boolean deletionProtection;
    public volatile String tableClass = "STANDARD";
    public volatile boolean deleted;

    private final ConcurrentSkipListMap<ItemKey, byte[]> items = new ConcurrentSkipListMap<>();
    private final AtomicLong itemCount = new AtomicLong();
    private final AtomicLong sizeBytes = new AtomicLong();
    private final ReentrantLock[] locks = new ReentrantLock[STRIPES];

    public Table(String name, String arn, String tableId, double creationDateTime, KeyDef key) {
        this.name = name;
        this.arn = arn;
        this.tableId = tableId;
        this.creationDateTime = creationDateTime;
        this.key = key;
        for (int i = 0; i < STRIPES; i++) {
            locks[i] = new ReentrantLock();
        }
    }

    public ReentrantLock lockFor(ItemKey itemKey) {
        return locks[stripe(itemKey)];
    }

    public int stripe(ItemKey itemKey) {
        int h = itemKey.stripeHash();
        return (h ^ (h >>> 16)) & (STRIPES - 1);
    }

    public ReentrantLock lock(int stripe) {
        return locks[stripe];
    }

    public IndexDef index(String indexName) {
        for (IndexDef index : globalIndexes) {
            if (index.name.equals(indexName)) {
                return index;
            }
        }
        for (IndexDef index : localIndexes) {
            if (index.name.equals(indexName)) {
                return index;
            }
        }
        return null;
    }

    public long itemCount() {
        return itemCount.get();
    }

    public long sizeBytes() {
        return sizeBytes.get();
    }

    // ---------------------------------------------------------------- items

    /** The stored item, parsed (a fresh tree the caller may change), or null. */
    public ObjectNode get(ItemKey itemKey) {
        return parse(items.get(itemKey));
    }

    public static ObjectNode parse(byte[] stored) {
        if (stored == null) {
            return null;
        }
        try {
            return (ObjectNode) DynamoDbHttpServer.MAPPER.readTree(stored);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Stores (item != null) or deletes (item == null) under the caller's lock; keeps the indexes in step. */
    public void store(ItemKey itemKey, ObjectNode oldItem, ObjectNode item) {
        if (oldItem != null) {
            for (IndexDef index : allIndexes()) {
                ItemKey indexKey = index.key.keyOf(oldItem);
                if (indexKey != null) {
                    index.entries.remove(new IndexKey(indexKey, itemKey));
                }
            }
            sizeBytes.addAndGet(-Values.itemSize(oldItem));
        }
        if (item == null) {
            if (items.remove(itemKey) != null) {
                itemCount.decrementAndGet();
            }
            return;
        }
        byte[] bytes;
        try {
            bytes = DynamoDbHttpServer.MAPPER.writeValueAsBytes(item);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        if (items.put(itemKey, bytes) == null) {
            itemCount.incrementAndGet();
        }
        sizeBytes.addAndGet(Values.itemSize(item));
        for (IndexDef index : allIndexes()) {
            ItemKey indexKey = index.key.keyOf(item);
            if (indexKey != null) {
                index.entries.put(new IndexKey(indexKey, itemKey), itemKey);
            }
        }
    }

    public List<IndexDef> allIndexes() {
        if (localIndexes.isEmpty()) {
            return globalIndexes;
        }
        List<IndexDef> all = new java.util.ArrayList<>(globalIndexes);
        all.addAll(localIndexes);
        return all;
    }

    /** Fills a new index from the items already stored (UpdateTable creating a GSI). */
    public void backfill(IndexDef index) {
        for (Map.Entry<ItemKey, byte[]> entry : items.entrySet()) {
            ReentrantLock lock = lockFor(entry.getKey());
            lock.lock();
            try {
                ObjectNode item = get(entry.getKey());
                if (item != null) {
                    ItemKey indexKey = index.key.keyOf(item);
                    if (indexKey != null) {
                        index.entries.put(new IndexKey(indexKey, entry.getKey()), entry.getKey());
                    }
                }
            } finally {
                lock.unlock();
            }
        }
    }

    public NavigableMap<ItemKey, byte[]> items() {
        return items;
    }

    public NavigableMap<IndexKey, ItemKey> indexEntries(IndexDef index) {
        return index.entries;
    }

    public byte[] raw(ItemKey itemKey) {
        return items.get(itemKey);
    }

    /** The current provisioned throughput as a request would give it. */
    public ObjectNode provisionedNode() {
        ObjectNode node = Values.object();
        node.put("ReadCapacityUnits", readCapacity);
        node.put("WriteCapacityUnits", writeCapacity);
        return node;
    }

    public static JsonNode nullSafe(JsonNode node) {
        return node == null ? Values.object() : node;
    }
}
