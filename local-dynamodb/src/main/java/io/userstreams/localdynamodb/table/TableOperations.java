package io.userstreams.localdynamodb.table;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.userstreams.localdynamodb.http.DynamoDbException;
import io.userstreams.localdynamodb.http.Requests;
import io.userstreams.localdynamodb.item.Values;
import io.userstreams.localdynamodb.streams.StreamSink;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

/** CreateTable, DescribeTable, ListTables, UpdateTable, DeleteTable, TTL, continuous backups, tags, limits, endpoints. */
public final class TableOperations {
    private static final Set<String> VIEW_TYPES = Set.of("KEYS_ONLY", "NEW_IMAGE", "OLD_IMAGE", "NEW_AND_OLD_IMAGES");
    private static final int MAX_GSIS = 20;
    private static final int MAX_LSIS = 5;

    private final Catalog catalog;
    private final StreamSink streams;
    private final String region;
    private final String accountId;
    private final Clock clock;
    private final String endpointAddress;

    public TableOperations(Catalog catalog, StreamSink streams, String region, String accountId, Clock clock,
                           String endpointAddress) {
        this.catalog = catalog;
        this.streams = streams;
        this.region = region;
        this.accountId = accountId;
        this.clock = clock;
        this.endpointAddress = endpointAddress;
    }

    /** Epoch seconds with millis, as a plain decimal (a double would print 1.79657676976E9). */
    private java.math.BigDecimal now() {
        return java.math.BigDecimal.valueOf(clock.millis(), 3);
    }

    // ---------------------------------------------------------------- CreateTable

