package io.userstreams.localdynamodb;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.dynamodb.model.AttributeAction;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.AttributeValueUpdate;
import software.amazon.awssdk.services.dynamodb.model.ComparisonOperator;
import software.amazon.awssdk.services.dynamodb.model.Condition;
import software.amazon.awssdk.services.dynamodb.model.ConditionalCheckFailedException;
import software.amazon.awssdk.services.dynamodb.model.ConditionalOperator;
import software.amazon.awssdk.services.dynamodb.model.ExpectedAttributeValue;
import software.amazon.awssdk.services.dynamodb.model.ReturnValue;
import software.amazon.awssdk.services.dynamodb.model.ReturnValuesOnConditionCheckFailure;
import software.amazon.awssdk.services.dynamodb.model.ScalarAttributeType;
import software.amazon.awssdk.services.dynamodb.model.UpdateItemResponse;

/** The legacy parameters as KCL 3.1.1's lease code sends them. */
class LegacyApiTest extends ServerTestBase {
    static String table;

    @BeforeAll
    static void data() {
        table = table("legacy", null);
    }

    private static ExpectedAttributeValue exists(boolean exists) {
        return ExpectedAttributeValue.builder().exists(exists).build();
    }

    private static ExpectedAttributeValue equalTo(AttributeValue value) {
        return ExpectedAttributeValue.builder().value(value).build();
    }

    private static AttributeValueUpdate update(AttributeAction action, AttributeValue value) {
        return AttributeValueUpdate.builder().action(action).value(value).build();
    }

    @Test
    void leaseLifecycleWithExpectedAndAttributeUpdates() {
        // create the lease only if absent
        client.putItem(b -> b.tableName(table).item(item("pk", "shard-0", "leaseCounter", n("0"), "checkpoint", "TRIM_HORIZON"))
                .expected(Map.of("pk", exists(false))));
        assertError(ConditionalCheckFailedException.class, "ConditionalCheckFailedException", "The conditional request failed",
                () -> client.putItem(b -> b.tableName(table).item(item("pk", "shard-0")).expected(Map.of("pk", exists(false)))));

        // take the lease: counter must match, owner set, counter incremented
        UpdateItemResponse taken = client.updateItem(b -> b.tableName(table).key(key("shard-0"))
                .expected(Map.of("leaseCounter", equalTo(n("0"))))
                .attributeUpdates(Map.of("leaseOwner", update(AttributeAction.PUT, s("worker-1")),
                        "leaseCounter", update(AttributeAction.ADD, n("1")),
                        "parents", update(AttributeAction.ADD, AttributeValue.fromSs(List.of("p1", "p2")))))
                .returnValues(ReturnValue.ALL_NEW));
        assertThat(taken.attributes()).containsEntry("leaseOwner", s("worker-1")).containsEntry("leaseCounter", n("1"));
        assertThat(taken.attributes().get("parents").ss()).containsExactlyInAnyOrder("p1", "p2");

        // a stale counter fails and returns the current item when asked
        ConditionalCheckFailedException stale = assertError(ConditionalCheckFailedException.class, "ConditionalCheckFailedException", null,
                () -> client.updateItem(b -> b.tableName(table).key(key("shard-0"))
                        .expected(Map.of("leaseCounter", equalTo(n("0"))))
                        .attributeUpdates(Map.of("leaseOwner", update(AttributeAction.PUT, s("worker-2"))))
                        .returnValuesOnConditionCheckFailure(ReturnValuesOnConditionCheckFailure.ALL_OLD)));
        assertThat(stale.item()).containsEntry("leaseOwner", s("worker-1"));

        // Exists true with Value, DELETE of an attribute and of set elements
        UpdateItemResponse evicted = client.updateItem(b -> b.tableName(table).key(key("shard-0"))
                .expected(Map.of("leaseOwner", ExpectedAttributeValue.builder().exists(true).value(s("worker-1")).build()))
                .attributeUpdates(Map.of("leaseOwner", AttributeValueUpdate.builder().action(AttributeAction.DELETE).build(),
                        "parents", update(AttributeAction.DELETE, AttributeValue.fromSs(List.of("p1")))))
                .returnValues(ReturnValue.UPDATED_NEW));
        assertThat(evicted.attributes()).containsOnlyKeys("parents");
        assertThat(client.getItem(b -> b.tableName(table).key(key("shard-0"))).item()).doesNotContainKey("leaseOwner");

        // delete with a legacy condition
        assertError(ConditionalCheckFailedException.class, "ConditionalCheckFailedException", null,
                () -> client.deleteItem(b -> b.tableName(table).key(key("shard-0")).expected(Map.of("leaseOwner", equalTo(s("worker-1"))))));
        client.deleteItem(b -> b.tableName(table).key(key("shard-0")).expected(Map.of("leaseOwner", exists(false))));
        assertThat(client.getItem(b -> b.tableName(table).key(key("shard-0"))).hasItem()).isFalse();
    }

