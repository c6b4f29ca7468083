package io.userstreams.localdynamodb.item;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.userstreams.localdynamodb.table.IndexDef;
import io.userstreams.localdynamodb.table.ItemKey;
import io.userstreams.localdynamodb.table.Table;
import java.util.Map;
import java.util.TreeMap;

/**
 * Consumed capacity as DynamoDB computes it: writes per 1 KB, reads per 4 KB, eventual reads half,
 * transactions double; a write also costs each secondary index whose entry it puts or deletes.
 */
public final class Capacity {
    private Capacity() { }

    public static double writeUnits(long sizeBytes) {
        return Math.max(1, (sizeBytes + 1023) / 1024);
    }

    public static double readUnits(long sizeBytes, boolean consistent) {
        double units = Math.max(1, (sizeBytes + 4095) / 4096);
        return consistent ? units : units / 2;
    }

    /** The ConsumedCapacity element of a read, or null when the request did not ask for it (NONE or absent). */
    public static ObjectNode node(String mode, String table, double units, boolean read) {
        if (mode == null || mode.equals("NONE")) {
            return null;
        }
        ObjectNode node = Values.object();
        node.put("TableName", table);
        node.put("CapacityUnits", units);
        node.put(read ? "ReadCapacityUnits" : "WriteCapacityUnits", units);
        if (mode.equals("INDEXES")) {
            ObjectNode tableNode = node.putObject("Table");
            tableNode.put("CapacityUnits", units);
            tableNode.put(read ? "ReadCapacityUnits" : "WriteCapacityUnits", units);
        }
        return node;
    }

    /** Write capacity of one table over one or more writes. */
    public static final class Writes {
        private final String table;
        private double tableUnits;
        private final Map<String, Double> globalIndexes = new TreeMap<>();
        private final Map<String, Double> localIndexes = new TreeMap<>();

        public Writes(String table) {
            this.table = table;
        }

        /** Adds one write (old → new, either may be null); multiplier 2 inside transactions. */
        public Writes add(Table table, ObjectNode oldItem, ObjectNode newItem, double multiplier) {
            long size = Math.max(oldItem == null ? 0 : Values.itemSize(oldItem), newItem == null ? 0 : Values.itemSize(newItem));
            tableUnits += multiplier * writeUnits(size);
            for (IndexDef index : table.allIndexes()) {
                ItemKey oldKey = oldItem == null ? null : index.key.keyOf(oldItem);
                ItemKey newKey = newItem == null ? null : index.key.keyOf(newItem);
                double units = 0;
                if (oldKey != null && newKey != null && oldKey.equals(newKey)) {
                    units = writeUnits(Math.max(Values.itemSize(index.project(oldItem, table.key)),
                            Values.itemSize(index.project(newItem, table.key))));
                } else {
                    if (oldKey != null) {
                        units += writeUnits(Values.itemSize(index.project(oldItem, table.key)));
                    }
                    if (newKey != null) {
                        units += writeUnits(Values.itemSize(index.project(newItem, table.key)));
                    }
                }
                if (units > 0) {
                    (index.global ? globalIndexes : localIndexes).merge(index.name, multiplier * units, Double::sum);
                }
            }
            return this;
        }

        /** The ConsumedCapacity element, or null for NONE. */
        public ObjectNode node(String mode) {
            if (mode == null || mode.equals("NONE")) {
                return null;
            }
            double total = tableUnits;
            for (double units : globalIndexes.values()) {
                total += units;
            }
            for (double units : localIndexes.values()) {
                total += units;
            }
            ObjectNode node = Values.object();
            node.put("TableName", table);
            node.put("CapacityUnits", total);
            node.put("WriteCapacityUnits", total);
            if (mode.equals("INDEXES")) {
                node.putObject("Table").put("CapacityUnits", tableUnits).put("WriteCapacityUnits", tableUnits);
                if (!globalIndexes.isEmpty()) {
                    ObjectNode gsis = node.putObject("GlobalSecondaryIndexes");
                    globalIndexes.forEach((name, units) -> gsis.putObject(name).put("CapacityUnits", units).put("WriteCapacityUnits", units));
                }
                if (!localIndexes.isEmpty()) {
                    ObjectNode lsis = node.putObject("LocalSecondaryIndexes");
                    localIndexes.forEach((name, units) -> lsis.putObject(name).put("CapacityUnits", units).put("WriteCapacityUnits", units));
                }
            }
            return node;
        }
    }
}