    public JsonNode createTable(ObjectNode request) {
        String name = Requests.tableName(request);
        JsonNode definitionsNode = Requests.node(request, "AttributeDefinitions");
        JsonNode keySchemaNode = Requests.node(request, "KeySchema");
        if (keySchemaNode == null) {
            throw DynamoDbException.validation("1 validation error detected: Value null at 'keySchema' failed to satisfy constraint: Member must not be null");
        }
        if (definitionsNode == null) {
            throw DynamoDbException.validation("1 validation error detected: Value null at 'attributeDefinitions' failed to satisfy constraint: Member must not be null");
        }
        Map<String, String> definitions = new HashMap<>();
        for (JsonNode definition : definitionsNode) {
            String type = definition.path("AttributeType").asText();
            if (!Set.of("S", "N", "B").contains(type)) {
                throw DynamoDbException.validation("1 validation error detected: Value '" + type
                        + "' at 'attributeDefinitions.1.member.attributeType' failed to satisfy constraint: Member must satisfy enum value set: [B, N, S]");
            }
            if (definitions.put(definition.path("AttributeName").asText(), type) != null) {
                throw DynamoDbException.validation("Cannot have two attributes with the same name");
            }
        }
        Set<String> usedAttributes = new HashSet<>();
        KeyDef key = keyDef(keySchemaNode, definitions, usedAttributes, null);

        String billingMode = Requests.enumValue(request, "BillingMode", "PROVISIONED", "PROVISIONED", "PAY_PER_REQUEST");
        long[] throughput = throughput(request.get("ProvisionedThroughput"), billingMode);

        String arn = "arn:aws:dynamodb:" + region + ":" + accountId + ":table/" + name;
        Table table = new Table(name, arn, UUID.randomUUID().toString(), now(), key);
        table.billingMode = billingMode;
        table.readCapacity = throughput[0];
        table.writeCapacity = throughput[1];
        table.billingModeChangedAt = table.creationDateTime;

        JsonNode gsis = Requests.node(request, "GlobalSecondaryIndexes");
        if (gsis != null) {
            if (gsis.isEmpty()) {
                throw DynamoDbException.validation("One or more parameter values were invalid: List of GlobalSecondaryIndexes is empty");
            }
            if (gsis.size() > MAX_GSIS) {
                throw DynamoDbException.validation("One or more parameter values were invalid: GlobalSecondaryIndex count exceeds the per-table limit of " + MAX_GSIS);
            }
            for (JsonNode gsi : gsis) {
                table.globalIndexes.add(indexDef(gsi, true, definitions, usedAttributes, key, billingMode));
            }
        }
        JsonNode lsis = Requests.node(request, "LocalSecondaryIndexes");
        if (lsis != null) {
            if (!key.hasRange()) {
                throw DynamoDbException.validation("One or more parameter values were invalid: Table KeySchema does not have a range key, which is required when specifying a LocalSecondaryIndex");
            }
            if (lsis.size() > MAX_LSIS) {
                throw DynamoDbException.validation("One or more parameter values were invalid: Number of LocalSecondaryIndexes exceeds per-table limit of " + MAX_LSIS);
            }
            for (JsonNode lsi : lsis) {
                IndexDef index = indexDef(lsi, false, definitions, usedAttributes, key, billingMode);
                if (!index.key.hashName().equals(key.hashName())) {
                    throw DynamoDbException.validation("One or more parameter values were invalid: Index KeySchema does not have the same leading hash key as table KeySchema for index: "
                            + index.name + ". index hash key: " + index.key.hashName() + ", table hash key: " + key.hashName());
                }
                table.localIndexes.add(index);
            }
        }
        Set<String> names = new HashSet<>();
        for (IndexDef index : table.allIndexes()) {
            if (!names.add(index.name)) {
                throw DynamoDbException.validation("One or more parameter values were invalid: Duplicate index name: " + index.name);
            }
        }
        if (!usedAttributes.equals(definitions.keySet())) {
            throw DynamoDbException.validation("One or more parameter values were invalid: Number of attributes in KeySchema does not exactly match number of attributes defined in AttributeDefinitions");
        }
        table.attributeDefinitions = ((ArrayNode) definitionsNode).deepCopy();
        table.deletionProtection = Requests.bool(request, "DeletionProtectionEnabled", false);
        String tableClass = Requests.text(request, "TableClass");
        if (tableClass != null) {
            table.tableClass = tableClass;
        }
        JsonNode tags = Requests.node(request, "Tags");
        if (tags != null) {
            for (JsonNode tag : tags) {
                table.tags.put(tag.path("Key").asText(), tag.path("Value").asText());
            }
        }
        JsonNode streamSpec = Requests.node(request, "StreamSpecification");
        boolean enableStream = streamSpec != null && streamSpec.path("StreamEnabled").asBoolean(false);
        String viewType = null;
        if (streamSpec != null) {
            viewType = streamViewType(streamSpec);
        }
        if (!catalog.add(table)) {
            throw new DynamoDbException("ResourceInUseException", "Table already exists: " + name);
        }
        if (enableStream) {
            enableStream(table, viewType);
        }
        ObjectNode response = Values.object();
        response.set("TableDescription", TableJson.description(table, "ACTIVE"));
        return response;
    }

    private String streamViewType(JsonNode streamSpec) {
        boolean enabled = streamSpec.path("StreamEnabled").asBoolean(false);
        JsonNode viewType = streamSpec.get("StreamViewType");
        if (enabled && (viewType == null || viewType.isNull())) {
            throw DynamoDbException.validation("One or more parameter values were invalid: StreamViewType must be specified when StreamEnabled is true");
        }
        if (!enabled && viewType != null && !viewType.isNull()) {
            throw DynamoDbException.validation("One or more parameter values were invalid: StreamViewType cannot be specified when StreamEnabled is false");
        }
        if (viewType != null && !viewType.isNull() && !VIEW_TYPES.contains(viewType.asText())) {
            throw DynamoDbException.validation("1 validation error detected: Value '" + viewType.asText()
                    + "' at 'streamSpecification.streamViewType' failed to satisfy constraint: Member must satisfy enum value set: [NEW_IMAGE, OLD_IMAGE, NEW_AND_OLD_IMAGES, KEYS_ONLY]");
        }
        return viewType == null || viewType.isNull() ? null : viewType.asText();
    }

