package io.userstreams.localdynamodb.item;

import com.fasterxml.jackson.databind.node.ObjectNode;

/** Consumed capacity as DynamoDB computes it: writes per 1 KB, reads per 4 KB, eventual reads half, transactions double. */
public final class Capacity {
    private Capacity() { }

    public static double writeUnits(long sizeBytes) {
        return Math.max(1, (sizeBytes + 1023) / 1024);
    }

    public static double readUnits(long sizeBytes, boolean consistent) {
        double units = Math.max(1, (sizeBytes + 4095) / 4096);
        return consistent ? units : units / 2;
    }

    /** The ConsumedCapacity element, or null when the request did not ask for it (NONE or absent). */
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
}
