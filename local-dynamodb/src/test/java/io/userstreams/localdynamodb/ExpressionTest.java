package io.userstreams.localdynamodb;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.ConditionalCheckFailedException;

/** Every condition operator and function, evaluated by a conditional write against one stored item. */
class ExpressionTest extends ServerTestBase {
    static String table;
    static final Map<String, AttributeValue> VALUES = new HashMap<>();

    @BeforeAll
    static void data() {
        table = table("expr", null);
        client.putItem(b -> b.tableName(table).item(item("pk", "e", "s", "hello world", "n", n("10"), "b", b(1, 2, 3),
                "ss", AttributeValue.fromSs(List.of("red", "green")), "ns", AttributeValue.fromNs(List.of("1", "2")),
                "bs", AttributeValue.fromBs(List.of(b(9).b())), "bool", AttributeValue.fromBool(false),
                "nul", AttributeValue.fromNul(true), "l", AttributeValue.fromL(List.of(s("x"), n("7"))),
                "m", AttributeValue.fromM(Map.of("a", AttributeValue.fromM(Map.of("b", n("1"))))))));
        VALUES.put(":hello", s("hello"));
        VALUES.put(":world", s("world"));
        VALUES.put(":n5", n("5"));
        VALUES.put(":n10", n("10"));
        VALUES.put(":n10f", n("10.0"));
        VALUES.put(":n20", n("20"));
        VALUES.put(":red", s("red"));
        VALUES.put(":x", s("x"));
        VALUES.put(":seven", n("7"));
        VALUES.put(":b12", b(1, 2));
        VALUES.put(":b2", b(2));
        VALUES.put(":S", s("S"));
        VALUES.put(":N", s("N"));
        VALUES.put(":SS", s("SS"));
        VALUES.put(":NS", s("NS"));
        VALUES.put(":BS", s("BS"));
        VALUES.put(":B", s("B"));
        VALUES.put(":BOOL", s("BOOL"));
        VALUES.put(":NULL", s("NULL"));
        VALUES.put(":L", s("L"));
        VALUES.put(":M", s("M"));
        VALUES.put(":two", n("2"));
        VALUES.put(":eleven", n("11"));
        VALUES.put(":false", AttributeValue.fromBool(false));
        VALUES.put(":setRed", AttributeValue.fromSs(List.of("green", "red")));
    }

