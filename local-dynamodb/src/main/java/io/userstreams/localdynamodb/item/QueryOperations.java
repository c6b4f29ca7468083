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
import io.userstreams.localdynamodb.table.Catalog;
import io.userstreams.localdynamodb.table.IndexDef;
import io.userstreams.localdynamodb.table.IndexKey;
import io.userstreams.localdynamodb.table.ItemKey;
import io.userstreams.localdynamodb.table.KeyDef;
import io.userstreams.localdynamodb.table.KeyValue;
import io.userstreams.localdynamodb.table.Table;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.function.Predicate;

/** Query and Scan over tables and secondary indexes, with filters, projections, paging and the 1 MB page limit. */
public final class QueryOperations {
    private static final long PAGE_BYTES = 1024 * 1024;

    private final Catalog catalog;

    public QueryOperations(Catalog catalog) {
        this.catalog = catalog;
    }

    /** Where a query reads: the table or one index, and how the read items are shaped. */
    private record Source(Table table, IndexDef index) {
        KeyDef key() {
            return index == null ? table.key : index.key;
        }
    }

    private record Candidate(ObjectNode item) {}

    // ---------------------------------------------------------------- Query

    public JsonNode query(ObjectNode request) {
        Table table = catalog.require(Requests.tableName(request));
        Source source = source(table, request);
        ItemOperations.noMix(request, List.of("KeyConditions", "QueryFilter", "AttributesToGet", "ConditionalOperator"),
                List.of("KeyConditionExpression", "FilterExpression", "ProjectionExpression"));
        boolean anyExpression = request.hasNonNull("KeyConditionExpression") || request.hasNonNull("FilterExpression")
                || request.hasNonNull("ProjectionExpression");
        ExpressionAttributes attributes = ItemOperations.attributes(request, anyExpression);
        Condition keyCondition;
        if (request.hasNonNull("KeyConditionExpression")) {
            keyCondition = Parser.condition(request.get("KeyConditionExpression").asText(), "KeyConditionExpression", attributes);
        } else if (request.hasNonNull("KeyConditions")) {
            keyCondition = Legacy.conditions(request.get("KeyConditions"), null);
        } else {
            throw DynamoDbException.validation("Either the KeyConditions or KeyConditionExpression parameter must be specified in the request.");
        }
        KeyRange range = keyRange(keyCondition, source.key(), request.hasNonNull("KeyConditionExpression"));
        Condition filter = filter(request, attributes, "QueryFilter", source);
        List<Path> projection = ItemOperations.projection(request, attributes);
        attributes.checkAllUsed();
        String select = select(request, source, projection);
        int limit = limit(request);
        boolean consistent = consistent(request, source);
        boolean forward = Requests.bool(request, "ScanIndexForward", true);

        Iterator<ObjectNode> items;
        JsonNode exclusiveStart = Requests.node(request, "ExclusiveStartKey");
        if (source.index() == null) {
            NavigableMap<ItemKey, byte[]> map = table.items();
            ItemKey lower = range.lower();
            ItemKey upper = range.upper();
            NavigableMap<ItemKey, byte[]> sub;
            if (exclusiveStart != null) {
                ItemKey start = startKey(table, source, exclusiveStart).tableKey();
                sub = forward
                        ? (start.compareTo(lower) < 0 ? map.subMap(lower, true, upper, true) : map.subMap(start, false, upper, true))
                        : (start.compareTo(upper) > 0 ? map.subMap(lower, true, upper, true) : map.subMap(lower, true, start, false));
            } else {
                sub = map.subMap(lower, true, upper, true);
            }
            items = tableItems(forward ? sub : sub.descendingMap());
        } else {
            NavigableMap<IndexKey, ItemKey> map = table.indexEntries(source.index());
            IndexKey lower = new IndexKey(range.lower(), null);
            IndexKey upper = new IndexKey(range.upper(), null);
            NavigableMap<IndexKey, ItemKey> sub;
            if (exclusiveStart != null) {
                IndexKey start = startKey(table, source, exclusiveStart);
                sub = forward
                        ? (start.compareTo(lower) < 0 ? map.subMap(lower, true, upper, true) : map.subMap(start, false, upper, true))
                        : (start.compareTo(upper) > 0 ? map.subMap(lower, true, upper, true) : map.subMap(lower, true, start, false));
            } else {
                sub = map.subMap(lower, true, upper, true);
            }
            items = indexItems(table, source.index(), forward ? sub : sub.descendingMap());
        }
        return page(request, source, items, range.matches(), range.stopEarly() && forward, filter, projection, select, limit, consistent);
    }

