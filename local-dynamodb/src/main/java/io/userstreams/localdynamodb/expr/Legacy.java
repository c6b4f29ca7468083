package io.userstreams.localdynamodb.expr;

import com.fasterxml.jackson.databind.JsonNode;
import io.userstreams.localdynamodb.expr.Ast.And;
import io.userstreams.localdynamodb.expr.Ast.Between;
import io.userstreams.localdynamodb.expr.Ast.Compare;
import io.userstreams.localdynamodb.expr.Ast.Condition;
import io.userstreams.localdynamodb.expr.Ast.Function;
import io.userstreams.localdynamodb.expr.Ast.In;
import io.userstreams.localdynamodb.expr.Ast.Not;
import io.userstreams.localdynamodb.expr.Ast.Operand;
import io.userstreams.localdynamodb.expr.Ast.Or;
import io.userstreams.localdynamodb.expr.Ast.PathOperand;
import io.userstreams.localdynamodb.expr.Ast.ValueOperand;
import io.userstreams.localdynamodb.http.DynamoDbException;
import io.userstreams.localdynamodb.item.Values;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** The legacy parameters (Expected, KeyConditions, QueryFilter, ScanFilter) turned into condition trees. */
public final class Legacy {
    private static final Set<String> SCALAR_ONLY = Set.of("LE", "LT", "GE", "GT", "BEGINS_WITH", "BETWEEN");

    private Legacy() { }

    /** Expected + ConditionalOperator; null when there is nothing to check. */
    public static Condition expected(JsonNode expected, String conditionalOperator) {
        if (expected == null || expected.isNull() || expected.isEmpty()) {
            return null;
        }
        List<Condition> conditions = new ArrayList<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = expected.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> entry = it.next();
            String attribute = entry.getKey();
            JsonNode spec = entry.getValue();
            JsonNode value = spec.get("Value");
            JsonNode exists = spec.get("Exists");
            JsonNode operator = spec.get("ComparisonOperator");
            if (operator != null && !operator.isNull()) {
                if (value != null && !value.isNull()) {
                    throw DynamoDbException.validation("One or more parameter values were invalid: Value and ComparisonOperator cannot be used together for Attribute: " + attribute);
                }
                if (exists != null && !exists.isNull()) {
                    throw DynamoDbException.validation("One or more parameter values were invalid: Exists and ComparisonOperator cannot be used together for Attribute: " + attribute);
                }
                conditions.add(comparison(attribute, operator.asText(), spec.get("AttributeValueList")));
                continue;
            }
            boolean mustExist = exists == null || exists.isNull() || exists.asBoolean();
            if (!mustExist) {
                if (value != null && !value.isNull()) {
                    throw DynamoDbException.validation("One or more parameter values were invalid: Value cannot be used when Exists is false for Attribute: " + attribute);
                }
                conditions.add(new Function("attribute_not_exists", List.of(new PathOperand(Path.of(attribute)))));
            } else {
                if (value == null || value.isNull()) {
                    throw DynamoDbException.validation("One or more parameter values were invalid: Value must be provided when Exists is true for Attribute: " + attribute);
                }
                conditions.add(new Compare("=", new PathOperand(Path.of(attribute)), new ValueOperand(Values.canonical(value), null)));
            }
        }
        return combine(conditions, conditionalOperator);
    }

    /** QueryFilter / ScanFilter / KeyConditions: attribute → {ComparisonOperator, AttributeValueList}. */
    public static Condition conditions(JsonNode conditions, String conditionalOperator) {
        if (conditions == null || conditions.isNull() || conditions.isEmpty()) {
            return null;
        }
        List<Condition> out = new ArrayList<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = conditions.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> entry = it.next();
            JsonNode operator = entry.getValue().get("ComparisonOperator");
            if (operator == null || operator.isNull()) {
                throw DynamoDbException.validation("1 validation error detected: Value null at 'comparisonOperator' failed to satisfy constraint: Member must not be null");
            }
            out.add(comparison(entry.getKey(), operator.asText(), entry.getValue().get("AttributeValueList")));
        }
        return combine(out, conditionalOperator);
    }

    private static Condition combine(List<Condition> conditions, String conditionalOperator) {
        boolean or = "OR".equals(conditionalOperator);
        if (conditionalOperator != null && !or && !"AND".equals(conditionalOperator)) {
            throw DynamoDbException.validation("1 validation error detected: Value '" + conditionalOperator
                    + "' at 'conditionalOperator' failed to satisfy constraint: Member must satisfy enum value set: [OR, AND]");
        }
        Condition result = conditions.get(0);
        for (int i = 1; i < conditions.size(); i++) {
            result = or ? new Or(result, conditions.get(i)) : new And(result, conditions.get(i));
        }
        return result;
    }

    static Condition comparison(String attribute, String operator, JsonNode valueList) {
        List<Operand> values = new ArrayList<>();
        if (valueList != null && !valueList.isNull()) {
            for (JsonNode value : valueList) {
                JsonNode canonical = Values.canonical(value);
                if (SCALAR_ONLY.contains(operator) || operator.equals("CONTAINS") || operator.equals("NOT_CONTAINS")) {
                    String type = Values.type(canonical);
                    if (!Set.of("S", "N", "B").contains(type)) {
                        throw DynamoDbException.validation("One or more parameter values were invalid: ComparisonOperator "
                                + operator + " is not valid for " + type + " AttributeValue type");
                    }
                    if (operator.equals("BEGINS_WITH") && type.equals("N")) {
                        throw DynamoDbException.validation("One or more parameter values were invalid: ComparisonOperator BEGINS_WITH is not valid for N AttributeValue type");
                    }
                }
                values.add(new ValueOperand(canonical, null));
            }
        }
        PathOperand path = new PathOperand(Path.of(attribute));
        int expected = switch (operator) {
            case "NOT_NULL", "NULL" -> 0;
            case "BETWEEN" -> 2;
            case "IN" -> -1;
            case "EQ", "NE", "LE", "LT", "GE", "GT", "CONTAINS", "NOT_CONTAINS", "BEGINS_WITH" -> 1;
            default -> throw DynamoDbException.validation("1 validation error detected: Value '" + operator
                    + "' at 'comparisonOperator' failed to satisfy constraint: Member must satisfy enum value set: "
                    + "[IN, NULL, BETWEEN, LT, NOT_CONTAINS, EQ, GT, NOT_NULL, NE, LE, BEGINS_WITH, GE, CONTAINS]");
        };
        if (expected >= 0 ? values.size() != expected : values.isEmpty()) {
            throw DynamoDbException.validation("One or more parameter values were invalid: Invalid number of argument(s) for the "
                    + operator + " ComparisonOperator");
        }
        return switch (operator) {
            case "EQ" -> new Compare("=", path, values.get(0));
            case "NE" -> new Compare("<>", path, values.get(0));
            case "LE" -> new Compare("<=", path, values.get(0));
            case "LT" -> new Compare("<", path, values.get(0));
            case "GE" -> new Compare(">=", path, values.get(0));
            case "GT" -> new Compare(">", path, values.get(0));
            case "NOT_NULL" -> new Function("attribute_exists", List.of(path));
            case "NULL" -> new Function("attribute_not_exists", List.of(path));
            case "CONTAINS" -> new Function("contains", List.of(path, values.get(0)));
            case "NOT_CONTAINS" -> new Not(new Function("contains", List.of(path, values.get(0))));
            case "BEGINS_WITH" -> new Function("begins_with", List.of(path, values.get(0)));
            case "IN" -> new In(path, values);
            default -> new Between(path, values.get(0), values.get(1));
        };
    }
}
