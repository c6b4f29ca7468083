package io.userstreams.localdynamodb.item;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.userstreams.localdynamodb.expr.Ast;
import io.userstreams.localdynamodb.expr.Ast.Condition;
import io.userstreams.localdynamodb.expr.Evaluator;
import io.userstreams.localdynamodb.expr.ExpressionAttributes;
import io.userstreams.localdynamodb.expr.Legacy;
import io.userstreams.localdynamodb.expr.Parser;
import io.userstreams.localdynamodb.expr.Path;
import io.userstreams.localdynamodb.http.DynamoDbException;
import io.userstreams.localdynamodb.http.Requests;
import io.userstreams.localdynamodb.streams.ItemChange;
import io.userstreams.localdynamodb.streams.StreamSink;
import io.userstreams.localdynamodb.table.Catalog;
import io.userstreams.localdynamodb.table.IndexDef;
import io.userstreams.localdynamodb.table.ItemKey;
import io.userstreams.localdynamodb.table.KeyDef;
import io.userstreams.localdynamodb.table.KeyValue;
import io.userstreams.localdynamodb.table.Table;
import java.math.BigDecimal;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.BiFunction;

/** GetItem, PutItem, UpdateItem, DeleteItem, BatchGetItem, BatchWriteItem, TransactWriteItems, TransactGetItems. */
public final class ItemOperations {
    private static final long IDEMPOTENCY_MILLIS = 10 * 60 * 1000;
    private static final int MAX_TRANSACT_ITEMS = 100;
    private static final int MAX_BATCH_WRITE = 25;
    private static final int MAX_BATCH_GET = 100;

    private final Catalog catalog;
    private final StreamSink streams;
    private final Clock clock;
    private final Map<String, IdempotentResult> tokens = new ConcurrentHashMap<>();
    private final Object[] tokenLocks = new Object[64];

    private record IdempotentResult(JsonNode request, JsonNode response, long expiresAt) {}

    /** A validated primary key: storage form and wire form. */
    public record Key(ItemKey itemKey, ObjectNode attributes) {}

    /** Computes the new item from the old one (null: missing); returns null to delete. */
    @FunctionalInterface
    public interface Mutation {
        ObjectNode apply(ObjectNode oldItem);
    }

    /** One write, prepared (parsed and validated) before any lock is taken. */
    public record Write(Table table, Key key, Condition condition, Mutation mutation, boolean allOldOnFailure) {}

    public record Outcome(ObjectNode oldItem, ObjectNode newItem, boolean changed) {}

    public ItemOperations(Catalog catalog, StreamSink streams, Clock clock) {
        this.catalog = catalog;
        this.streams = streams;
        this.clock = clock;
        for (int i = 0; i < tokenLocks.length; i++) {
            tokenLocks[i] = new Object();
        }
    }

    // ================================================================ keys and validation

    /** A Key parameter: exactly the key attributes, of the right types. */
    public static Key key(Table table, JsonNode keyNode) {
        if (keyNode == null || keyNode.isNull()) {
            throw DynamoDbException.validation("1 validation error detected: Value null at 'key' failed to satisfy constraint: Member must not be null");
        }
        ObjectNode key = Values.canonicalItem(keyNode);
        KeyDef def = table.key;
        if (key.size() != (def.hasRange() ? 2 : 1) || !key.has(def.hashName()) || (def.hasRange() && !key.has(def.rangeName()))) {
            throw DynamoDbException.validation("The provided key element does not match the schema");
        }
        checkKeyAttribute(def.hashName(), def.hashType(), key.get(def.hashName()), true, true);
        if (def.hasRange()) {
            checkKeyAttribute(def.rangeName(), def.rangeType(), key.get(def.rangeName()), false, true);
        }
        return new Key(def.keyOf(key), key);
    }

    /** The key of a whole item (PutItem): present, typed, non-empty, within size limits. */
    public static Key keyOfItem(Table table, ObjectNode item) {
        KeyDef def = table.key;
        for (String name : def.hasRange() ? new String[] {def.hashName(), def.rangeName()} : new String[] {def.hashName()}) {
            if (!item.has(name)) {
                throw DynamoDbException.validation("One or more parameter values were invalid: Missing the key " + name + " in the item");
            }
        }
        checkKeyAttribute(def.hashName(), def.hashType(), item.get(def.hashName()), true, false);
        if (def.hasRange()) {
            checkKeyAttribute(def.rangeName(), def.rangeType(), item.get(def.rangeName()), false, false);
        }
        return new Key(def.keyOf(item), def.keyAttributes(item));
    }

    private static void checkKeyAttribute(String name, String type, JsonNode value, boolean hash, boolean keyParameter) {
        String actual = Values.type(value);
        if (!actual.equals(type)) {
            if (keyParameter) {
                throw DynamoDbException.validation("The provided key element does not match the schema");
            }
            throw DynamoDbException.validation("One or more parameter values were invalid: Type mismatch for key " + name
                    + " expected: " + type + " actual: " + actual);
        }
        long size = Values.valueSize(value);
        if (size == 0) {
            throw DynamoDbException.validation("One or more parameter values are not valid. The AttributeValue for a key attribute cannot contain an empty "
                    + (type.equals("S") ? "string" : "binary") + " value. Key: " + name);
        }
        if (hash && size > 2048) {
            throw DynamoDbException.validation("One or more parameter values were invalid: Size of hashkey has exceeded the maximum size limit of2048 bytes");
        }
        if (!hash && size > 1024) {
            throw DynamoDbException.validation("One or more parameter values were invalid: Aggregated size of all range keys has exceeded the size limit of 1024 bytes");
        }
    }