    /** A key condition as a storage range plus a predicate (begins_with narrows within the range). */
    private record KeyRange(ItemKey lower, ItemKey upper, Predicate<ObjectNode> matches, boolean stopEarly) {}

    private static KeyRange keyRange(Condition condition, KeyDef key, boolean expression) {
        String kind = "KeyConditionExpression";
        List<Condition> parts = new ArrayList<>();
        flattenAnd(condition, parts, expression);
        if (parts.size() > 2) {
            throw DynamoDbException.validation(expression
                    ? "Invalid KeyConditionExpression: The expression has too many conditions; KeyConditionExpressions must only contain one condition per key"
                    : "Conditions can be of length 1 or 2 only");
        }
        KeyValue partition = null;
        Condition sortCondition = null;
        for (Condition part : parts) {
            String attribute = keyAttribute(part, expression);
            if (attribute.equals(key.hashName())) {
                if (partition != null) {
                    throw DynamoDbException.validation("KeyConditionExpressions must only contain one condition per key");
                }
                if (!(part instanceof Ast.Compare compare) || !compare.operator().equals("=")) {
                    throw DynamoDbException.validation("Query key condition not supported");
                }
                JsonNode value = ((Ast.ValueOperand) compare.right()).value();
                if (!Values.type(value).equals(key.hashType())) {
                    throw DynamoDbException.validation("One or more parameter values were invalid: Condition parameter type does not match schema type");
                }
                partition = KeyValue.of(value);
            } else if (key.hasRange() && attribute.equals(key.rangeName())) {
                if (sortCondition != null) {
                    throw DynamoDbException.validation("KeyConditionExpressions must only contain one condition per key");
                }
                sortCondition = part;
            } else {
                throw DynamoDbException.validation(expression
                        ? "Query condition missed key schema element: " + (partition == null ? key.hashName() : key.rangeName())
                        : "Query condition missed key schema element");
            }
        }
        if (partition == null) {
            throw DynamoDbException.validation("Query condition missed key schema element: " + key.hashName());
        }
        ItemKey lower = ItemKey.partitionBound(partition, -1);
        ItemKey upper = ItemKey.partitionBound(partition, 1);
        if (sortCondition == null) {
            return new KeyRange(lower, upper, item -> true, false);
        }
        Condition sort = sortCondition;
        Predicate<ObjectNode> matches = item -> Evaluator.test(sort, item);
        if (sort instanceof Ast.Between between) {
            JsonNode lo = ((Ast.ValueOperand) between.lower()).value();
            JsonNode hi = ((Ast.ValueOperand) between.upper()).value();
            checkSortType(lo, key);
            checkSortType(hi, key);
            return new KeyRange(ItemKey.sortBound(partition, KeyValue.of(lo), -1), ItemKey.sortBound(partition, KeyValue.of(hi), 1), matches, false);
        }
        if (sort instanceof Ast.Function function) {
            JsonNode prefix = ((Ast.ValueOperand) function.arguments().get(1)).value();
            checkSortType(prefix, key);
            if (key.rangeType().equals("N")) {
                throw DynamoDbException.validation("Invalid KeyConditionExpression: Incorrect operand type for operator or function; operator or function: begins_with, operand type: NUMBER");
            }
            return new KeyRange(ItemKey.sortBound(partition, KeyValue.of(prefix), -1), upper, matches, true);
        }
        Ast.Compare compare = (Ast.Compare) sort;
        JsonNode value = ((Ast.ValueOperand) compare.right()).value();
        checkSortType(value, key);
        KeyValue v = KeyValue.of(value);
        return switch (compare.operator()) {
            case "=" -> new KeyRange(ItemKey.sortBound(partition, v, -1), ItemKey.sortBound(partition, v, 1), matches, false);
            case "<" -> new KeyRange(lower, ItemKey.sortBound(partition, v, -1), matches, false);
            case "<=" -> new KeyRange(lower, ItemKey.sortBound(partition, v, 1), matches, false);
            case ">" -> new KeyRange(ItemKey.sortBound(partition, v, 1), upper, matches, false);
            case ">=" -> new KeyRange(ItemKey.sortBound(partition, v, -1), upper, matches, false);
            default -> throw DynamoDbException.validation("Unsupported operator on KeyConditionExpression: operator: " + compare.operator());
        };
    }