    private void enableStream(Table table, String viewType) {
        StreamSink.StreamInfo info = streams.enable(table.name, table.key.toKeySchema(), viewType);
        table.streamViewType = viewType;
        table.latestStreamArn = info.streamArn();
        table.latestStreamLabel = info.streamLabel();
        table.streamEnabled = true;
    }

    private long[] throughput(JsonNode provisioned, String billingMode) {
        if (billingMode.equals("PAY_PER_REQUEST")) {
            if (provisioned != null && !provisioned.isNull()
                    && (provisioned.path("ReadCapacityUnits").asLong(0) > 0 || provisioned.path("WriteCapacityUnits").asLong(0) > 0)) {
                throw DynamoDbException.validation("One or more parameter values were invalid: Neither ReadCapacityUnits nor WriteCapacityUnits can be specified when BillingMode is PAY_PER_REQUEST");
            }
            return new long[] {0, 0};
        }
        if (provisioned == null || provisioned.isNull()) {
            throw DynamoDbException.validation("One or more parameter values were invalid: ReadCapacityUnits and WriteCapacityUnits must both be specified when BillingMode is PROVISIONED");
        }
        long read = provisioned.path("ReadCapacityUnits").asLong(0);
        long write = provisioned.path("WriteCapacityUnits").asLong(0);
        if (read < 1 || write < 1) {
            throw DynamoDbException.validation("One or more parameter values were invalid: ReadCapacityUnits and WriteCapacityUnits must both be specified when BillingMode is PROVISIONED");
        }
        return new long[] {read, write};
    }

    private static KeyDef keyDef(JsonNode schema, Map<String, String> definitions, Set<String> used, String indexName) {
        if (!schema.isArray() || schema.isEmpty() || schema.size() > 2) {
            throw DynamoDbException.validation("1 validation error detected: Value '" + schema + "' at '"
                    + (indexName == null ? "keySchema" : "globalSecondaryIndexes.1.member.keySchema")
                    + "' failed to satisfy constraint: Member must have length less than or equal to 2");
        }
        String hash = null;
        String range = null;
        for (JsonNode element : schema) {
            String keyType = element.path("KeyType").asText();
            String attribute = element.path("AttributeName").asText();
            if (keyType.equals("HASH")) {
                if (hash != null) {
                    throw DynamoDbException.validation("Invalid KeySchema: Some index key attribute have no definition");
                }
                hash = attribute;
            } else if (keyType.equals("RANGE")) {
                if (range != null) {
                    throw DynamoDbException.validation("Invalid KeySchema: Some index key attribute have no definition");
                }
                range = attribute;
            } else {
                throw DynamoDbException.validation("1 validation error detected: Value '" + keyType
                        + "' at 'keySchema.1.member.keyType' failed to satisfy constraint: Member must satisfy enum value set: [HASH, RANGE]");
            }
        }
        if (hash == null) {
            throw DynamoDbException.validation("Invalid KeySchema: The first KeySchemaElement is not a HASH key type");
        }
        if (!schema.get(0).path("KeyType").asText().equals("HASH")) {
            throw DynamoDbException.validation("Invalid KeySchema: The first KeySchemaElement is not a HASH key type");
        }
        if (hash.equals(range)) {
            throw DynamoDbException.validation("Both the Hash Key and the Range Key element in the KeySchema have the same name");
        }
        List<String> missing = new ArrayList<>();
        for (String attribute : new String[] {hash, range}) {
            if (attribute != null && !definitions.containsKey(attribute)) {
                missing.add(attribute);
            }
        }
        if (!missing.isEmpty()) {
            throw DynamoDbException.validation("One or more parameter values were invalid: Some index key attributes are not defined in AttributeDefinitions. Keys: "
                    + missing + ", AttributeDefinitions: " + new ArrayList<>(definitions.keySet()));
        }
        used.add(hash);
        if (range != null) {
            used.add(range);
        }
        return new KeyDef(hash, definitions.get(hash), range, range == null ? null : definitions.get(range));
    }

