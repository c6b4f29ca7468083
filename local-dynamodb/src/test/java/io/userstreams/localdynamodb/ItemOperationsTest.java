package io.userstreams.localdynamodb;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.ConditionalCheckFailedException;
import software.amazon.awssdk.services.dynamodb.model.DeleteItemResponse;
import software.amazon.awssdk.services.dynamodb.model.GetItemResponse;
import software.amazon.awssdk.services.dynamodb.model.PutItemResponse;
import software.amazon.awssdk.services.dynamodb.model.ResourceNotFoundException;
import software.amazon.awssdk.services.dynamodb.model.ReturnConsumedCapacity;
import software.amazon.awssdk.services.dynamodb.model.ReturnValue;
import software.amazon.awssdk.services.dynamodb.model.ReturnValuesOnConditionCheckFailure;
import software.amazon.awssdk.services.dynamodb.model.ScalarAttributeType;
import software.amazon.awssdk.services.dynamodb.model.UpdateItemResponse;

class ItemOperationsTest extends ServerTestBase {
    static String table;
    static String rangeTable;

    @BeforeAll
    static void tables() {
        table = table("items", null);
        rangeTable = table("items-range", ScalarAttributeType.N);
    }

    @Test
    void putThenGetReturnsTheItemWithCanonicalNumbers() {
        client.putItem(b -> b.tableName(table).item(item("pk", "a", "n", n("012.50"), "e", n("1E2"), "empty", s(""),
                "set", AttributeValue.fromNs(List.of("3", "1.0", "2")), "bool", AttributeValue.fromBool(true),
                "nul", AttributeValue.fromNul(true), "bin", b(1, 2, 3),
                "map", AttributeValue.fromM(Map.of("x", AttributeValue.fromL(List.of(n("1"), s("y"))))))));
        GetItemResponse got = client.getItem(b -> b.tableName(table).key(key("a")).consistentRead(true));
        Map<String, AttributeValue> item = got.item();
        assertThat(item.get("n").n()).isEqualTo("12.5");
        assertThat(item.get("e").n()).isEqualTo("100");
        assertThat(item.get("empty").s()).isEmpty();
        assertThat(item.get("set").ns()).containsExactlyInAnyOrder("1", "2", "3");
        assertThat(item.get("bool").bool()).isTrue();
        assertThat(item.get("nul").nul()).isTrue();
        assertThat(item.get("bin").b().asByteArray()).containsExactly(1, 2, 3);
        assertThat(item.get("map").m().get("x").l()).containsExactly(n("1"), s("y"));
    }

    @Test
    void getOfAMissingItemHasNoItem() {
        GetItemResponse got = client.getItem(b -> b.tableName(table).key(key("missing")));
        assertThat(got.hasItem()).isFalse();
    }

    @Test
    void numbersKeep38DigitsAndRejectMore() {
        String digits38 = "1234567890123456789012345678901234567.8";
        client.putItem(b -> b.tableName(table).item(item("pk", "num", "v", n(digits38), "big", n("9.9999999999999999999999999999999999999E+125"),
                "small", n("-1E-130"))));
        Map<String, AttributeValue> got = client.getItem(b -> b.tableName(table).key(key("num"))).item();
        assertThat(got.get("v").n()).isEqualTo(digits38);
        assertThat(got.get("small").n()).isEqualTo("-0." + "0".repeat(129) + "1");
        assertValidation("Attempting to store more than 38 significant digits in a Number",
                () -> client.putItem(b -> b.tableName(table).item(item("pk", "x", "v", n("123456789012345678901234567890123456789")))));
        assertValidation("Number overflow. Attempting to store a number with magnitude larger than supported range",
                () -> client.putItem(b -> b.tableName(table).item(item("pk", "x", "v", n("1E126")))));
        assertValidation("Number underflow. Attempting to store a number with magnitude smaller than supported range",
                () -> client.putItem(b -> b.tableName(table).item(item("pk", "x", "v", n("1E-131")))));
        assertValidation("A value provided cannot be converted into a number",
                () -> client.putItem(b -> b.tableName(table).item(item("pk", "x", "v", n("abc")))));
        // arithmetic stays exact: 0.1 + 0.2 = 0.3 (a double would give 0.30000000000000004)
        client.putItem(b -> b.tableName(table).item(item("pk", "exact", "v", n("0.1"))));
        UpdateItemResponse updated = client.updateItem(b -> b.tableName(table).key(key("exact"))
                .updateExpression("SET v = v + :d").expressionAttributeValues(Map.of(":d", n("0.2"))).returnValues(ReturnValue.UPDATED_NEW));
        assertThat(updated.attributes().get("v").n()).isEqualTo("0.3");
    }