    private static void checkSortType(JsonNode value, KeyDef key) {
        if (!Values.type(value).equals(key.rangeType())) {
            throw DynamoDbException.validation("One or more parameter values were invalid: Condition parameter type does not match schema type");
        }
    }

    private static void flattenAnd(Condition condition, List<Condition> parts, boolean expression) {
        if (condition instanceof Ast.And and) {
            flattenAnd(and.left(), parts, expression);
            flattenAnd(and.right(), parts, expression);
        } else if (condition instanceof Ast.Or) {
            throw DynamoDbException.validation("Invalid operator used in KeyConditionExpression: OR");
        } else if (condition instanceof Ast.Not) {
            throw DynamoDbException.validation("Invalid operator used in KeyConditionExpression: NOT");
        } else {
            parts.add(condition);
        }
    }

    /** The key attribute a key condition is about; the other operands must be values. */
    private static String keyAttribute(Condition part, boolean expression) {
        List<Ast.Operand> operands;
        if (part instanceof Ast.Compare compare) {
            if (compare.operator().equals("<>")) {
                throw DynamoDbException.validation("Unsupported operator on KeyConditionExpression: operator: <>");
            }
            operands = List.of(compare.left(), compare.right());
        } else if (part instanceof Ast.Between between) {
            operands = List.of(between.value(), between.lower(), between.upper());
        } else if (part instanceof Ast.Function function && function.name().equals("begins_with")) {
            operands = function.arguments();
        } else if (part instanceof Ast.Function function) {
            throw DynamoDbException.validation("Invalid KeyConditionExpression: Invalid function name; function: " + function.name());
        } else if (part instanceof Ast.In) {
            throw DynamoDbException.validation("Invalid operator used in KeyConditionExpression: IN");
        } else {
            throw DynamoDbException.validation("Query key condition not supported");
        }
        if (!(operands.get(0) instanceof Ast.PathOperand path) || !path.path().isTopLevel()) {
            throw DynamoDbException.validation("Invalid KeyConditionExpression: The left operand must be a key attribute");
        }
        for (int i = 1; i < operands.size(); i++) {
            if (!(operands.get(i) instanceof Ast.ValueOperand)) {
                throw DynamoDbException.validation("Invalid KeyConditionExpression: Conditions must be on key attributes with values");
            }
        }
        return path.path().head();
    }

    // ---------------------------------------------------------------- Scan