    private IndexDef indexDef(JsonNode node, boolean global, Map<String, String> definitions, Set<String> used,
                              KeyDef tableKey, String billingMode) {
        String indexName = node.path("IndexName").asText(null);
        if (indexName == null) {
            throw DynamoDbException.validation("1 validation error detected: Value null at 'indexName' failed to satisfy constraint: Member must not be null");
        }
        Requests.checkTableName(indexName, "indexName");
        KeyDef key = keyDef(node.path("KeySchema"), definitions, used, indexName);
        JsonNode projection = node.get("Projection");
        if (projection == null || projection.isNull()) {
            throw DynamoDbException.validation("1 validation error detected: Value null at 'projection' failed to satisfy constraint: Member must not be null");
        }
        String projectionType = projection.path("ProjectionType").asText("ALL");
        if (!Set.of("ALL", "KEYS_ONLY", "INCLUDE").contains(projectionType)) {
            throw DynamoDbException.validation("1 validation error detected: Value '" + projectionType
                    + "' at 'projection.projectionType' failed to satisfy constraint: Member must satisfy enum value set: [ALL, INCLUDE, KEYS_ONLY]");
        }
        List<String> nonKey = new ArrayList<>();
        projection.path("NonKeyAttributes").forEach(a -> nonKey.add(a.asText()));
        if (projectionType.equals("INCLUDE") && nonKey.isEmpty()) {
            throw DynamoDbException.validation("One or more parameter values were invalid: ProjectionType is INCLUDE, but NonKeyAttributes is not specified");
        }
        if (!projectionType.equals("INCLUDE") && !nonKey.isEmpty()) {
            throw DynamoDbException.validation("One or more parameter values were invalid: ProjectionType is " + projectionType
                    + ", but NonKeyAttributes is specified");
        }
        long[] throughput = {0, 0};
        if (global) {
            JsonNode provisioned = node.get("ProvisionedThroughput");
            if (billingMode.equals("PROVISIONED")) {
                if (provisioned == null || provisioned.isNull()) {
                    throw DynamoDbException.validation("One or more parameter values were invalid: ProvisionedThroughput must be specified for index: " + indexName);
                }
                throughput = throughput(provisioned, billingMode);
            } else {
                throughput = throughput(provisioned, billingMode);
            }
        }
        return new IndexDef(indexName, global, key, projectionType, List.copyOf(nonKey), throughput[0], throughput[1]);
    }

    // ---------------------------------------------------------------- DescribeTable

    public JsonNode describeTable(ObjectNode request) {
        Table table = catalog.require(Requests.tableName(request));
        ObjectNode response = Values.object();
        response.set("Table", TableJson.description(table, "ACTIVE"));
        return response;
    }

    // ---------------------------------------------------------------- ListTables

    public JsonNode listTables(ObjectNode request) {
        int limit = request.path("Limit").asInt(100);
        if (limit < 1 || limit > 100) {
            throw DynamoDbException.validation("1 validation error detected: Value '" + limit
                    + "' at 'limit' failed to satisfy constraint: Member must have value "
                    + (limit < 1 ? "greater than or equal to 1" : "less than or equal to 100"));
        }
        String start = Requests.text(request, "ExclusiveStartTableName");
        var names = start == null ? catalog.byName().navigableKeySet() : catalog.byName().navigableKeySet().tailSet(start, false);
        ObjectNode response = Values.object();
        ArrayNode out = response.putArray("TableNames");
        String last = null;
        for (String name : names) {
            if (out.size() == limit) {
                response.put("LastEvaluatedTableName", last);
                break;
            }
            out.add(name);
            last = name;
        }
        return response;
    }

    // ---------------------------------------------------------------- UpdateTable

