package io.userstreams.localdynamodb.expr;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.userstreams.localdynamodb.expr.Ast.And;
import io.userstreams.localdynamodb.expr.Ast.Arithmetic;
import io.userstreams.localdynamodb.expr.Ast.Between;
import io.userstreams.localdynamodb.expr.Ast.Compare;
import io.userstreams.localdynamodb.expr.Ast.Condition;
import io.userstreams.localdynamodb.expr.Ast.Function;
import io.userstreams.localdynamodb.expr.Ast.IfNotExists;
import io.userstreams.localdynamodb.expr.Ast.In;
import io.userstreams.localdynamodb.expr.Ast.ListAppend;
import io.userstreams.localdynamodb.expr.Ast.Not;
import io.userstreams.localdynamodb.expr.Ast.Operand;
import io.userstreams.localdynamodb.expr.Ast.Or;
import io.userstreams.localdynamodb.expr.Ast.PathOperand;
import io.userstreams.localdynamodb.expr.Ast.SizeOperand;
import io.userstreams.localdynamodb.expr.Ast.ValueOperand;
import io.userstreams.localdynamodb.http.DynamoDbException;
import io.userstreams.localdynamodb.item.Values;
import java.math.BigDecimal;
import java.util.Base64;
import java.util.Comparator;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;

/** Evaluates conditions and applies update expressions to items in wire form. */
public final class Evaluator {
    private Evaluator() { }

    // ---------------------------------------------------------------- paths

    /** The AttributeValue at a path, or null when it does not exist. */
    public static JsonNode resolve(Path path, JsonNode item) {
        if (item == null) {
            return null;
        }
        List<Object> elements = path.elements();
        JsonNode current = item.get((String) elements.get(0));
        for (int i = 1; i < elements.size() && current != null; i++) {
            Object element = elements.get(i);
            if (element instanceof Integer index) {
                JsonNode list = current.get("L");
                current = list == null ? null : list.get(index);
            } else {
                JsonNode map = current.get("M");
                current = map == null ? null : map.get((String) element);
            }
        }
        return current;
    }

    // ---------------------------------------------------------------- conditions

    /** @param item the item, or null when it does not exist */
    public static boolean test(Condition condition, JsonNode item) {
        if (condition instanceof And and) {
            return test(and.left(), item) && test(and.right(), item);
        }
        if (condition instanceof Or or) {
            return test(or.left(), item) || test(or.right(), item);
        }
        if (condition instanceof Not not) {
            return !test(not.condition(), item);
        }
        if (condition instanceof Compare compare) {
            JsonNode left = value(compare.left(), item);
            JsonNode right = value(compare.right(), item);
            return compare(compare.operator(), left, right);
        }
        if (condition instanceof Between between) {
            JsonNode value = value(between.value(), item);
            JsonNode lower = value(between.lower(), item);
            JsonNode upper = value(between.upper(), item);
            if (value == null || lower == null || upper == null) {
                return false;
            }
            Integer low = Values.compareScalars(value, lower);
            Integer high = Values.compareScalars(value, upper);
            return low != null && high != null && low >= 0 && high <= 0;
        }
        if (condition instanceof In in) {
            JsonNode value = value(in.value(), item);
            if (value == null) {
                return false;
            }
            for (Operand candidate : in.candidates()) {
                if (value.equals(value(candidate, item))) {
                    return true;
                }
            }
            return false;
        }
        Function function = (Function) condition;
        List<Operand> args = function.arguments();
        switch (function.name()) {
            case "attribute_exists":
                return value(args.get(0), item) != null;
            case "attribute_not_exists":
                return value(args.get(0), item) == null;
            case "attribute_type": {
                JsonNode value = value(args.get(0), item);
                JsonNode type = value(args.get(1), item);
                return value != null && type != null && Values.type(value).equals(type.path("S").asText());
            }
            case "begins_with": {
                JsonNode value = value(args.get(0), item);
                JsonNode prefix = value(args.get(1), item);
                return beginsWith(value, prefix);
            }
            case "contains": {
                JsonNode value = value(args.get(0), item);
                JsonNode operand = value(args.get(1), item);
                return contains(value, operand);
            }
            default:
                throw new IllegalStateException("unknown function " + function.name());
        }
    }