    public JsonNode scan(ObjectNode request) {
        Table table = catalog.require(Requests.tableName(request));
        Source source = source(table, request);
        ItemOperations.noMix(request, List.of("ScanFilter", "AttributesToGet", "ConditionalOperator"),
                List.of("FilterExpression", "ProjectionExpression"));
        boolean anyExpression = request.hasNonNull("FilterExpression") || request.hasNonNull("ProjectionExpression");
        ExpressionAttributes attributes = ItemOperations.attributes(request, anyExpression);
        Condition filter = filter(request, attributes, "ScanFilter", null);
        List<Path> projection = ItemOperations.projection(request, attributes);
        attributes.checkAllUsed();
        String select = select(request, source, projection);
        int limit = limit(request);
        boolean consistent = consistent(request, source);

        JsonNode segmentNode = Requests.node(request, "Segment");
        JsonNode totalNode = Requests.node(request, "TotalSegments");
        if (segmentNode != null && totalNode == null) {
            throw DynamoDbException.validation("The TotalSegments parameter is required but was not present in the request when Segment parameter is present");
        }
        if (totalNode != null && segmentNode == null) {
            throw DynamoDbException.validation("The Segment parameter is required but was not present in the request when parameter TotalSegments is present");
        }
        long lowHash = 0;
        long highHash = 1L << 32;
        if (totalNode != null) {
            int total = totalNode.asInt();
            int segment = segmentNode.asInt();
            if (total < 1 || total > 1_000_000) {
                throw DynamoDbException.validation("1 validation error detected: Value '" + total
                        + "' at 'totalSegments' failed to satisfy constraint: Member must have value "
                        + (total < 1 ? "greater than or equal to 1" : "less than or equal to 1000000"));
            }
            if (segment < 0 || segment >= total) {
                throw DynamoDbException.validation("The Segment parameter is zero-based and must be less than parameter TotalSegments: Segment: "
                        + segment + " is not less than TotalSegments: " + total);
            }
            lowHash = (1L << 32) * segment / total;
            highHash = (1L << 32) * (segment + 1) / total;
        }
        JsonNode exclusiveStart = Requests.node(request, "ExclusiveStartKey");
        Iterator<ObjectNode> items;
        if (source.index() == null) {
            NavigableMap<ItemKey, byte[]> map = table.items();
            NavigableMap<ItemKey, byte[]> sub = lowHash == 0 ? map : map.tailMap(ItemKey.hashBound((int) lowHash), true);
            if (highHash < (1L << 32)) {
                sub = sub.headMap(ItemKey.hashBound((int) highHash), false);
            }
            if (exclusiveStart != null) {
                sub = sub.tailMap(startKey(table, source, exclusiveStart).tableKey(), false);
            }
            items = tableItems(sub);
        } else {
            NavigableMap<IndexKey, ItemKey> map = table.indexEntries(source.index());
            NavigableMap<IndexKey, ItemKey> sub = lowHash == 0 ? map : map.tailMap(new IndexKey(ItemKey.hashBound((int) lowHash), null), true);
            if (highHash < (1L << 32)) {
                sub = sub.headMap(new IndexKey(ItemKey.hashBound((int) highHash), null), false);
            }
            if (exclusiveStart != null) {
                sub = sub.tailMap(startKey(table, source, exclusiveStart), false);
            }
            items = indexItems(table, source.index(), sub);
        }
        return page(request, source, items, item -> true, false, filter, projection, select, limit, consistent);
    }

    // ---------------------------------------------------------------- shared

    private static Source source(Table table, ObjectNode request) {
        String indexName = Requests.text(request, "IndexName");
        if (indexName == null) {
            return new Source(table, null);
        }
        IndexDef index = table.index(indexName);
        if (index == null) {
            throw DynamoDbException.validation("The table does not have the specified index: " + indexName);
        }
        return new Source(table, index);
    }

    private static Condition filter(ObjectNode request, ExpressionAttributes attributes, String legacyName, Source source) {
        Condition filter;
        if (request.hasNonNull("FilterExpression")) {
            filter = Parser.condition(request.get("FilterExpression").asText(), "FilterExpression", attributes);
            if (source != null) {
                checkNoKeyAttributes(filter, source);
            }
        } else {
            JsonNode conditionalOperator = request.get("ConditionalOperator");
            filter = Legacy.conditions(request.get(legacyName),
                    conditionalOperator == null || conditionalOperator.isNull() ? null : conditionalOperator.asText());
        }
        return filter;
    }

    /** A query's filter may not use the key attributes of what it queries. */
    private static void checkNoKeyAttributes(Condition condition, Source source) {
        List<Path> paths = new ArrayList<>();
        collectPaths(condition, paths);
        for (Path path : paths) {
            if (source.key().isKeyAttribute(path.head())) {
                throw DynamoDbException.validation("Filter Expression can only contain non-primary key attributes: Primary key attribute: " + path.head());
            }
        }
    }