    @Test
    void valueValidationErrors() {
        assertValidation("One or more parameter values were invalid: An string set  may not be empty",
                () -> client.putItem(b -> b.tableName(table).item(item("pk", "x", "ss", AttributeValue.fromSs(List.of())))));
        assertValidation("One or more parameter values were invalid: Input collection [a, a] contains duplicates.",
                () -> client.putItem(b -> b.tableName(table).item(item("pk", "x", "ss", AttributeValue.fromSs(List.of("a", "a"))))));
        assertValidation("One or more parameter values are not valid. The AttributeValue for a key attribute cannot contain an empty string value. Key: pk",
                () -> client.putItem(b -> b.tableName(table).item(item("pk", ""))));
        assertValidation("One or more parameter values were invalid: Missing the key pk in the item",
                () -> client.putItem(b -> b.tableName(table).item(item("other", "x"))));
        assertValidation("One or more parameter values were invalid: Type mismatch for key pk expected: S actual: N",
                () -> client.putItem(b -> b.tableName(table).item(item("pk", n("1")))));
        assertValidation("The provided key element does not match the schema",
                () -> client.getItem(b -> b.tableName(table).key(item("pk", "a", "extra", "b"))));
        assertValidation("The provided key element does not match the schema",
                () -> client.getItem(b -> b.tableName(rangeTable).key(key("a"))));
        assertValidation("Item size has exceeded the maximum allowed size",
                () -> client.putItem(b -> b.tableName(table).item(item("pk", "big", "v", "x".repeat(400 * 1024)))));
        AttributeValue deep = s("leaf");
        for (int i = 0; i < 32; i++) {
            deep = AttributeValue.fromL(List.of(deep));
        }
        AttributeValue tooDeep = deep;
        assertValidation("Nesting Levels have exceeded supported limits",
                () -> client.putItem(b -> b.tableName(table).item(item("pk", "deep", "v", tooDeep))));
        assertError(ResourceNotFoundException.class, "ResourceNotFoundException", "Requested resource not found",
                () -> client.getItem(b -> b.tableName("no-such-table").key(key("a"))));
    }

    @Test
    void itemJustUnder400KbIsAccepted() {
        // "pk"(2) + "a400"(4) + "v"(1) + value: 400 KB exactly
        String value = "x".repeat(400 * 1024 - 7);
        client.putItem(b -> b.tableName(table).item(item("pk", "a400", "v", value)));
        assertThat(client.getItem(b -> b.tableName(table).key(key("a400"))).item().get("v").s()).hasSize(value.length());
    }

    @Test
    void conditionalPutAndReturnValues() {
        client.putItem(b -> b.tableName(table).item(item("pk", "c1", "v", n("1"))));
        PutItemResponse replaced = client.putItem(b -> b.tableName(table).item(item("pk", "c1", "v", n("2")))
                .conditionExpression("v = :one").expressionAttributeValues(Map.of(":one", n("1")))
                .returnValues(ReturnValue.ALL_OLD));
        assertThat(replaced.attributes()).isEqualTo(item("pk", "c1", "v", n("1")));
        ConditionalCheckFailedException failed = assertError(ConditionalCheckFailedException.class,
                "ConditionalCheckFailedException", "The conditional request failed",
                () -> client.putItem(b -> b.tableName(table).item(item("pk", "c1", "v", n("3")))
                        .conditionExpression("attribute_not_exists(pk)")
                        .returnValuesOnConditionCheckFailure(ReturnValuesOnConditionCheckFailure.ALL_OLD)));
        assertThat(failed.item()).isEqualTo(item("pk", "c1", "v", n("2")));
        assertValidation("Return values set to invalid value",
                () -> client.putItem(b -> b.tableName(table).item(item("pk", "c1")).returnValues(ReturnValue.ALL_NEW)));
    }