    @Test
    void legacyDeleteOfAMissingItemCreatesNothingWhilePutAndAddDo() {
        client.updateItem(b -> b.tableName(table).key(key("absent"))
                .attributeUpdates(Map.of("x", AttributeValueUpdate.builder().action(AttributeAction.DELETE).build())));
        assertThat(client.getItem(b -> b.tableName(table).key(key("absent"))).hasItem()).isFalse();
        client.updateItem(b -> b.tableName(table).key(key("added"))
                .attributeUpdates(Map.of("n", update(AttributeAction.ADD, n("2")))));
        assertThat(client.getItem(b -> b.tableName(table).key(key("added"))).item()).containsEntry("n", n("2"));
    }

    @Test
    void legacyValidationMessages() {
        assertValidation("One or more parameter values were invalid: Value must be provided when Exists is true for Attribute: a",
                () -> client.putItem(b -> b.tableName(table).item(item("pk", "v")).expected(Map.of("a", exists(true)))));
        assertValidation("One or more parameter values were invalid: Value cannot be used when Exists is false for Attribute: a",
                () -> client.putItem(b -> b.tableName(table).item(item("pk", "v"))
                        .expected(Map.of("a", ExpectedAttributeValue.builder().exists(false).value(s("x")).build()))));
        assertValidation("Can not use both expression and non-expression parameters in the same request: Non-expression parameters: {Expected} Expression parameters: {ConditionExpression}",
                () -> client.putItem(b -> b.tableName(table).item(item("pk", "v")).expected(Map.of("a", exists(false)))
                        .conditionExpression("attribute_not_exists(pk)")));
        assertValidation("One or more parameter values were invalid: Invalid number of argument(s) for the EQ ComparisonOperator",
                () -> client.putItem(b -> b.tableName(table).item(item("pk", "v"))
                        .expected(Map.of("a", ExpectedAttributeValue.builder().comparisonOperator(ComparisonOperator.EQ).build()))));
    }

    @Test
    void comparisonOperatorsAndFilters() {
        String rangeTable = table("legacy-range", ScalarAttributeType.N);
        for (int i = 0; i < 6; i++) {
            int v = i;
            client.putItem(b -> b.tableName(rangeTable).item(item("pk", "p", "sk", n(Integer.toString(v)), "tag", v % 2 == 0 ? "even" : "odd")));
        }
        var query = client.query(b -> b.tableName(rangeTable)
                .keyConditions(Map.of("pk", Condition.builder().comparisonOperator(ComparisonOperator.EQ).attributeValueList(s("p")).build(),
                        "sk", Condition.builder().comparisonOperator(ComparisonOperator.BETWEEN).attributeValueList(n("1"), n("4")).build()))
                .queryFilter(Map.of("tag", Condition.builder().comparisonOperator(ComparisonOperator.EQ).attributeValueList(s("even")).build()))
                .attributesToGet("sk"));
        assertThat(query.items()).containsExactly(Map.of("sk", n("2")), Map.of("sk", n("4")));
        var scan = client.scan(b -> b.tableName(rangeTable).conditionalOperator(ConditionalOperator.OR)
                .scanFilter(Map.of("sk", Condition.builder().comparisonOperator(ComparisonOperator.GE).attributeValueList(n("5")).build(),
                        "tag", Condition.builder().comparisonOperator(ComparisonOperator.IN).attributeValueList(s("none"), s("even")).build())));
        assertThat(scan.count()).isEqualTo(4);
        var notNull = client.scan(b -> b.tableName(rangeTable)
                .scanFilter(Map.of("missing", Condition.builder().comparisonOperator(ComparisonOperator.NULL).build(),
                        "tag", Condition.builder().comparisonOperator(ComparisonOperator.BEGINS_WITH).attributeValueList(s("od")).build())));
        assertThat(notNull.count()).isEqualTo(3);
        var contains = client.scan(b -> b.tableName(rangeTable)
                .scanFilter(Map.of("tag", Condition.builder().comparisonOperator(ComparisonOperator.NOT_CONTAINS).attributeValueList(s("v")).build())));
        assertThat(contains.count()).isEqualTo(3);
    }
}