    private static void collectPaths(Condition condition, List<Path> paths) {
        if (condition instanceof Ast.And and) {
            collectPaths(and.left(), paths);
            collectPaths(and.right(), paths);
        } else if (condition instanceof Ast.Or or) {
            collectPaths(or.left(), paths);
            collectPaths(or.right(), paths);
        } else if (condition instanceof Ast.Not not) {
            collectPaths(not.condition(), paths);
        } else if (condition instanceof Ast.Compare compare) {
            collectOperand(compare.left(), paths);
            collectOperand(compare.right(), paths);
        } else if (condition instanceof Ast.Between between) {
            collectOperand(between.value(), paths);
            collectOperand(between.lower(), paths);
            collectOperand(between.upper(), paths);
        } else if (condition instanceof Ast.In in) {
            collectOperand(in.value(), paths);
            in.candidates().forEach(c -> collectOperand(c, paths));
        } else if (condition instanceof Ast.Function function) {
            function.arguments().forEach(a -> collectOperand(a, paths));
        }
    }

    private static void collectOperand(Ast.Operand operand, List<Path> paths) {
        if (operand instanceof Ast.PathOperand p) {
            paths.add(p.path());
        } else if (operand instanceof Ast.SizeOperand s) {
            paths.add(s.path());
        }
    }

    private static String select(ObjectNode request, Source source, List<Path> projection) {
        String select = Requests.enumValue(request, "Select", null,
                "ALL_ATTRIBUTES", "ALL_PROJECTED_ATTRIBUTES", "SPECIFIC_ATTRIBUTES", "COUNT");
        String projectionParameter = request.hasNonNull("ProjectionExpression") ? "ProjectionExpression" : "AttributesToGet";
        if (select == null) {
            if (projection != null) {
                return "SPECIFIC_ATTRIBUTES";
            }
            return source.index() == null ? "ALL_ATTRIBUTES" : "ALL_PROJECTED_ATTRIBUTES";
        }
        if (projection != null && !select.equals("SPECIFIC_ATTRIBUTES")) {
            throw DynamoDbException.validation("Cannot specify the " + projectionParameter + " when choosing to get " + select);
        }
        if (select.equals("SPECIFIC_ATTRIBUTES") && projection == null) {
            throw DynamoDbException.validation("Must specify the AttributesToGet or ProjectionExpression when choosing to get SPECIFIC_ATTRIBUTES");
        }
        if (select.equals("ALL_PROJECTED_ATTRIBUTES") && source.index() == null) {
            throw DynamoDbException.validation("ALL_PROJECTED_ATTRIBUTES can be used only when Querying using an IndexName");
        }
        if (select.equals("ALL_ATTRIBUTES") && source.index() != null && source.index().global
                && !source.index().projectionType.equals("ALL")) {
            throw DynamoDbException.validation("One or more parameter values were invalid: Select type ALL_ATTRIBUTES is not supported for global secondary index "
                    + source.index().name + " because its projection type is not ALL");
        }
        return select;
    }

    private static int limit(ObjectNode request) {
        JsonNode limit = Requests.node(request, "Limit");
        if (limit == null) {
            return Integer.MAX_VALUE;
        }
        if (limit.asInt() < 1) {
            throw DynamoDbException.validation("1 validation error detected: Value '" + limit.asText()
                    + "' at 'limit' failed to satisfy constraint: Member must have value greater than or equal to 1");
        }
        return limit.asInt();
    }

    private static boolean consistent(ObjectNode request, Source source) {
        boolean consistent = Requests.bool(request, "ConsistentRead", false);
        if (consistent && source.index() != null && source.index().global) {
            throw DynamoDbException.validation("Consistent reads are not supported on global secondary indexes");
        }
        return consistent;
    }

    /** ExclusiveStartKey as a storage position: the table key, plus the index key when reading an index. */
    private static IndexKey startKey(Table table, Source source, JsonNode exclusiveStart) {
        ObjectNode start = Values.canonicalItem(exclusiveStart);
        ItemKey tableKey = table.key.keyOf(start);
        int expectedSize = table.key.hasRange() ? 2 : 1;
        ItemKey indexKey = null;
        if (source.index() != null) {
            indexKey = source.index().key.keyOf(start);
            for (String name : new String[] {source.index().key.hashName(), source.index().key.rangeName()}) {
                if (name != null && !table.key.isKeyAttribute(name)) {
                    expectedSize++;
                }
            }
        }
        if (tableKey == null || start.size() != expectedSize || (source.index() != null && indexKey == null)) {
            throw DynamoDbException.validation("The provided starting key is invalid: The provided key element does not match the schema");
        }
        return new IndexKey(indexKey == null ? tableKey : indexKey, tableKey);
    }