    @Test
    void updateExpressionActionsAndReturnValues() {
        client.putItem(b -> b.tableName(table).item(item("pk", "u1", "count", n("5"), "tags", AttributeValue.fromSs(List.of("a", "b")),
                "labels", AttributeValue.fromSs(List.of("a", "b")),
                "list", AttributeValue.fromL(List.of(n("1"), n("2"), n("3"))), "gone", "x",
                "map", AttributeValue.fromM(Map.of("kin", n("1"))))));
        UpdateItemResponse response = client.updateItem(b -> b.tableName(table).key(key("u1"))
                .updateExpression("SET #c = #c - :one, newattr = if_not_exists(newattr, :zero), #l = list_append(#l, :more), #m.inner2 = :one "
                        + "REMOVE gone ADD tags :c, #counter :one DELETE labels :a")
                .expressionAttributeNames(Map.of("#c", "count", "#l", "list", "#m", "map", "#counter", "counter"))
                .expressionAttributeValues(Map.of(":one", n("1"), ":zero", n("0"), ":more", AttributeValue.fromL(List.of(n("4"))),
                        ":c", AttributeValue.fromSs(List.of("c")), ":a", AttributeValue.fromSs(List.of("a"))))
                .returnValues(ReturnValue.ALL_NEW));
        Map<String, AttributeValue> item = response.attributes();
        assertThat(item.get("count").n()).isEqualTo("4");
        assertThat(item.get("newattr").n()).isEqualTo("0");
        assertThat(item.get("list").l()).containsExactly(n("1"), n("2"), n("3"), n("4"));
        UpdateItemResponse removedElements = client.updateItem(b -> b.tableName(table).key(key("u1"))
                .updateExpression("REMOVE #l[0], #l[2]").expressionAttributeNames(Map.of("#l", "list"))
                .returnValues(ReturnValue.ALL_NEW));
        assertThat(removedElements.attributes().get("list").l()).containsExactly(n("2"), n("4"));
        assertThat(item.get("map").m()).containsEntry("inner2", n("1")).containsEntry("kin", n("1"));
        assertThat(item).doesNotContainKey("gone");
        assertThat(item.get("tags").ss()).containsExactlyInAnyOrder("a", "b", "c");
        assertThat(item.get("labels").ss()).containsExactly("b");
        assertThat(item.get("counter").n()).isEqualTo("1");

        UpdateItemResponse updatedOld = client.updateItem(b -> b.tableName(table).key(key("u1"))
                .updateExpression("SET #c = :ten").expressionAttributeNames(Map.of("#c", "count"))
                .expressionAttributeValues(Map.of(":ten", n("10"))).returnValues(ReturnValue.UPDATED_OLD));
        assertThat(updatedOld.attributes()).isEqualTo(Map.of("count", n("4")));
        UpdateItemResponse updatedNew = client.updateItem(b -> b.tableName(table).key(key("u1"))
                .updateExpression("SET #m.kin = :two").expressionAttributeNames(Map.of("#m", "map"))
                .expressionAttributeValues(Map.of(":two", n("2")))
                .returnValues(ReturnValue.UPDATED_NEW));
        assertThat(updatedNew.attributes()).isEqualTo(Map.of("map", AttributeValue.fromM(Map.of("kin", n("2")))));
        UpdateItemResponse allOld = client.updateItem(b -> b.tableName(table).key(key("u1"))
                .updateExpression("REMOVE #counter").expressionAttributeNames(Map.of("#counter", "counter")).returnValues(ReturnValue.ALL_OLD));
        assertThat(allOld.attributes()).containsEntry("counter", n("1"));
    }

    @Test
    void updateCreatesMissingItemsAndRejectsBadUpdates() {
        client.updateItem(b -> b.tableName(table).key(key("new1")).updateExpression("SET a = :a")
                .expressionAttributeValues(Map.of(":a", s("x"))));
        assertThat(client.getItem(b -> b.tableName(table).key(key("new1"))).item()).isEqualTo(item("pk", "new1", "a", "x"));
        client.updateItem(b -> b.tableName(table).key(key("new2")).updateExpression("REMOVE a"));
        assertThat(client.getItem(b -> b.tableName(table).key(key("new2"))).hasItem()).isFalse();

        assertValidation("One or more parameter values were invalid: Cannot update attribute pk. This attribute is part of the key",
                () -> client.updateItem(b -> b.tableName(table).key(key("new1")).updateExpression("SET pk = :a")
                        .expressionAttributeValues(Map.of(":a", s("x")))));
        assertValidation("An operand in the update expression has an incorrect data type",
                () -> client.updateItem(b -> b.tableName(table).key(key("new1")).updateExpression("SET a = a + :one")
                        .expressionAttributeValues(Map.of(":one", n("1")))));
        assertValidation("The provided expression refers to an attribute that does not exist in the item",
                () -> client.updateItem(b -> b.tableName(table).key(key("new1")).updateExpression("SET a = absent + :one")
                        .expressionAttributeValues(Map.of(":one", n("1")))));
        assertValidation("The document path provided in the update expression is invalid for update",
                () -> client.updateItem(b -> b.tableName(table).key(key("new1")).updateExpression("SET nothere.child = :one")
                        .expressionAttributeValues(Map.of(":one", n("1")))));
        assertValidation("Invalid UpdateExpression: Two document paths overlap with each other; must remove or rewrite one of these paths; path one: [a], path two: [a, b]",
                () -> client.updateItem(b -> b.tableName(table).key(key("new1")).updateExpression("SET a = :one, a.b = :one")
                        .expressionAttributeValues(Map.of(":one", n("1")))));
        assertValidation("Invalid UpdateExpression: The \"SET\" section can only be used once in an update expression;",
                () -> client.updateItem(b -> b.tableName(table).key(key("new1")).updateExpression("SET a = :one SET b = :one")
                        .expressionAttributeValues(Map.of(":one", n("1")))));
        assertValidation("Invalid UpdateExpression: Incorrect operand type for operator or function; operator: ADD, operand type: STRING",
                () -> client.updateItem(b -> b.tableName(table).key(key("new1")).updateExpression("ADD a :s")
                        .expressionAttributeValues(Map.of(":s", s("x")))));
    }