    public JsonNode updateTable(ObjectNode request) {
        Table table = catalog.require(Requests.tableName(request));
        synchronized (table) {
            boolean changed = false;
            String billingMode = Requests.enumValue(request, "BillingMode", null, "PROVISIONED", "PAY_PER_REQUEST");
            JsonNode provisioned = Requests.node(request, "ProvisionedThroughput");
            if (billingMode != null || provisioned != null) {
                String mode = billingMode == null ? table.billingMode : billingMode;
                long[] t = throughput(provisioned == null && mode.equals("PROVISIONED") && table.billingMode.equals("PROVISIONED")
                        ? table.provisionedNode() : provisioned, mode);
                if (!mode.equals(table.billingMode)) {
                    table.billingModeChangedAt = now();
                }
                table.billingMode = mode;
                table.readCapacity = t[0];
                table.writeCapacity = t[1];
                changed = true;
            }
            JsonNode definitionsNode = Requests.node(request, "AttributeDefinitions");
            JsonNode gsiUpdates = Requests.node(request, "GlobalSecondaryIndexUpdates");
            if (gsiUpdates != null) {
                Map<String, String> definitions = new HashMap<>();
                for (JsonNode definition : table.attributeDefinitions) {
                    definitions.put(definition.path("AttributeName").asText(), definition.path("AttributeType").asText());
                }
                if (definitionsNode != null) {
                    for (JsonNode definition : definitionsNode) {
                        String existing = definitions.put(definition.path("AttributeName").asText(), definition.path("AttributeType").asText());
                        if (existing != null && !existing.equals(definition.path("AttributeType").asText())) {
                            throw DynamoDbException.validation("Cannot change the type of an existing attribute: " + definition.path("AttributeName").asText());
                        }
                    }
                }
                for (JsonNode update : gsiUpdates) {
                    if (update.has("Create")) {
                        IndexDef index = indexDef(update.get("Create"), true, definitions, new HashSet<>(), table.key, table.billingMode);
                        if (table.index(index.name) != null) {
                            throw DynamoDbException.validation("One or more parameter values were invalid: Index with name " + index.name + " already exists");
                        }
                        if (table.globalIndexes.size() >= MAX_GSIS) {
                            throw new DynamoDbException("LimitExceededException", "Subscriber limit exceeded: Only " + MAX_GSIS + " global secondary indexes are allowed per table");
                        }
                        table.globalIndexes.add(index);
                        table.backfill(index);
                    } else if (update.has("Delete")) {
                        String indexName = update.get("Delete").path("IndexName").asText();
                        IndexDef index = table.index(indexName);
                        if (index == null || !index.global) {
                            throw new DynamoDbException("ResourceNotFoundException", "Requested resource not found: Index: " + indexName);
                        }
                        table.globalIndexes.remove(index);
                    } else if (update.has("Update")) {
                        String indexName = update.get("Update").path("IndexName").asText();
                        IndexDef index = table.index(indexName);
                        if (index == null || !index.global) {
                            throw new DynamoDbException("ResourceNotFoundException", "Requested resource not found: Index: " + indexName);
                        }
                        long[] t = throughput(update.get("Update").get("ProvisionedThroughput"), table.billingMode);
                        index.readCapacity = t[0];
                        index.writeCapacity = t[1];
                    }
                }
                // keep only the definitions still used by a key
                ArrayNode kept = Values.NODES.arrayNode();
                Set<String> usedNames = new HashSet<>();
                usedNames.add(table.key.hashName());
                if (table.key.hasRange()) {
                    usedNames.add(table.key.rangeName());
                }
                for (IndexDef index : table.allIndexes()) {
                    usedNames.add(index.key.hashName());
                    if (index.key.hasRange()) {
                        usedNames.add(index.key.rangeName());
                    }
                }
                for (String name : usedNames) {
                    kept.addObject().put("AttributeName", name).put("AttributeType", definitions.get(name));
                }
                table.attributeDefinitions = kept;
                changed = true;
            }
            JsonNode streamSpec = Requests.node(request, "StreamSpecification");
            if (streamSpec != null) {
                String viewType = streamViewType(streamSpec);
                boolean enable = streamSpec.path("StreamEnabled").asBoolean(false);
                if (enable) {
                    if (table.streamEnabled) {
                        throw DynamoDbException.validation("Table already has an enabled stream: TableName: " + table.name);
                    }
                    enableStream(table, viewType);
                } else {
                    if (!table.streamEnabled) {
                        throw DynamoDbException.validation("Table does not have an enabled stream: TableName: " + table.name);
                    }
                    table.streamEnabled = false;
                    streams.disable(table.name);
                }
                changed = true;
            }
            if (request.has("DeletionProtectionEnabled")) {
                table.deletionProtection = request.get("DeletionProtectionEnabled").asBoolean();
                changed = true;
            }
            if (request.has("TableClass")) {
                table.tableClass = request.get("TableClass").asText();
                changed = true;
            }
            if (!changed) {
                throw DynamoDbException.validation("At least one of ProvisionedThroughput, BillingMode, UpdateStreamEnabled, GlobalSecondaryIndexUpdates or SSESpecification or ReplicaUpdates is required");
            }
        }
        ObjectNode response = Values.object();
        response.set("TableDescription", TableJson.description(table, "ACTIVE"));
        return response;
    }