    /** Secondary index keys present in the item must have the index's types and be non-empty. */
    static void checkIndexKeys(Table table, ObjectNode item) {
        for (IndexDef index : table.allIndexes()) {
            KeyDef key = index.key;
            for (String[] attr : key.hasRange()
                    ? new String[][] {{key.hashName(), key.hashType()}, {key.rangeName(), key.rangeType()}}
                    : new String[][] {{key.hashName(), key.hashType()}}) {
                JsonNode value = item.get(attr[0]);
                if (value == null || table.key.isKeyAttribute(attr[0])) {
                    continue;
                }
                String actual = Values.type(value);
                if (!actual.equals(attr[1])) {
                    throw DynamoDbException.validation("One or more parameter values were invalid: Type mismatch for Index Key "
                            + attr[0] + " Expected: " + attr[1] + " Actual: " + actual + " IndexName: " + index.name);
                }
                if (Values.valueSize(value) == 0) {
                    throw DynamoDbException.validation("One or more parameter values are not valid. A value specified for a secondary index key is not supported. "
                            + "The AttributeValue for a key attribute cannot contain an empty string value. IndexName: " + index.name
                            + ", IndexKey: " + attr[0]);
                }
            }
        }
    }

    static void checkItemSize(ObjectNode item, boolean update) {
        if (Values.itemSize(item) > Values.MAX_ITEM_SIZE) {
            throw DynamoDbException.validation(update ? "Item size to update has exceeded the maximum allowed size"
                    : "Item size has exceeded the maximum allowed size");
        }
    }

    /** Expression and legacy parameters must not be mixed. */
    public static void noMix(ObjectNode request, List<String> legacy, List<String> expressions) {
        List<String> usedLegacy = legacy.stream().filter(p -> Requests.node(request, p) != null).toList();
        List<String> usedExpressions = expressions.stream().filter(p -> Requests.node(request, p) != null).toList();
        if (!usedLegacy.isEmpty() && !usedExpressions.isEmpty()) {
            throw DynamoDbException.validation("Can not use both expression and non-expression parameters in the same request: Non-expression parameters: {"
                    + String.join(", ", usedLegacy) + "} Expression parameters: {" + String.join(", ", usedExpressions) + "}");
        }
    }

    /** Names and values of a request; only allowed when the request uses an expression. */
    public static ExpressionAttributes attributes(JsonNode request, boolean anyExpression) {
        JsonNode names = request.get("ExpressionAttributeNames");
        JsonNode values = request.get("ExpressionAttributeValues");
        if (!anyExpression) {
            if (names != null && !names.isNull()) {
                throw DynamoDbException.validation("ExpressionAttributeNames can only be specified when using expressions");
            }
            if (values != null && !values.isNull()) {
                throw DynamoDbException.validation("ExpressionAttributeValues can only be specified when using expressions");
            }
        }
        return new ExpressionAttributes(names, values);
    }

    /** ProjectionExpression or AttributesToGet; null for every attribute. */
    public static List<Path> projection(JsonNode request, ExpressionAttributes attributes) {
        JsonNode expression = request.get("ProjectionExpression");
        if (expression != null && !expression.isNull()) {
            return Parser.projection(expression.asText(), attributes);
        }
        JsonNode attributesToGet = request.get("AttributesToGet");
        if (attributesToGet != null && !attributesToGet.isNull()) {
            List<Path> paths = new ArrayList<>();
            Set<String> seen = new HashSet<>();
            for (JsonNode name : attributesToGet) {
                if (!seen.add(name.asText())) {
                    throw DynamoDbException.validation("One or more parameter values were invalid: Duplicate value in attribute name: " + name.asText());
                }
                paths.add(Path.of(name.asText()));
            }
            return paths;
        }
        return null;
    }

    private static String returnValues(ObjectNode request, List<String> allowed) {
        String value = Requests.text(request, "ReturnValues");
        if (value == null) {
            return "NONE";
        }
        if (allowed.contains(value)) {
            return value;
        }
        if (Set.of("NONE", "ALL_OLD", "UPDATED_OLD", "ALL_NEW", "UPDATED_NEW").contains(value)) {
            throw DynamoDbException.validation("Return values set to invalid value");
        }
        throw DynamoDbException.validation("1 validation error detected: Value '" + value
                + "' at 'returnValues' failed to satisfy constraint: Member must satisfy enum value set: [ALL_NEW, UPDATED_OLD, ALL_OLD, NONE, UPDATED_NEW]");
    }

    private static boolean allOldOnFailure(JsonNode request) {
        JsonNode value = request.get("ReturnValuesOnConditionCheckFailure");
        if (value == null || value.isNull() || value.asText().equals("NONE")) {
            return false;
        }
        if (value.asText().equals("ALL_OLD")) {
            return true;
        }
        throw DynamoDbException.validation("1 validation error detected: Value '" + value.asText()
                + "' at 'returnValuesOnConditionCheckFailure' failed to satisfy constraint: Member must satisfy enum value set: [ALL_OLD, NONE]");
    }