    private static Iterator<ObjectNode> tableItems(NavigableMap<ItemKey, byte[]> map) {
        Iterator<Map.Entry<ItemKey, byte[]>> entries = map.entrySet().iterator();
        return new Iterator<>() {
            @Override
            public boolean hasNext() {
                return entries.hasNext();
            }

            @Override
            public ObjectNode next() {
                return Table.parse(entries.next().getValue());
            }
        };
    }

    /** Index entries resolved to their items; an entry left behind by a concurrent write is skipped. */
    private static Iterator<ObjectNode> indexItems(Table table, IndexDef index, NavigableMap<IndexKey, ItemKey> map) {
        Iterator<Map.Entry<IndexKey, ItemKey>> entries = map.entrySet().iterator();
        return new Iterator<>() {
            ObjectNode next = advance();

            private ObjectNode advance() {
                while (entries.hasNext()) {
                    Map.Entry<IndexKey, ItemKey> entry = entries.next();
                    ObjectNode item = table.get(entry.getValue());
                    if (item != null) {
                        ItemKey current = index.key.keyOf(item);
                        if (current != null && current.equals(entry.getKey().indexKey())) {
                            return item;
                        }
                    }
                }
                return null;
            }

            @Override
            public boolean hasNext() {
                return next != null;
            }

            @Override
            public ObjectNode next() {
                ObjectNode current = next;
                next = advance();
                return current;
            }
        };
    }

    private static JsonNode page(ObjectNode request, Source source, Iterator<ObjectNode> items, Predicate<ObjectNode> keyMatch,
                                 boolean stopAtFirstMismatch, Condition filter, List<Path> projection, String select,
                                 int limit, boolean consistent) {
        ObjectNode response = Values.object();
        ArrayNode out = select.equals("COUNT") ? null : response.putArray("Items");
        int scanned = 0;
        int count = 0;
        long bytes = 0;
        ObjectNode last = null;
        boolean more = false;
        while (items.hasNext()) {
            if (scanned >= limit || bytes >= PAGE_BYTES) {
                more = true;
                break;
            }
            ObjectNode item = items.next();
            if (!keyMatch.test(item)) {
                if (stopAtFirstMismatch) {
                    break;
                }
                continue;
            }
            scanned++;
            bytes += Values.itemSize(item);
            last = item;
            ObjectNode visible = source.index() != null ? source.index().project(item, source.table().key) : item;
            if (filter != null && !Evaluator.test(filter, visible)) {
                continue;
            }
            count++;
            if (out != null) {
                out.add(projection != null ? Evaluator.project(visible, projection)
                        : select.equals("ALL_ATTRIBUTES") ? item : visible);
            }
        }
        // DynamoDB also returns LastEvaluatedKey when a page ends exactly at Limit.
        if (last != null && (more || scanned >= limit)) {
            ObjectNode lastKey = source.table().key.keyAttributes(last);
            if (source.index() != null) {
                lastKey.setAll(source.index().key.keyAttributes(last));
            }
            response.set("LastEvaluatedKey", lastKey);
        }
        response.put("Count", count);
        response.put("ScannedCount", scanned);
        String mode = Requests.enumValue(request, "ReturnConsumedCapacity", "NONE", "INDEXES", "TOTAL", "NONE");
        ObjectNode consumed = Capacity.node(mode, source.table().name, Capacity.readUnits(bytes, consistent), true);
        if (consumed != null) {
            response.set("ConsumedCapacity", consumed);
        }
        return response;
    }

    static <T> List<T> reversed(List<T> list) {
        List<T> copy = new ArrayList<>(list);
        Collections.reverse(copy);
        return copy;
    }
}
