package io.userstreams.localdynamodb.table;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.userstreams.localdynamodb.item.Values;
import java.util.List;
import java.util.function.BiConsumer;

/**
 * A table as JSON, in its two forms: the description DescribeTable (and Create/Update/DeleteTable)
 * answer with, and the CreateTable request (plus TimeToLive) a snapshot stores to recreate it.
 */
public final class TableJson {

    private TableJson() { }

    /** The TableDescription, with {@code status} as TableStatus. */
    public static ObjectNode description(Table table, String status) {
        ObjectNode d = Values.object();
        d.set("AttributeDefinitions", table.attributeDefinitions);
        d.put("TableName", table.name);
        d.set("KeySchema", table.key.toKeySchema());
        d.put("TableStatus", status);
        d.put("CreationDateTime", table.creationDateTime);
        describedThroughput(d, table.readCapacity, table.writeCapacity);
        d.put("TableSizeBytes", table.sizeBytes());
        d.put("ItemCount", table.itemCount());
        d.put("TableArn", table.arn);
        d.put("TableId", table.tableId);
        if (table.billingMode.equals("PAY_PER_REQUEST")) {
            ObjectNode billing = d.putObject("BillingModeSummary");
            billing.put("BillingMode", "PAY_PER_REQUEST");
            billing.put("LastUpdateToPayPerRequestDateTime", table.billingModeChangedAt);
        }
        indexes(d, "LocalSecondaryIndexes", table.localIndexes, (index, i) -> describedIndexSize(table, index, i));
        indexes(d, "GlobalSecondaryIndexes", table.globalIndexes, (index, i) -> {
            i.put("IndexStatus", "ACTIVE");
            describedThroughput(i, index.readCapacity, index.writeCapacity);
            describedIndexSize(table, index, i);
        });
        streamSpecification(d, table);
        if (table.latestStreamArn != null) {
            d.put("LatestStreamLabel", table.latestStreamLabel);
            d.put("LatestStreamArn", table.latestStreamArn);
        }
        if (!table.tableClass.equals("STANDARD")) {
            d.putObject("TableClassSummary").put("TableClass", table.tableClass);
        }
        d.put("DeletionProtectionEnabled", table.deletionProtection);
        return d;
    }

    /** The table as a CreateTable request (plus TimeToLive), so loading goes through the same validation. */
    public static ObjectNode createRequest(Table table) {
        boolean provisioned = table.billingMode.equals("PROVISIONED");
        ObjectNode d = Values.object();
        d.put("TableName", table.name);
        d.set("AttributeDefinitions", table.attributeDefinitions);
        d.set("KeySchema", table.key.toKeySchema());
        d.put("BillingMode", table.billingMode);
        if (provisioned) {
            d.set("ProvisionedThroughput", table.provisionedNode());
        }
        indexes(d, "GlobalSecondaryIndexes", table.globalIndexes, (index, i) -> {
            if (provisioned) {
                i.putObject("ProvisionedThroughput").put("ReadCapacityUnits", index.readCapacity)
                        .put("WriteCapacityUnits", index.writeCapacity);
            }
        });
        indexes(d, "LocalSecondaryIndexes", table.localIndexes, (index, i) -> { });
        streamSpecification(d, table);
        if (!table.tags.isEmpty()) {
            ArrayNode tags = d.putArray("Tags");
            table.tags.forEach((k, v) -> tags.addObject().put("Key", k).put("Value", v));
        }
        d.put("DeletionProtectionEnabled", table.deletionProtection);
        if (table.ttlEnabled) {
            d.putObject("TimeToLive").put("AttributeName", table.ttlAttribute);
        }
        return d;
    }

    /** {@code field}: one entry per index (name, key schema, projection, then what {@code more} adds); none if empty. */
    private static void indexes(ObjectNode d, String field, List<IndexDef> indexes, BiConsumer<IndexDef, ObjectNode> more) {
        if (indexes.isEmpty()) {
            return;
        }
        ArrayNode array = d.putArray(field);
        for (IndexDef index : indexes) {
            ObjectNode i = array.addObject();
            i.put("IndexName", index.name);
            i.set("KeySchema", index.key.toKeySchema());
            i.set("Projection", index.projectionNode());
            more.accept(index, i);
        }
    }

    private static void describedThroughput(ObjectNode into, long read, long write) {
        ObjectNode throughput = into.putObject("ProvisionedThroughput");
        throughput.put("NumberOfDecreasesToday", 0);
        throughput.put("ReadCapacityUnits", read);
        throughput.put("WriteCapacityUnits", write);
    }

    private static void describedIndexSize(Table table, IndexDef index, ObjectNode i) {
        i.put("IndexSizeBytes", 0);
        i.put("ItemCount", index.itemCount());
        i.put("IndexArn", table.arn + "/index/" + index.name);
    }

    private static void streamSpecification(ObjectNode d, Table table) {
        if (table.streamEnabled) {
            d.putObject("StreamSpecification").put("StreamEnabled", true).put("StreamViewType", table.streamViewType);
        }
    }
}