    // ---------------------------------------------------------------- DeleteTable

    public JsonNode deleteTable(ObjectNode request) {
        Table table = catalog.require(Requests.tableName(request));
        synchronized (table) {
            if (table.deletionProtection) {
                throw DynamoDbException.validation("Resource cannot be deleted as it is currently protected against deletion. Disable deletion protection first.");
            }
            catalog.remove(table);
            table.deleted = true;
            if (table.streamEnabled) {
                table.streamEnabled = false;
                streams.disable(table.name);
            }
        }
        ObjectNode response = Values.object();
        response.set("TableDescription", TableJson.description(table, "DELETING"));
        return response;
    }

    // ---------------------------------------------------------------- TTL

    public JsonNode updateTimeToLive(ObjectNode request) {
        Table table = catalog.require(Requests.tableName(request));
        JsonNode spec = Requests.node(request, "TimeToLiveSpecification");
        if (spec == null) {
            throw DynamoDbException.validation("1 validation error detected: Value null at 'timeToLiveSpecification' failed to satisfy constraint: Member must not be null");
        }
        String attribute = spec.path("AttributeName").asText(null);
        if (attribute == null || attribute.isEmpty()) {
            throw DynamoDbException.validation("1 validation error detected: Value null at 'timeToLiveSpecification.attributeName' failed to satisfy constraint: Member must not be null");
        }
        boolean enabled = spec.path("Enabled").asBoolean(false);
        synchronized (table) {
            if (enabled && table.ttlEnabled) {
                throw DynamoDbException.validation("TimeToLive is already enabled");
            }
            if (!enabled && !table.ttlEnabled) {
                throw DynamoDbException.validation("TimeToLive is already disabled");
            }
            if (!enabled && !attribute.equals(table.ttlAttribute)) {
                throw DynamoDbException.validation("TimeToLive is active on a different AttributeName: current AttributeName is " + table.ttlAttribute);
            }
            table.ttlAttribute = enabled ? attribute : null;
            table.ttlEnabled = enabled;
        }
        ObjectNode response = Values.object();
        ObjectNode out = response.putObject("TimeToLiveSpecification");
        out.put("Enabled", enabled);
        out.put("AttributeName", attribute);
        return response;
    }

    public JsonNode describeTimeToLive(ObjectNode request) {
        Table table = catalog.require(Requests.tableName(request));
        ObjectNode response = Values.object();
        ObjectNode description = response.putObject("TimeToLiveDescription");
        description.put("TimeToLiveStatus", table.ttlEnabled ? "ENABLED" : "DISABLED");
        if (table.ttlEnabled) {
            description.put("AttributeName", table.ttlAttribute);
        }
        return response;
    }

    // ---------------------------------------------------------------- continuous backups