    private static String consumedMode(ObjectNode request) {
        return Requests.enumValue(request, "ReturnConsumedCapacity", "NONE", "INDEXES", "TOTAL", "NONE");
    }

    /** ConditionExpression or Expected/ConditionalOperator; null when the write is unconditional. */
    private static Condition condition(JsonNode request, ExpressionAttributes attributes) {
        JsonNode expression = request.get("ConditionExpression");
        if (expression != null && !expression.isNull()) {
            return Parser.condition(expression.asText(), "ConditionExpression", attributes);
        }
        JsonNode conditionalOperator = request.get("ConditionalOperator");
        return Legacy.expected(request.get("Expected"), conditionalOperator == null || conditionalOperator.isNull() ? null : conditionalOperator.asText());
    }

    // ================================================================ single-item writes

    /** Runs a write under its item's lock: condition, mutation, store, stream record. */
    public Outcome execute(Write write) {
        ReentrantLock lock = write.table().lockFor(write.key().itemKey());
        lock.lock();
        try {
            if (write.table().deleted) {
                throw DynamoDbException.resourceNotFound();
            }
            ObjectNode old = write.table().get(write.key().itemKey());
            if (write.condition() != null && !Evaluator.test(write.condition(), old)) {
                DynamoDbException failed = new DynamoDbException("ConditionalCheckFailedException", "The conditional request failed");
                if (write.allOldOnFailure() && old != null) {
                    ObjectNode details = Values.object();
                    details.set("Item", old);
                    failed.withDetails(details);
                }
                throw failed;
            }
            ObjectNode newItem = write.mutation().apply(old);
            return commit(write.table(), write.key(), old, newItem, false);
        } finally {
            lock.unlock();
        }
    }

    /** Stores the change and publishes its stream record; the caller holds the item's lock. */
    public Outcome commit(Table table, Key key, ObjectNode old, ObjectNode newItem, boolean expiredByTtl) {
        if (newItem == null) {
            if (old == null) {
                return new Outcome(null, null, false);
            }
            table.store(key.itemKey(), old, null);
            streams.publish(new ItemChange(table.name, "REMOVE", key.attributes(), old, null, expiredByTtl, Values.itemSize(old)));
            return new Outcome(old, null, true);
        }
        if (newItem.equals(old)) {
            return new Outcome(old, newItem, false);
        }
        table.store(key.itemKey(), old, newItem);
        streams.publish(new ItemChange(table.name, old == null ? "INSERT" : "MODIFY", key.attributes(), old, newItem,
                false, Values.itemSize(newItem)));
        return new Outcome(old, newItem, true);
    }

    public JsonNode putItem(ObjectNode request) {
        return singleWrite(request, List.of("NONE", "ALL_OLD"), (table, put) -> Prepared.of(preparePut(table, put)));
    }

    public JsonNode deleteItem(ObjectNode request) {
        return singleWrite(request, List.of("NONE", "ALL_OLD"), (table, delete) -> Prepared.of(prepareDelete(table, delete)));
    }

    public JsonNode updateItem(ObjectNode request) {
        return singleWrite(request, List.of("NONE", "ALL_OLD", "UPDATED_OLD", "ALL_NEW", "UPDATED_NEW"), this::prepareUpdate);
    }

    /**
     * A prepared PutItem, UpdateItem or DeleteItem. paths: every updated path (UPDATED_OLD); newPaths: those
     * that still hold a value after the update (UPDATED_NEW); both empty for a put or a delete.
     */
    private record Prepared(Write write, List<Path> paths, List<Path> newPaths) {
        static Prepared of(Write write) {
            return new Prepared(write, List.of(), List.of());
        }

        /** What ReturnValues asks to return; null for nothing. */
        ObjectNode returned(String returnValues, Outcome outcome) {
            return switch (returnValues) {
                case "ALL_OLD" -> outcome.oldItem();
                case "ALL_NEW" -> outcome.newItem();
                case "UPDATED_OLD" -> outcome.oldItem() == null ? null : Evaluator.project(outcome.oldItem(), paths);
                case "UPDATED_NEW" -> outcome.newItem() == null ? null : Evaluator.project(outcome.newItem(), newPaths);
                default -> null;
            };
        }
    }

    /**
     * The one path of PutItem, UpdateItem and DeleteItem: the table, the ReturnValues the operation allows,
     * its write prepared by {@code prepare}, run under the item's lock ({@link #execute}), then the
     * returned attributes and the consumed capacity.
     */
    private JsonNode singleWrite(ObjectNode request, List<String> allowedReturnValues,
                                 BiFunction<Table, JsonNode, Prepared> prepare) {
        Table table = catalog.require(Requests.tableName(request));
        String returnValues = returnValues(request, allowedReturnValues);
        Prepared prepared = prepare.apply(table, request);
        Outcome outcome = execute(prepared.write());
        ObjectNode response = Values.object();
        ObjectNode attributes = prepared.returned(returnValues, outcome);
        if (attributes != null && !attributes.isEmpty()) {
            response.set("Attributes", attributes);
        }
        putWriteCapacity(response, consumedMode(request), table, outcome);
        return response;
    }