    @Test
    void deleteWithConditionAndReturnValues() {
        client.putItem(b -> b.tableName(table).item(item("pk", "d1", "v", "x")));
        assertError(ConditionalCheckFailedException.class, "ConditionalCheckFailedException", "The conditional request failed",
                () -> client.deleteItem(b -> b.tableName(table).key(key("d1")).conditionExpression("v = :y")
                        .expressionAttributeValues(Map.of(":y", s("y")))));
        DeleteItemResponse deleted = client.deleteItem(b -> b.tableName(table).key(key("d1")).conditionExpression("v = :x")
                .expressionAttributeValues(Map.of(":x", s("x"))).returnValues(ReturnValue.ALL_OLD));
        assertThat(deleted.attributes()).isEqualTo(item("pk", "d1", "v", "x"));
        DeleteItemResponse again = client.deleteItem(b -> b.tableName(table).key(key("d1")).returnValues(ReturnValue.ALL_OLD));
        assertThat(again.hasAttributes()).isFalse();
    }

    @Test
    void consumedCapacityFollowsDynamoDbUnits() {
        String twoKb = "x".repeat(2000);
        PutItemResponse put = client.putItem(b -> b.tableName(table).item(item("pk", "cap", "v", twoKb))
                .returnConsumedCapacity(ReturnConsumedCapacity.TOTAL));
        assertThat(put.consumedCapacity().capacityUnits()).isEqualTo(2.0);
        assertThat(put.consumedCapacity().tableName()).isEqualTo(table);
        GetItemResponse eventual = client.getItem(b -> b.tableName(table).key(key("cap")).returnConsumedCapacity(ReturnConsumedCapacity.TOTAL));
        assertThat(eventual.consumedCapacity().capacityUnits()).isEqualTo(0.5);
        GetItemResponse strong = client.getItem(b -> b.tableName(table).key(key("cap")).consistentRead(true)
                .returnConsumedCapacity(ReturnConsumedCapacity.INDEXES));
        assertThat(strong.consumedCapacity().capacityUnits()).isEqualTo(1.0);
        assertThat(strong.consumedCapacity().table().capacityUnits()).isEqualTo(1.0);
        String fiveKb = "x".repeat(5000);
        client.putItem(b -> b.tableName(table).item(item("pk", "cap5", "v", fiveKb)));
        GetItemResponse big = client.getItem(b -> b.tableName(table).key(key("cap5")).consistentRead(true)
                .returnConsumedCapacity(ReturnConsumedCapacity.TOTAL));
        assertThat(big.consumedCapacity().capacityUnits()).isEqualTo(2.0);
        PutItemResponse none = client.putItem(b -> b.tableName(table).item(item("pk", "cap")));
        assertThat(none.consumedCapacity()).isNull();
    }

    @Test
    void projectionExpressionWithNestedPathsAndListIndexes() {
        client.putItem(b -> b.tableName(table).item(item("pk", "p1", "a", "x", "b", "y",
                "m", AttributeValue.fromM(Map.of("k1", n("1"), "k2", n("2"), "deep", AttributeValue.fromM(Map.of("z", s("z"))))),
                "l", AttributeValue.fromL(List.of(s("l0"), s("l1"), s("l2"))))));
        Map<String, AttributeValue> got = client.getItem(b -> b.tableName(table).key(key("p1"))
                .projectionExpression("a, m.k2, m.deep.z, l[2], l[0], #missing")
                .expressionAttributeNames(Map.of("#missing", "nothing"))).item();
        assertThat(got).containsOnlyKeys("a", "m", "l");
        assertThat(got.get("m").m()).containsOnlyKeys("k2", "deep");
        assertThat(got.get("l").l()).containsExactly(s("l0"), s("l2"));
        Map<String, AttributeValue> legacy = client.getItem(b -> b.tableName(table).key(key("p1")).attributesToGet("a", "b")).item();
        assertThat(legacy).containsOnlyKeys("a", "b");
    }
}