    /** Only the values an expression mentions may be sent (DynamoDB rejects unused ones). */
    static boolean holds(String condition) {
        Map<String, AttributeValue> used = new HashMap<>();
        VALUES.forEach((k, v) -> {
            if (condition.matches(".*" + java.util.regex.Pattern.quote(k) + "(?![A-Za-z0-9_]).*")) {
                used.put(k, v);
            }
        });
        try {
            client.updateItem(b -> {
                b.tableName(table).key(key("e")).conditionExpression(condition).updateExpression("SET touched = :x");
                Map<String, AttributeValue> withX = new HashMap<>(used);
                withX.put(":x", s("x"));
                b.expressionAttributeValues(withX);
            });
            return true;
        } catch (ConditionalCheckFailedException e) {
            return false;
        }
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(delimiter = '|', value = {
        "n = :n10 | true", "n = :n10f | true", "n = :n5 | false", "n <> :n5 | true", "n <> :n10 | false",
        "n < :n20 | true", "n < :n10 | false", "n <= :n10 | true", "n > :n5 | true", "n > :n10 | false", "n >= :n10 | true",
        "s < :world | true", "s > :hello | true", "b > :b12 | true", "b < :b2 | true",
        "n < :hello | false", "absent <> :n5 | true", "absent = :n5 | false", "absent < :n5 | false",
        "n BETWEEN :n5 AND :n20 | true", "n BETWEEN :n10 AND :n10 | true", "n BETWEEN :n5 AND :n5 | false",
        "n IN (:n5, :n10) | true", "n IN (:n5, :n20) | false", "s IN (:hello) | false",
        "n = :n10 AND s = :hello | false", "n = :n10 OR s = :hello | true", "NOT n = :n5 | true",
        "NOT (n = :n10 OR s = :hello) | false", "(n = :n5 OR n = :n10) AND attribute_exists(s) | true",
        "n = :n5 OR n = :n10 AND s = :hello | false", "NOT n = :n10 AND n = :n10 | false",
        "n = :n10 OR n = :n5 AND s = :hello | true", "NOT n = :n10 OR n = :n10 | true",
        "NOT (n = :n10) OR n = :n10 AND n = :n5 | false",
        "attribute_exists(s) | true", "attribute_exists(absent) | false", "attribute_not_exists(absent) | true",
        "attribute_not_exists(s) | false", "attribute_exists(m.a.b) | true", "attribute_exists(m.a.c) | false",
        "attribute_exists(l[1]) | true", "attribute_exists(l[2]) | false",
        "attribute_type(s, :S) | true", "attribute_type(n, :N) | true", "attribute_type(ss, :SS) | true",
        "attribute_type(ns, :NS) | true", "attribute_type(bs, :BS) | true", "attribute_type(b, :B) | true",
        "attribute_type(bool, :BOOL) | true", "attribute_type(nul, :NULL) | true", "attribute_type(l, :L) | true",
        "attribute_type(m, :M) | true", "attribute_type(s, :N) | false", "attribute_type(absent, :S) | false",
        "begins_with(s, :hello) | true", "begins_with(s, :world) | false", "begins_with(b, :b12) | true",
        "begins_with(n, :hello) | false",
        "contains(s, :world) | true", "contains(s, :red) | false", "contains(ss, :red) | true", "contains(ss, :hello) | false",
        "contains(ns, :two) | true", "contains(l, :x) | true", "contains(l, :seven) | true", "contains(l, :red) | false",
        "contains(b, :b2) | true",
        "size(s) = :eleven | true", "size(ss) = :two | true", "size(l) = :two | true", "size(m) < :two | true",
        "size(b) > :two | true", "size(absent) = :two | false", "size(n) = :two | false",
        "bool = :false | true", "ss = :setRed | true", "m.a.b = :n10 | false", "l[1] = :seven | true"
    })
    void conditionEvaluates(String condition, boolean expected) {
        assertThat(holds(condition)).as(condition).isEqualTo(expected);
    }

    @Test
    void syntaxErrorsUseDynamoDbMessages() {
        // "near" is the previous, offending and next token, as in DynamoDB's 'token: "-", near: "some-attr"'
        assertValidation("Invalid ProjectionExpression: Syntax error; token: \"-\", near: \"my-attr\"",
                () -> client.getItem(b -> b.tableName(table).key(key("nope")).projectionExpression("my-attr")));
        assertValidation("Invalid ConditionExpression: Syntax error; token: \"<EOF>\", near: \"=\"",
                () -> client.deleteItem(b -> b.tableName(table).key(key("nope")).conditionExpression("a =")));
        assertValidation("Invalid ConditionExpression: Syntax error; token: \"=\", near: \"= = b\"",
                () -> client.deleteItem(b -> b.tableName(table).key(key("nope")).conditionExpression("a = = b")));
        assertValidation("Invalid ConditionExpression: Syntax error; token: \"!\", near: \"a ! b\"",
                () -> client.deleteItem(b -> b.tableName(table).key(key("nope")).conditionExpression("a ! b")));
        assertValidation("Invalid ConditionExpression: Invalid function name; function: nosuch",
                () -> client.deleteItem(b -> b.tableName(table).key(key("nope")).conditionExpression("nosuch(a)")));
        assertValidation("Invalid ConditionExpression: Attribute name is a reserved keyword; reserved keyword: status",
                () -> client.deleteItem(b -> b.tableName(table).key(key("nope")).conditionExpression("attribute_exists(status)")));
        assertValidation("Invalid ConditionExpression: An expression attribute name used in the document path is not defined; attribute name: #n",
                () -> client.deleteItem(b -> b.tableName(table).key(key("nope")).conditionExpression("attribute_exists(#n)")));
        assertValidation("Invalid ConditionExpression: An expression attribute value used in expression is not defined; attribute value: :v",
                () -> client.deleteItem(b -> b.tableName(table).key(key("nope")).conditionExpression("a = :v")));
        assertValidation("Value provided in ExpressionAttributeValues unused in expressions: keys: {:unused}",
                () -> client.deleteItem(b -> b.tableName(table).key(key("nope")).conditionExpression("a = :v")
                        .expressionAttributeValues(Map.of(":v", s("x"), ":unused", s("y")))));
        assertValidation("Value provided in ExpressionAttributeNames unused in expressions: keys: {#unused}",
                () -> client.deleteItem(b -> b.tableName(table).key(key("nope")).conditionExpression("attribute_exists(a)")
                        .expressionAttributeNames(Map.of("#unused", "x"))));
        assertValidation("ExpressionAttributeValues can only be specified when using expressions",
                () -> client.deleteItem(b -> b.tableName(table).key(key("nope")).expressionAttributeValues(Map.of(":v", s("x")))));
        assertValidation("ExpressionAttributeValues must not be empty",
                () -> client.deleteItem(b -> b.tableName(table).key(key("nope")).conditionExpression("attribute_exists(a)")
                        .expressionAttributeValues(Map.of())));
        assertValidation("Invalid ConditionExpression: The expression can not be empty;",
                () -> client.deleteItem(b -> b.tableName(table).key(key("nope")).conditionExpression(" ")));
        assertValidation("Invalid ConditionExpression: The BETWEEN operator requires upper bound to be greater than or equal to lower bound; lower bound operand: AttributeValue: {N:5}, upper bound operand: AttributeValue: {N:1}",
                () -> client.deleteItem(b -> b.tableName(table).key(key("nope")).conditionExpression("a BETWEEN :hi AND :lo")
                        .expressionAttributeValues(Map.of(":hi", n("5"), ":lo", n("1")))));
        assertValidation("Invalid ConditionExpression: Invalid attribute type name found; type: X, valid types: {B,NULL,SS,BOOL,L,BS,N,NS,S,M}",
                () -> client.deleteItem(b -> b.tableName(table).key(key("nope")).conditionExpression("attribute_type(a, :t)")
                        .expressionAttributeValues(Map.of(":t", s("X")))));
        assertValidation("Invalid ConditionExpression: Incorrect number of operands for operator or function; operator or function: attribute_exists, number of operands: 2",
                () -> client.deleteItem(b -> b.tableName(table).key(key("nope")).conditionExpression("attribute_exists(a, b)")));
        assertValidation("Invalid ConditionExpression: The function is not allowed to be used this way in an expression; function: size",
                () -> client.deleteItem(b -> b.tableName(table).key(key("nope")).conditionExpression("size(a)")));
        assertValidation("Invalid UpdateExpression: Syntax error; token: \"a\", near: \"a =\"",
                () -> client.updateItem(b -> b.tableName(table).key(key("nope")).updateExpression("a = :v")
                        .expressionAttributeValues(Map.of(":v", s("x")))));
        assertValidation("Invalid ProjectionExpression: Two document paths overlap with each other; must remove or rewrite one of these paths; path one: [a], path two: [a, b]",
                () -> client.getItem(b -> b.tableName(table).key(key("nope")).projectionExpression("a, a.b")));
        assertValidation("Can not use both expression and non-expression parameters in the same request: Non-expression parameters: {AttributesToGet} Expression parameters: {ProjectionExpression}",
                () -> client.getItem(b -> b.tableName(table).key(key("nope")).projectionExpression("a").attributesToGet("b")));
    }
}