    private Write preparePut(Table table, JsonNode request) {
        JsonNode itemNode = request.get("Item");
        if (itemNode == null || itemNode.isNull()) {
            throw DynamoDbException.validation("1 validation error detected: Value null at 'item' failed to satisfy constraint: Member must not be null");
        }
        ObjectNode item = Values.canonicalItem(itemNode);
        Key key = keyOfItem(table, item);
        checkIndexKeys(table, item);
        checkItemSize(item, false);
        return conditionalWrite(table, key, request, old -> item);
    }

    private Write prepareDelete(Table table, JsonNode request) {
        return conditionalWrite(table, key(table, request.get("Key")), request, old -> null);
    }

    /** A put's or a delete's write: its ConditionExpression (or legacy Expected) guards the mutation. */
    private static Write conditionalWrite(Table table, Key key, JsonNode request, Mutation mutation) {
        noMix((ObjectNode) request, List.of("Expected"), List.of("ConditionExpression"));
        ExpressionAttributes attributes = attributes(request, request.hasNonNull("ConditionExpression"));
        Condition condition = condition(request, attributes);
        attributes.checkAllUsed();
        return new Write(table, key, condition, mutation, allOldOnFailure(request));
    }

    private Write prepareConditionCheck(Table table, JsonNode request) {
        Key key = key(table, request.get("Key"));
        if (!request.hasNonNull("ConditionExpression")) {
            throw DynamoDbException.validation("1 validation error detected: Value null at 'transactItems.1.member.conditionCheck.conditionExpression' failed to satisfy constraint: Member must not be null");
        }
        ExpressionAttributes attributes = attributes(request, true);
        Condition condition = condition(request, attributes);
        attributes.checkAllUsed();
        return new Write(table, key, condition, old -> old, allOldOnFailure(request));
    }

    private Prepared prepareUpdate(Table table, JsonNode request) {
        Key key = key(table, request.get("Key"));
        noMix((ObjectNode) request, List.of("AttributeUpdates", "Expected"), List.of("UpdateExpression", "ConditionExpression"));
        boolean anyExpression = request.hasNonNull("UpdateExpression") || request.hasNonNull("ConditionExpression");
        ExpressionAttributes attributes = attributes(request, anyExpression);
        Condition condition = condition(request, attributes);
        JsonNode updateExpression = request.get("UpdateExpression");
        Mutation mutation;
        List<Path> paths;
        List<Path> newPaths;
        if (updateExpression != null && !updateExpression.isNull()) {
            Ast.Update update = Parser.update(updateExpression.asText(), attributes);
            paths = update.paths();
            newPaths = new ArrayList<>(paths);
            newPaths.removeAll(update.removes());
            for (Path path : paths) {
                if (table.key.isKeyAttribute(path.head())) {
                    throw DynamoDbException.validation("One or more parameter values were invalid: Cannot update attribute "
                            + path.head() + ". This attribute is part of the key");
                }
            }
            // UpdateItem always upserts: even a REMOVE-only update of a missing item creates it with its key.
            mutation = old -> {
                ObjectNode base = old != null ? old : key.attributes().deepCopy();
                ObjectNode updated = Evaluator.update(update, base);
                checkIndexKeys(table, updated);
                checkItemSize(updated, true);
                return updated;
            };
        } else {
            JsonNode attributeUpdates = request.get("AttributeUpdates");
            paths = new ArrayList<>();
            mutation = legacyUpdate(table, key, attributeUpdates, paths);
            newPaths = paths;
        }
        attributes.checkAllUsed();
        return new Prepared(new Write(table, key, condition, mutation, allOldOnFailure(request)), paths, newPaths);
    }