    public JsonNode describeContinuousBackups(ObjectNode request) {
        String name = Requests.tableName(request);
        Table table = catalog.find(name);
        if (table == null) {
            throw new DynamoDbException("TableNotFoundException", "Table not found: " + name);
        }
        return continuousBackups(table);
    }

    public JsonNode updateContinuousBackups(ObjectNode request) {
        String name = Requests.tableName(request);
        Table table = catalog.find(name);
        if (table == null) {
            throw new DynamoDbException("TableNotFoundException", "Table not found: " + name);
        }
        JsonNode spec = Requests.node(request, "PointInTimeRecoverySpecification");
        if (spec == null || !spec.has("PointInTimeRecoveryEnabled")) {
            throw DynamoDbException.validation("1 validation error detected: Value null at 'pointInTimeRecoverySpecification' failed to satisfy constraint: Member must not be null");
        }
        table.pointInTimeRecovery = spec.get("PointInTimeRecoveryEnabled").asBoolean();
        return continuousBackups(table);
    }

    private ObjectNode continuousBackups(Table table) {
        ObjectNode response = Values.object();
        ObjectNode description = response.putObject("ContinuousBackupsDescription");
        description.put("ContinuousBackupsStatus", "ENABLED");
        ObjectNode pitr = description.putObject("PointInTimeRecoveryDescription");
        pitr.put("PointInTimeRecoveryStatus", table.pointInTimeRecovery ? "ENABLED" : "DISABLED");
        if (table.pointInTimeRecovery) {
            pitr.put("EarliestRestorableDateTime", table.creationDateTime);
            pitr.put("LatestRestorableDateTime", now());
            pitr.put("RecoveryPeriodInDays", 35);
        }
        return response;
    }

    // ---------------------------------------------------------------- tags

    private Table tableByArn(ObjectNode request) {
        String arn = Requests.required(request, "ResourceArn");
        Table table = catalog.byArn(arn);
        if (table == null) {
            throw new DynamoDbException("ResourceNotFoundException", "Requested resource not found: ResourcArn: " + arn + " not found");
        }
        return table;
    }

    public JsonNode tagResource(ObjectNode request) {
        Table table = tableByArn(request);
        JsonNode tags = Requests.node(request, "Tags");
        if (tags == null) {
            throw DynamoDbException.validation("1 validation error detected: Value null at 'tags' failed to satisfy constraint: Member must not be null");
        }
        for (JsonNode tag : tags) {
            table.tags.put(tag.path("Key").asText(), tag.path("Value").asText());
        }
        return Values.object();
    }

    public JsonNode untagResource(ObjectNode request) {
        Table table = tableByArn(request);
        JsonNode keys = Requests.node(request, "TagKeys");
        if (keys == null) {
            throw DynamoDbException.validation("1 validation error detected: Value null at 'tagKeys' failed to satisfy constraint: Member must not be null");
        }
        keys.forEach(k -> table.tags.remove(k.asText()));
        return Values.object();
    }

    public JsonNode listTagsOfResource(ObjectNode request) {
        Table table = tableByArn(request);
        ObjectNode response = Values.object();
        ArrayNode tags = response.putArray("Tags");
        table.tags.forEach((k, v) -> tags.addObject().put("Key", k).put("Value", v));
        return response;
    }

    // ---------------------------------------------------------------- limits and endpoints

    public JsonNode describeLimits(ObjectNode request) {
        ObjectNode response = Values.object();
        response.put("AccountMaxReadCapacityUnits", 80000);
        response.put("AccountMaxWriteCapacityUnits", 80000);
        response.put("TableMaxReadCapacityUnits", 40000);
        response.put("TableMaxWriteCapacityUnits", 40000);
        return response;
    }

    public JsonNode describeEndpoints(ObjectNode request) {
        ObjectNode response = Values.object();
        response.putArray("Endpoints").addObject().put("Address", endpointAddress).put("CachePeriodInMinutes", 1440);
        return response;
    }
}