    public static boolean compare(String operator, JsonNode left, JsonNode right) {
        switch (operator) {
            case "=":
                return left != null && left.equals(right);
            case "<>":
                return left == null || right == null || !left.equals(right);
            default:
                if (left == null || right == null) {
                    return false;
                }
                Integer order = Values.compareScalars(left, right);
                if (order == null) {
                    return false;
                }
                return switch (operator) {
                    case "<" -> order < 0;
                    case "<=" -> order <= 0;
                    case ">" -> order > 0;
                    default -> order >= 0;
                };
        }
    }

    public static boolean beginsWith(JsonNode value, JsonNode prefix) {
        if (value == null || prefix == null) {
            return false;
        }
        String type = Values.type(value);
        if (!type.equals(Values.type(prefix))) {
            return false;
        }
        if (type.equals("S")) {
            return value.get("S").textValue().startsWith(prefix.get("S").textValue());
        }
        if (type.equals("B")) {
            byte[] bytes = Base64.getDecoder().decode(value.get("B").textValue());
            byte[] start = Base64.getDecoder().decode(prefix.get("B").textValue());
            return bytes.length >= start.length
                    && java.util.Arrays.equals(bytes, 0, start.length, start, 0, start.length);
        }
        return false;
    }

    public static boolean contains(JsonNode value, JsonNode operand) {
        if (value == null || operand == null) {
            return false;
        }
        String type = Values.type(value);
        String operandType = Values.type(operand);
        switch (type) {
            case "S":
                return operandType.equals("S") && value.get("S").textValue().contains(operand.get("S").textValue());
            case "B":
                if (!operandType.equals("B")) {
                    return false;
                }
                return indexOf(Base64.getDecoder().decode(value.get("B").textValue()),
                        Base64.getDecoder().decode(operand.get("B").textValue())) >= 0;
            case "SS", "NS", "BS":
                if (!operandType.equals(type.substring(0, 1))) {
                    return false;
                }
                for (JsonNode element : value.get(type)) {
                    if (element.equals(Values.payload(operand))) {
                        return true;
                    }
                }
                return false;
            case "L":
                for (JsonNode element : value.get("L")) {
                    if (element.equals(operand)) {
                        return true;
                    }
                }
                return false;
            default:
                return false;
        }
    }