    /** The legacy AttributeUpdates: Action PUT (default), ADD (numbers, sets), DELETE (attribute or set elements). */
    private static Mutation legacyUpdate(Table table, Key key, JsonNode attributeUpdates, List<Path> paths) {
        if (attributeUpdates == null || attributeUpdates.isNull() || attributeUpdates.isEmpty()) {
            return old -> old != null ? old : key.attributes().deepCopy();
        }
        Map<String, String> actions = new TreeMap<>();
        Map<String, JsonNode> values = new TreeMap<>();
        List<String> order = new ArrayList<>();
        boolean createsAttributes = false;
        for (Iterator<Map.Entry<String, JsonNode>> it = attributeUpdates.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> entry = it.next();
            String name = entry.getKey();
            if (table.key.isKeyAttribute(name)) {
                throw DynamoDbException.validation("One or more parameter values were invalid: Cannot update attribute "
                        + name + ". This attribute is part of the key");
            }
            String action = entry.getValue().path("Action").asText("PUT");
            JsonNode value = entry.getValue().get("Value");
            JsonNode canonical = value == null || value.isNull() ? null : Values.canonical(value);
            switch (action) {
                case "PUT" -> {
                    if (canonical == null) {
                        throw DynamoDbException.validation("One or more parameter values were invalid: Only DELETE action is allowed when no attribute value is specified");
                    }
                    createsAttributes = true;
                }
                case "ADD" -> {
                    if (canonical == null) {
                        throw DynamoDbException.validation("One or more parameter values were invalid: Only DELETE action is allowed when no attribute value is specified");
                    }
                    String type = Values.type(canonical);
                    if (!Set.of("N", "SS", "NS", "BS", "L").contains(type)) {
                        throw DynamoDbException.validation("One or more parameter values were invalid: ADD action is not supported for the type " + type);
                    }
                    createsAttributes = true;
                }
                case "DELETE" -> {
                    if (canonical != null && !Set.of("SS", "NS", "BS").contains(Values.type(canonical))) {
                        throw DynamoDbException.validation("One or more parameter values were invalid: DELETE action with value is not supported for the type "
                                + Values.type(canonical));
                    }
                }
                default -> throw DynamoDbException.validation("1 validation error detected: Value '" + action
                        + "' at 'attributeUpdates." + name + ".member.action' failed to satisfy constraint: Member must satisfy enum value set: [ADD, PUT, DELETE]");
            }
            actions.put(name, action);
            if (canonical != null) {
                values.put(name, canonical);
            }
            order.add(name);
            paths.add(Path.of(name));
        }
        boolean creates = createsAttributes;
        return old -> {
            if (old == null && !creates) {
                return null;
            }
            ObjectNode item = old != null ? old.deepCopy() : key.attributes().deepCopy();
            for (String name : order) {
                JsonNode value = values.get(name);
                JsonNode existing = item.get(name);
                switch (actions.get(name)) {
                    case "PUT" -> item.set(name, value);
                    case "ADD" -> item.set(name, legacyAdd(existing, value));
                    default -> {
                        if (value == null) {
                            item.remove(name);
                        } else if (existing != null) {
                            String type = Values.type(value);
                            if (!Values.type(existing).equals(type)) {
                                throw DynamoDbException.validation("Type mismatch for attribute to update");
                            }
                            TreeSet<String> remaining = new TreeSet<>(setOrder(type));
                            existing.get(type).forEach(e -> remaining.add(e.textValue()));
                            value.get(type).forEach(e -> remaining.remove(e.textValue()));
                            if (remaining.isEmpty()) {
                                item.remove(name);
                            } else {
                                ObjectNode set = Values.object();
                                remaining.forEach(set.putArray(type)::add);
                                item.set(name, set);
                            }
                        }
                    }
                }
            }
            checkIndexKeys(table, item);
            checkItemSize(item, true);
            return item;
        };
    }

    private static JsonNode legacyAdd(JsonNode existing, JsonNode value) {
        if (existing == null) {
            return value;
        }
        String type = Values.type(value);
        if (!Values.type(existing).equals(type)) {
            throw DynamoDbException.validation("Type mismatch for attribute to update");
        }
        switch (type) {
            case "N":
                return Values.n(Values.number(existing).add(Values.number(value)));
            case "L": {
                ObjectNode out = Values.object();
                ArrayNode list = out.putArray("L");
                existing.get("L").forEach(list::add);
                value.get("L").forEach(list::add);
                return out;
            }
            default: {
                TreeSet<String> union = new TreeSet<>(setOrder(type));
                existing.get(type).forEach(e -> union.add(e.textValue()));
                value.get(type).forEach(e -> union.add(e.textValue()));
                ObjectNode out = Values.object();
                union.forEach(out.putArray(type)::add);
                return out;
            }
        }
    }

    private static java.util.Comparator<String> setOrder(String type) {
        return Values.setOrder(type);
    }

    private static void putWriteCapacity(ObjectNode response, String mode, Table table, Outcome outcome) {
        if (mode.equals("NONE")) {
            return; // sizing every index projection costs more than the write itself
        }
        ObjectNode consumed = new Capacity.Writes(table.name).add(table, outcome.oldItem(),
                outcome.changed() ? outcome.newItem() : outcome.oldItem(), 1).node(mode);
        if (consumed != null) {
            response.set("ConsumedCapacity", consumed);
        }
    }

    private static void putCapacity(ObjectNode response, String mode, Table table, double units, boolean read) {
        ObjectNode consumed = Capacity.node(mode, table.name, units, read);
        if (consumed != null) {
            response.set("ConsumedCapacity", consumed);
        }
    }

    // ================================================================ GetItem

    public JsonNode getItem(ObjectNode request) {
        Table table = catalog.require(Requests.tableName(request));
        Key key = key(table, request.get("Key"));
        noMix(request, List.of("AttributesToGet"), List.of("ProjectionExpression"));
        ExpressionAttributes attributes = attributes(request, request.hasNonNull("ProjectionExpression"));
        List<Path> projection = projection(request, attributes);
        attributes.checkAllUsed();
        boolean consistent = Requests.bool(request, "ConsistentRead", false);
        ObjectNode item = table.get(key.itemKey());
        ObjectNode response = Values.object();
        if (item != null) {
            response.set("Item", projection == null ? item : Evaluator.project(item, projection));
        }
        putCapacity(response, consumedMode(request), table,
                Capacity.readUnits(item == null ? 0 : Values.itemSize(item), consistent), true);
        return response;
    }

    // ================================================================ batches

