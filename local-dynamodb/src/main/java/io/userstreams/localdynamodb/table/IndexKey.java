package io.userstreams.localdynamodb.table;

/** An entry of a secondary index: the index key, then the table key (index keys need not be unique). */
public record IndexKey(ItemKey indexKey, ItemKey tableKey) implements Comparable<IndexKey> {
    @Override
    public int compareTo(IndexKey o) {
        int c = indexKey.compareTo(o.indexKey);
        if (c != 0 || indexKey.bound != 0) {
            return c;
        }
        if (tableKey == null || o.tableKey == null) {
            return tableKey == o.tableKey ? 0 : tableKey == null ? -1 : 1;
        }
        return tableKey.compareTo(o.tableKey);
    }
}