    private static int indexOf(byte[] haystack, byte[] needle) {
        outer:
        for (int i = 0; i + needle.length <= haystack.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (haystack[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }

    /** Value of a condition operand (path, :value, size(path)); null when missing. */
    public static JsonNode value(Operand operand, JsonNode item) {
        if (operand instanceof ValueOperand v) {
            return v.value();
        }
        if (operand instanceof PathOperand p) {
            return resolve(p.path(), item);
        }
        if (operand instanceof SizeOperand s) {
            JsonNode value = resolve(s.path(), item);
            if (value == null) {
                return null;
            }
            String type = Values.type(value);
            JsonNode payload = Values.payload(value);
            return switch (type) {
                case "S" -> Values.n(payload.textValue().codePointCount(0, payload.textValue().length()));
                case "B" -> Values.n(Base64.getDecoder().decode(payload.textValue()).length);
                case "SS", "NS", "BS", "L", "M" -> Values.n(payload.size());
                default -> null;
            };
        }
        throw new IllegalStateException("not a condition operand: " + operand);
    }

    // ---------------------------------------------------------------- updates

    /** Applies an update expression; returns the new item (a fresh copy; the old one is not changed). */
    public static ObjectNode update(Ast.Update update, ObjectNode oldItem) {
        ObjectNode item = oldItem.deepCopy();
        // Every SET value is computed against the item as it was before the update.
        JsonNode[] setValues = new JsonNode[update.sets().size()];
        for (int i = 0; i < setValues.length; i++) {
            setValues[i] = updateValue(update.sets().get(i).value(), oldItem);
        }
        for (int i = 0; i < setValues.length; i++) {
            set(item, update.sets().get(i).path(), setValues[i]);
        }
        // Removing list elements from the highest index down keeps the others where the expression meant them.
        List<Path> removes = new java.util.ArrayList<>(update.removes());
        removes.sort(Comparator.comparing((Path p) -> p.elements().get(p.elements().size() - 1) instanceof Integer i ? -i : 0));
        for (Path path : removes) {
            remove(item, path);
        }
        for (Ast.SetValueAction add : update.adds()) {
            JsonNode value = ((ValueOperand) add.value()).value();
            JsonNode existing = resolve(add.path(), item);
            set(item, add.path(), add(existing, value));
        }
        for (Ast.SetValueAction delete : update.deletes()) {
            JsonNode value = ((ValueOperand) delete.value()).value();
            JsonNode existing = resolve(delete.path(), item);
            if (existing == null) {
                continue;
            }
            JsonNode remaining = deleteFromSet(existing, value);
            if (remaining == null) {
                remove(item, delete.path());
            } else {
                set(item, delete.path(), remaining);
            }
        }
        return item;
    }

    static JsonNode updateValue(Operand operand, ObjectNode item) {
        if (operand instanceof ValueOperand v) {
            return v.value();
        }
        if (operand instanceof PathOperand p) {
            JsonNode value = resolve(p.path(), item);
            if (value == null) {
                throw DynamoDbException.validation("The provided expression refers to an attribute that does not exist in the item");
            }
            return value;
        }
        if (operand instanceof IfNotExists ifNotExists) {
            JsonNode value = resolve(ifNotExists.path(), item);
            return value != null ? value : updateValue(ifNotExists.fallback(), item);
        }
        if (operand instanceof ListAppend append) {
            JsonNode first = updateValue(append.first(), item);
            JsonNode second = updateValue(append.second(), item);
            if (!Values.type(first).equals("L") || !Values.type(second).equals("L")) {
                throw incorrectType();
            }
            ObjectNode out = Values.object();
            ArrayNode list = out.putArray("L");
            first.get("L").forEach(e -> list.add(e.deepCopy()));
            second.get("L").forEach(e -> list.add(e.deepCopy()));
            return out;
        }
        if (operand instanceof Arithmetic arithmetic) {
            JsonNode left = updateValue(arithmetic.left(), item);
            JsonNode right = updateValue(arithmetic.right(), item);
            if (!Values.type(left).equals("N") || !Values.type(right).equals("N")) {
                throw incorrectType();
            }
            BigDecimal result = arithmetic.operator() == '+'
                    ? Values.number(left).add(Values.number(right))
                    : Values.number(left).subtract(Values.number(right));
            return Values.n(result);
        }
        throw DynamoDbException.validation("Invalid UpdateExpression: The function is not allowed in an update expression");
    }

    private static JsonNode add(JsonNode existing, JsonNode value) {
        String type = Values.type(value);
        if (existing == null) {
            return value;
        }
        if (!Values.type(existing).equals(type)) {
            throw incorrectType();
        }
        if (type.equals("N")) {
            return Values.n(Values.number(existing).add(Values.number(value)));
        }
        TreeSet<String> union = new TreeSet<>(setOrder(type));
        existing.get(type).forEach(e -> union.add(e.textValue()));
        value.get(type).forEach(e -> union.add(e.textValue()));
        return setOf(type, union);
    }

    /** Set difference; null when nothing is left (the attribute is then removed). */
    private static JsonNode deleteFromSet(JsonNode existing, JsonNode value) {
        String type = Values.type(value);
        if (!Values.type(existing).equals(type)) {
            throw incorrectType();
        }
        TreeSet<String> remaining = new TreeSet<>(setOrder(type));
        existing.get(type).forEach(e -> remaining.add(e.textValue()));
        value.get(type).forEach(e -> remaining.remove(e.textValue()));
        return remaining.isEmpty() ? null : setOf(type, remaining);
    }

    static Comparator<String> setOrder(String type) {
        return switch (type) {
            case "NS" -> Comparator.comparing(BigDecimal::new);
            case "BS" -> (a, b) -> Values.compareBytes(Base64.getDecoder().decode(a), Base64.getDecoder().decode(b));
            default -> Values::compareStrings;
        };
    }

    private static JsonNode setOf(String type, Iterable<String> elements) {
        ObjectNode out = Values.object();
        ArrayNode array = out.putArray(type);
        elements.forEach(array::add);
        return out;
    }

    public static DynamoDbException incorrectType() {
        return DynamoDbException.validation("An operand in the update expression has an incorrect data type");
    }

    private static DynamoDbException invalidPath() {
        return DynamoDbException.validation("The document path provided in the update expression is invalid for update");
    }

    /** Sets the value at a path; intermediate maps and lists must exist. */
    static void set(ObjectNode item, Path path, JsonNode value) {
        List<Object> elements = path.elements();
        if (elements.size() == 1) {
            item.set((String) elements.get(0), value);
            return;
        }
        JsonNode parent = resolve(new Path(elements.subList(0, elements.size() - 1)), item);
        if (parent == null) {
            throw invalidPath();
        }
        Object last = elements.get(elements.size() - 1);
        if (last instanceof Integer index) {
            JsonNode list = parent.get("L");
            if (list == null) {
                throw invalidPath();
            }
            ArrayNode array = (ArrayNode) list;
            if (index < array.size()) {
                array.set(index, value);
            } else {
                array.add(value);
            }
        } else {
            JsonNode map = parent.get("M");
            if (map == null) {
                throw invalidPath();
            }
            ((ObjectNode) map).set((String) last, value);
        }
    }

    static void remove(ObjectNode item, Path path) {
        List<Object> elements = path.elements();
        if (elements.size() == 1) {
            item.remove((String) elements.get(0));
            return;
        }
        JsonNode parent = resolve(new Path(elements.subList(0, elements.size() - 1)), item);
        if (parent == null) {
            return;
        }
        Object last = elements.get(elements.size() - 1);
        if (last instanceof Integer index) {
            JsonNode list = parent.get("L");
            if (list == null) {
                throw invalidPath();
            }
            if (index < list.size()) {
                ((ArrayNode) list).remove(index);
            }
        } else {
            JsonNode map = parent.get("M");
            if (map == null) {
                throw invalidPath();
            }
            ((ObjectNode) map).remove((String) last);
        }
    }

    // ---------------------------------------------------------------- projection

    /** The parts of an item named by the paths (list elements keep their relative order, compacted). */
    public static ObjectNode project(JsonNode item, List<Path> paths) {
        ProjectionTree tree = new ProjectionTree();
        for (Path path : paths) {
            tree.add(path.elements(), 0);
        }
        ObjectNode out = Values.object();
        for (Map.Entry<Object, ProjectionTree> child : tree.children.entrySet()) {
            JsonNode value = item.get((String) child.getKey());
            if (value != null) {
                JsonNode projected = child.getValue().apply(value);
                if (projected != null) {
                    out.set((String) child.getKey(), projected);
                }
            }
        }
        return out;
    }

    private static final class ProjectionTree {
        final Map<Object, ProjectionTree> children = new TreeMap<>((a, b) -> {
            if (a instanceof Integer x && b instanceof Integer y) {
                return Integer.compare(x, y);
            }
            if (a instanceof Integer) {
                return -1;
            }
            if (b instanceof Integer) {
                return 1;
            }
            return ((String) a).compareTo((String) b);
        });
        boolean whole;

        void add(List<Object> elements, int from) {
            if (from == elements.size()) {
                whole = true;
                return;
            }
            children.computeIfAbsent(elements.get(from), k -> new ProjectionTree()).add(elements, from + 1);
        }

        JsonNode apply(JsonNode value) {
            if (whole) {
                return value;
            }
            boolean listChildren = children.keySet().iterator().next() instanceof Integer;
            if (listChildren) {
                JsonNode list = value.get("L");
                if (list == null) {
                    return null;
                }
                ObjectNode out = Values.object();
                ArrayNode array = out.putArray("L");
                for (Map.Entry<Object, ProjectionTree> child : children.entrySet()) {
                    if (child.getKey() instanceof Integer index && index < list.size()) {
                        JsonNode projected = child.getValue().apply(list.get(index));
                        if (projected != null) {
                            array.add(projected);
                        }
                    }
                }
                return array.isEmpty() ? null : out;
            }
            JsonNode map = value.get("M");
            if (map == null) {
                return null;
            }
            ObjectNode out = Values.object();
            ObjectNode fields = out.putObject("M");
            for (Map.Entry<Object, ProjectionTree> child : children.entrySet()) {
                if (child.getKey() instanceof String name) {
                    JsonNode field = map.get(name);
                    if (field != null) {
                        JsonNode projected = child.getValue().apply(field);
                        if (projected != null) {
                            fields.set(name, projected);
                        }
                    }
                }
            }
            return fields.isEmpty() ? null : out;
        }
    }

    /** Top-level attribute names of an item, in order. */
    public static Iterator<String> names(JsonNode item) {
        return item.fieldNames();
    }
}