    public JsonNode batchGetItem(ObjectNode request) {
        JsonNode requestItems = Requests.node(request, "RequestItems");
        if (requestItems == null || requestItems.isEmpty()) {
            throw DynamoDbException.validation("1 validation error detected: Value null at 'requestItems' failed to satisfy constraint: Member must not be null");
        }
        int total = 0;
        record TableRead(Table table, List<Key> keys, List<Path> projection, boolean consistent) {}
        List<TableRead> reads = new ArrayList<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = requestItems.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> entry = it.next();
            JsonNode spec = entry.getValue();
            JsonNode keysNode = spec.get("Keys");
            if (keysNode == null || keysNode.isEmpty()) {
                throw DynamoDbException.validation("1 validation error detected: Value '[]' at 'requestItems." + entry.getKey()
                        + ".member.keys' failed to satisfy constraint: Member must have length greater than or equal to 1");
            }
            total += keysNode.size();
            if (total > MAX_BATCH_GET) {
                throw DynamoDbException.validation("Too many items requested for the BatchGetItem call");
            }
            Table table = catalog.require(entry.getKey());
            noMix((ObjectNode) spec, List.of("AttributesToGet"), List.of("ProjectionExpression"));
            ExpressionAttributes attributes = attributes(spec, spec.hasNonNull("ProjectionExpression"));
            List<Path> projection = projection(spec, attributes);
            attributes.checkAllUsed();
            List<Key> keys = new ArrayList<>();
            Set<ItemKey> seen = new HashSet<>();
            for (JsonNode keyNode : keysNode) {
                Key key = key(table, keyNode);
                if (!seen.add(key.itemKey())) {
                    throw DynamoDbException.validation("Provided list of item keys contains duplicates");
                }
                keys.add(key);
            }
            reads.add(new TableRead(table, keys, projection, spec.path("ConsistentRead").asBoolean(false)));
        }
        String mode = consumedMode(request);
        ObjectNode response = Values.object();
        ObjectNode responses = response.putObject("Responses");
        ArrayNode consumed = Values.NODES.arrayNode();
        for (TableRead read : reads) {
            ArrayNode items = responses.putArray(read.table().name);
            double units = 0;
            for (Key key : read.keys()) {
                ObjectNode item = read.table().get(key.itemKey());
                units += Capacity.readUnits(item == null ? 0 : Values.itemSize(item), read.consistent());
                if (item != null) {
                    items.add(read.projection() == null ? item : Evaluator.project(item, read.projection()));
                }
            }
            ObjectNode node = Capacity.node(mode, read.table().name, units, true);
            if (node != null) {
                consumed.add(node);
            }
        }
        response.putObject("UnprocessedKeys");
        if (!consumed.isEmpty()) {
            response.set("ConsumedCapacity", consumed);
        }
        return response;
    }

    public JsonNode batchWriteItem(ObjectNode request) {
        JsonNode requestItems = Requests.node(request, "RequestItems");
        if (requestItems == null || requestItems.isEmpty()) {
            throw DynamoDbException.validation("1 validation error detected: Value null at 'requestItems' failed to satisfy constraint: Member must not be null");
        }
        int total = 0;
        for (JsonNode writes : requestItems) {
            total += writes.size();
        }
        if (total > MAX_BATCH_WRITE) {
            throw DynamoDbException.validation("1 validation error detected: Value at 'requestItems' failed to satisfy constraint: "
                    + "Map value must satisfy constraint: [Member must have length less than or equal to 25, Member must have length greater than or equal to 1]");
        }
        List<Write> writes = new ArrayList<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = requestItems.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> entry = it.next();
            Table table = catalog.require(entry.getKey());
            if (entry.getValue().isEmpty()) {
                throw DynamoDbException.validation("1 validation error detected: Value at 'requestItems' failed to satisfy constraint: "
                        + "Map value must satisfy constraint: [Member must have length less than or equal to 25, Member must have length greater than or equal to 1]");
            }
            Set<ItemKey> seen = new HashSet<>();
            for (JsonNode writeRequest : entry.getValue()) {
                Write write;
                if (writeRequest.hasNonNull("PutRequest") && !writeRequest.hasNonNull("DeleteRequest")) {
                    ObjectNode put = Values.object();
                    put.set("Item", writeRequest.get("PutRequest").get("Item"));
                    write = preparePut(table, put);
                } else if (writeRequest.hasNonNull("DeleteRequest") && !writeRequest.hasNonNull("PutRequest")) {
                    ObjectNode delete = Values.object();
                    delete.set("Key", writeRequest.get("DeleteRequest").get("Key"));
                    write = prepareDelete(table, delete);
                } else {
                    throw DynamoDbException.validation("Supplied AttributeValue has more than one datatypes set, must contain exactly one of the supported datatypes");
                }
                if (!seen.add(write.key().itemKey())) {
                    throw DynamoDbException.validation("Provided list of item keys contains duplicates");
                }
                writes.add(write);
            }
        }
        String mode = consumedMode(request);
        Map<String, Capacity.Writes> units = new TreeMap<>();
        for (Write write : writes) {
            Outcome outcome = execute(write);
            if (!mode.equals("NONE")) {
                units.computeIfAbsent(write.table().name, Capacity.Writes::new)
                        .add(write.table(), outcome.oldItem(), outcome.newItem(), 1);
            }
        }
        ObjectNode response = Values.object();
        response.putObject("UnprocessedItems");
        if (!mode.equals("NONE")) {
            ArrayNode consumed = response.putArray("ConsumedCapacity");
            units.values().forEach(u -> consumed.add(u.node(mode)));
        }
        return response;
    }

    // ================================================================ transactions

    /** TransactItems of TransactWriteItems or TransactGetItems: present, 1 to 100 of them. */
    private static JsonNode transactItems(ObjectNode request) {
        JsonNode items = Requests.node(request, "TransactItems");
        if (items == null) {
            throw DynamoDbException.validation("1 validation error detected: Value null at 'transactItems' failed to satisfy constraint: Member must not be null");
        }
        if (items.isEmpty() || items.size() > MAX_TRANSACT_ITEMS) {
            throw DynamoDbException.validation("1 validation error detected: Value '" + abbreviate(items)
                    + "' at 'transactItems' failed to satisfy constraint: Member must have length "
                    + (items.isEmpty() ? "greater than or equal to 1" : "less than or equal to 100"));
        }
        return items;
    }

    public JsonNode transactWriteItems(ObjectNode request) {
        JsonNode items = transactItems(request);
        String token = Requests.text(request, "ClientRequestToken");
        if (token == null) {
            return runTransaction(request, items);
        }
        synchronized (tokenLocks[Math.floorMod(token.hashCode(), tokenLocks.length)]) {
            long now = clock.millis();
            tokens.values().removeIf(r -> r.expiresAt() <= now);
            IdempotentResult previous = tokens.get(token);
            if (previous != null) {
                if (!previous.request().equals(items)) {
                    throw new DynamoDbException("IdempotentParameterMismatchException",
                            "Request parameters do not match the parameters of the original request with the same ClientRequestToken");
                }
                return previous.response();
            }
            JsonNode response = runTransaction(request, items);
            tokens.put(token, new IdempotentResult(items.deepCopy(), response, now + IDEMPOTENCY_MILLIS));
            return response;
        }
    }

    private JsonNode runTransaction(ObjectNode request, JsonNode items) {
        List<Write> writes = new ArrayList<>();
        Set<String> seen = new HashSet<>();
        for (JsonNode action : items) {
            if (action.size() != 1) {
                throw DynamoDbException.validation("TransactItems can only contain one of Check, Put, Update or Delete");
            }
            String kind = action.fieldNames().next();
            JsonNode body = action.get(kind);
            Table table = catalog.require(body.path("TableName").asText(null));
            Write write = switch (kind) {
                case "Put" -> preparePut(table, body);
                case "Delete" -> prepareDelete(table, body);
                case "Update" -> prepareUpdate(table, body).write();
                case "ConditionCheck" -> prepareConditionCheck(table, body);
                default -> throw DynamoDbException.validation("TransactItems can only contain one of Check, Put, Update or Delete");
            };
            if (!seen.add(table.name + "\u0000" + write.key().itemKey())) {
                throw DynamoDbException.validation("Transaction request cannot include multiple operations on one item");
            }
            writes.add(write);
        }
        String mode = consumedMode(request);
        List<ReentrantLock> locks = lockAll(writes.stream().map(w -> new Object[] {w.table(), w.key().itemKey()}).toList());
        Map<String, Capacity.Writes> units = new TreeMap<>();
        try {
            ObjectNode[] olds = new ObjectNode[writes.size()];
            ObjectNode[] news = new ObjectNode[writes.size()];
            ArrayNode reasons = Values.NODES.arrayNode();
            List<String> codes = new ArrayList<>();
            boolean failed = false;
            for (int i = 0; i < writes.size(); i++) {
                Write write = writes.get(i);
                if (write.table().deleted) {
                    throw DynamoDbException.resourceNotFound();
                }
                ObjectNode old = write.table().get(write.key().itemKey());
                olds[i] = old;
                ObjectNode reason = reasons.addObject();
                if (write.condition() != null && !Evaluator.test(write.condition(), old)) {
                    reason.put("Code", "ConditionalCheckFailed");
                    reason.put("Message", "The conditional request failed");
                    if (write.allOldOnFailure() && old != null) {
                        reason.set("Item", old);
                    }
                    codes.add("ConditionalCheckFailed");
                    failed = true;
                    continue;
                }
                try {
                    news[i] = write.mutation().apply(old);
                    reason.put("Code", "None");
                    codes.add("None");
                } catch (DynamoDbException e) {
                    if (!e.code().equals("ValidationException")) {
                        throw e;
                    }
                    reason.put("Code", "ValidationError");
                    reason.put("Message", e.getMessage());
                    codes.add("ValidationError");
                    failed = true;
                }
            }
            if (failed) {
                DynamoDbException canceled = new DynamoDbException("TransactionCanceledException",
                        "Transaction cancelled, please refer cancellation reasons for specific reasons " + codes.toString());
                ObjectNode details = Values.object();
                details.set("CancellationReasons", reasons);
                throw canceled.withDetails(details);
            }
            for (int i = 0; i < writes.size(); i++) {
                Write write = writes.get(i);
                commit(write.table(), write.key(), olds[i], news[i], false);
                if (!mode.equals("NONE")) {
                    units.computeIfAbsent(write.table().name, Capacity.Writes::new).add(write.table(), olds[i], news[i], 2);
                }
            }
        } finally {
            for (int i = locks.size() - 1; i >= 0; i--) {
                locks.get(i).unlock();
            }
        }
        ObjectNode response = Values.object();
        if (!mode.equals("NONE")) {
            ArrayNode consumed = response.putArray("ConsumedCapacity");
            units.values().forEach(u -> consumed.add(u.node(mode)));
        }
        return response;
    }

    /** Locks the stripes of several items in one global order (table name, stripe), so transactions never deadlock. */
    private static List<ReentrantLock> lockAll(List<Object[]> tableAndKeys) {
        TreeMap<String, ReentrantLock> ordered = new TreeMap<>();
        for (Object[] tableAndKey : tableAndKeys) {
            Table table = (Table) tableAndKey[0];
            int stripe = table.stripe((ItemKey) tableAndKey[1]);
            ordered.put(table.name + "\u0000" + String.format("%05d", stripe), table.lock(stripe));
        }
        List<ReentrantLock> locked = new ArrayList<>();
        try {
            for (ReentrantLock lock : ordered.values()) {
                lock.lock();
                locked.add(lock);
            }
        } catch (RuntimeException e) {
            locked.forEach(ReentrantLock::unlock);
            throw e;
        }
        return locked;
    }

    public JsonNode transactGetItems(ObjectNode request) {
        JsonNode items = transactItems(request);
        record Read(Table table, Key key, List<Path> projection) {}
        List<Read> reads = new ArrayList<>();
        Set<String> seen = new HashSet<>();
        for (JsonNode action : items) {
            JsonNode get = action.get("Get");
            if (get == null || action.size() != 1) {
                throw DynamoDbException.validation("1 validation error detected: Value null at 'transactItems.1.member.get' failed to satisfy constraint: Member must not be null");
            }
            Table table = catalog.require(get.path("TableName").asText(null));
            Key key = key(table, get.get("Key"));
            if (!seen.add(table.name + "\u0000" + key.itemKey())) {
                throw DynamoDbException.validation("Transaction request cannot include multiple operations on one item");
            }
            ExpressionAttributes attributes = attributes(get, get.hasNonNull("ProjectionExpression"));
            List<Path> projection = projection(get, attributes);
            attributes.checkAllUsed();
            reads.add(new Read(table, key, projection));
        }
        List<ReentrantLock> locks = lockAll(reads.stream().map(r -> new Object[] {r.table(), r.key().itemKey()}).toList());
        ObjectNode response = Values.object();
        ArrayNode responses = response.putArray("Responses");
        Map<String, Double> units = new TreeMap<>();
        try {
            for (Read read : reads) {
                ObjectNode item = read.table().get(read.key().itemKey());
                ObjectNode entry = responses.addObject();
                if (item != null) {
                    entry.set("Item", read.projection() == null ? item : Evaluator.project(item, read.projection()));
                }
                units.merge(read.table().name, 2 * Capacity.readUnits(item == null ? 0 : Values.itemSize(item), true), Double::sum);
            }
        } finally {
            for (int i = locks.size() - 1; i >= 0; i--) {
                locks.get(i).unlock();
            }
        }
        String mode = consumedMode(request);
        if (!mode.equals("NONE")) {
            ArrayNode consumed = response.putArray("ConsumedCapacity");
            units.forEach((name, u) -> consumed.add(Capacity.node(mode, name, u, true)));
        }
        return response;
    }

    private static String abbreviate(JsonNode node) {
        String text = node.toString();
        return text.length() > 200 ? text.substring(0, 200) + "..." : text;
    }

    // ================================================================ TTL

    /** Deletes one expired item if it is still expired under its lock; publishes REMOVE with expiredByTtl. */
    public boolean expire(Table table, ItemKey itemKey, String ttlAttribute, BigDecimal nowSeconds) {
        ReentrantLock lock = table.lockFor(itemKey);
        lock.lock();
        try {
            ObjectNode item = table.get(itemKey);
            if (item == null || !isExpired(item, ttlAttribute, nowSeconds)) {
                return false;
            }
            commit(table, new Key(itemKey, table.key.keyAttributes(item)), item, null, true);
            return true;
        } finally {
            lock.unlock();
        }
    }

    public static boolean isExpired(JsonNode item, String ttlAttribute, BigDecimal nowSeconds) {
        JsonNode ttl = item.get(ttlAttribute);
        if (ttl == null || !Values.type(ttl).equals("N")) {
            return false;
        }
        return isExpired(Values.number(ttl), nowSeconds);
    }

    /**
     * DynamoDB's TTL rule for a value in epoch seconds: at or before now, and ignored when more than
     * five years in the past (likely milliseconds or garbage).
     */
    public static boolean isExpired(BigDecimal expiry, BigDecimal nowSeconds) {
        return expiry.compareTo(nowSeconds) <= 0
                && expiry.compareTo(nowSeconds.subtract(BigDecimal.valueOf(5L * 365 * 24 * 3600))) > 0;
    }

    static KeyValue keyValue(JsonNode value) {
        return KeyValue.of(value);
    }

    static boolean sameBytes(byte[] a, byte[] b) {
        return Arrays.equals(a, b);
    }
}
