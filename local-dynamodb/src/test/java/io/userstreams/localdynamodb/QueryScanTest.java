package io.userstreams.localdynamodb;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.dynamodb.model.AttributeDefinition;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.BillingMode;
import software.amazon.awssdk.services.dynamodb.model.GlobalSecondaryIndex;
import software.amazon.awssdk.services.dynamodb.model.KeySchemaElement;
import software.amazon.awssdk.services.dynamodb.model.KeyType;
import software.amazon.awssdk.services.dynamodb.model.LocalSecondaryIndex;
import software.amazon.awssdk.services.dynamodb.model.Projection;
import software.amazon.awssdk.services.dynamodb.model.ProjectionType;
import software.amazon.awssdk.services.dynamodb.model.QueryResponse;
import software.amazon.awssdk.services.dynamodb.model.ReturnConsumedCapacity;
import software.amazon.awssdk.services.dynamodb.model.ScalarAttributeType;
import software.amazon.awssdk.services.dynamodb.model.ScanResponse;
import software.amazon.awssdk.services.dynamodb.model.Select;

class QueryScanTest extends ServerTestBase {
    static String table;

    @BeforeAll
    static void data() {
        table = uniqueName("orders");
        client.createTable(b -> b.tableName(table)
                .attributeDefinitions(
                        AttributeDefinition.builder().attributeName("pk").attributeType(ScalarAttributeType.S).build(),
                        AttributeDefinition.builder().attributeName("sk").attributeType(ScalarAttributeType.S).build(),
                        AttributeDefinition.builder().attributeName("owner").attributeType(ScalarAttributeType.S).build(),
                        AttributeDefinition.builder().attributeName("amount").attributeType(ScalarAttributeType.N).build())
                .keySchema(KeySchemaElement.builder().attributeName("pk").keyType(KeyType.HASH).build(),
                        KeySchemaElement.builder().attributeName("sk").keyType(KeyType.RANGE).build())
                .globalSecondaryIndexes(GlobalSecondaryIndex.builder().indexName("byOwner")
                        .keySchema(KeySchemaElement.builder().attributeName("owner").keyType(KeyType.HASH).build(),
                                KeySchemaElement.builder().attributeName("amount").keyType(KeyType.RANGE).build())
                        .projection(Projection.builder().projectionType(ProjectionType.KEYS_ONLY).build()).build())
                .localSecondaryIndexes(LocalSecondaryIndex.builder().indexName("byAmount")
                        .keySchema(KeySchemaElement.builder().attributeName("pk").keyType(KeyType.HASH).build(),
                                KeySchemaElement.builder().attributeName("amount").keyType(KeyType.RANGE).build())
                        .projection(Projection.builder().projectionType(ProjectionType.ALL).build()).build())
                .billingMode(BillingMode.PAY_PER_REQUEST));
        for (int user = 0; user < 3; user++) {
            for (int order = 0; order < 10; order++) {
                int u = user;
                int o = order;
                client.putItem(b -> b.tableName(table).item(item("pk", "user" + u, "sk", String.format("order#%02d", o),
                        "owner", "owner" + (o % 2), "amount", n(Integer.toString(100 - o)), "note", o % 3 == 0 ? "even" : "odd")));
            }
        }
        client.putItem(b -> b.tableName(table).item(item("pk", "user0", "sk", "profile", "name", "Zed")));
    }

    private static QueryResponse query(String condition, Map<String, AttributeValue> values) {
        return client.query(b -> b.tableName(table).keyConditionExpression(condition).expressionAttributeValues(values));
    }

    @Test
    void keyConditionOperators() {
        assertThat(query("pk = :p", Map.of(":p", s("user0"))).count()).isEqualTo(11);
        assertThat(query("pk = :p AND sk = :s", Map.of(":p", s("user0"), ":s", s("order#03"))).count()).isEqualTo(1);
        assertThat(query("pk = :p AND sk < :s", Map.of(":p", s("user0"), ":s", s("order#03"))).count()).isEqualTo(3);
        assertThat(query("pk = :p AND sk <= :s", Map.of(":p", s("user0"), ":s", s("order#03"))).count()).isEqualTo(4);
        assertThat(query("pk = :p AND sk > :s", Map.of(":p", s("user0"), ":s", s("order#03"))).count()).isEqualTo(7);
        assertThat(query("pk = :p AND sk >= :s", Map.of(":p", s("user0"), ":s", s("order#03"))).count()).isEqualTo(8);
        assertThat(query("pk = :p AND sk BETWEEN :a AND :b", Map.of(":p", s("user0"), ":a", s("order#02"), ":b", s("order#05"))).count()).isEqualTo(4);
        QueryResponse prefix = query("pk = :p AND begins_with(sk, :o)", Map.of(":p", s("user0"), ":o", s("order#")));
        assertThat(prefix.count()).isEqualTo(10);
        assertThat(prefix.items().get(0).get("sk").s()).isEqualTo("order#00");
        QueryResponse backwards = client.query(b -> b.tableName(table).keyConditionExpression("pk = :p AND begins_with(sk, :o)")
                .expressionAttributeValues(Map.of(":p", s("user0"), ":o", s("order#"))).scanIndexForward(false));
        assertThat(backwards.items()).extracting(i -> i.get("sk").s()).first().isEqualTo("order#09");
        assertThat(backwards.count()).isEqualTo(10);
    }

    @Test
    void filterLimitSelectAndPaging() {
        QueryResponse filtered = client.query(b -> b.tableName(table).keyConditionExpression("pk = :p")
                .filterExpression("note = :even").expressionAttributeValues(Map.of(":p", s("user1"), ":even", s("even"))));
        assertThat(filtered.count()).isEqualTo(4);
        assertThat(filtered.scannedCount()).isEqualTo(10);
        QueryResponse count = client.query(b -> b.tableName(table).keyConditionExpression("pk = :p")
                .expressionAttributeValues(Map.of(":p", s("user1"))).select(Select.COUNT));
        assertThat(count.count()).isEqualTo(10);
        assertThat(count.hasItems()).isFalse();

        List<String> keys = new ArrayList<>();
        Map<String, AttributeValue> start = null;
        int pages = 0;
        do {
            Map<String, AttributeValue> from = start;
            QueryResponse page = client.query(b -> b.tableName(table).keyConditionExpression("pk = :p")
                    .expressionAttributeValues(Map.of(":p", s("user2"))).limit(3).exclusiveStartKey(from));
            page.items().forEach(i -> keys.add(i.get("sk").s()));
            start = page.hasLastEvaluatedKey() && !page.lastEvaluatedKey().isEmpty() ? page.lastEvaluatedKey() : null;
            pages++;
        } while (start != null && pages < 10);
        assertThat(keys).hasSize(10).doesNotHaveDuplicates().isSorted();
        assertThat(pages).isEqualTo(4);

        QueryResponse projected = client.query(b -> b.tableName(table).keyConditionExpression("pk = :p AND sk = :s")
                .projectionExpression("amount").expressionAttributeValues(Map.of(":p", s("user2"), ":s", s("order#01"))));
        assertThat(projected.items()).containsExactly(Map.of("amount", n("99")));
    }

    @Test
    void globalAndLocalIndexes() {
        QueryResponse owner = client.query(b -> b.tableName(table).indexName("byOwner")
                .keyConditionExpression("#o = :o AND amount > :min").expressionAttributeNames(Map.of("#o", "owner"))
                .expressionAttributeValues(Map.of(":o", s("owner0"), ":min", n("95"))));
        // owner0 has even orders 0,2,4 with amounts 100,98,96 for each of 3 users
        assertThat(owner.count()).isEqualTo(9);
        assertThat(owner.items().get(0).keySet()).containsExactlyInAnyOrder("pk", "sk", "owner", "amount");
        assertThat(owner.items()).extracting(i -> new java.math.BigDecimal(i.get("amount").n())).isSorted();

        QueryResponse paged = client.query(b -> b.tableName(table).indexName("byOwner").limit(4)
                .keyConditionExpression("#o = :o").expressionAttributeNames(Map.of("#o", "owner"))
                .expressionAttributeValues(Map.of(":o", s("owner1"))));
        assertThat(paged.lastEvaluatedKey()).containsOnlyKeys("pk", "sk", "owner", "amount");
        QueryResponse rest = client.query(b -> b.tableName(table).indexName("byOwner").exclusiveStartKey(paged.lastEvaluatedKey())
                .keyConditionExpression("#o = :o").expressionAttributeNames(Map.of("#o", "owner"))
                .expressionAttributeValues(Map.of(":o", s("owner1"))));
        assertThat(paged.count() + rest.count()).isEqualTo(15);

        QueryResponse local = client.query(b -> b.tableName(table).indexName("byAmount")
                .keyConditionExpression("pk = :p AND amount <= :a").expressionAttributeValues(Map.of(":p", s("user1"), ":a", n("92"))));
        assertThat(local.count()).isEqualTo(2);
        assertThat(local.items().get(0)).containsKey("note");

        assertValidation("Consistent reads are not supported on global secondary indexes",
                () -> client.query(b -> b.tableName(table).indexName("byOwner").consistentRead(true)
                        .keyConditionExpression("#o = :o").expressionAttributeNames(Map.of("#o", "owner"))
                        .expressionAttributeValues(Map.of(":o", s("owner1")))));
        assertValidation("The table does not have the specified index: nope",
                () -> client.query(b -> b.tableName(table).indexName("nope").keyConditionExpression("pk = :p")
                        .expressionAttributeValues(Map.of(":p", s("x")))));
    }

    @Test
    void queryErrors() {
        assertValidation("Query condition missed key schema element: pk",
                () -> query("sk = :s", Map.of(":s", s("x"))));
        assertValidation("Invalid operator used in KeyConditionExpression: OR",
                () -> query("pk = :p OR sk = :s", Map.of(":p", s("x"), ":s", s("x"))));
        assertValidation("One or more parameter values were invalid: Condition parameter type does not match schema type",
                () -> query("pk = :p", Map.of(":p", n("1"))));
        assertValidation("Either the KeyConditions or KeyConditionExpression parameter must be specified in the request.",
                () -> client.query(b -> b.tableName(table)));
        assertValidation("Filter Expression can only contain non-primary key attributes: Primary key attribute: sk",
                () -> client.query(b -> b.tableName(table).keyConditionExpression("pk = :p").filterExpression("sk = :s")
                        .expressionAttributeValues(Map.of(":p", s("x"), ":s", s("x")))));
    }

    @Test
    void scanSegmentsCoverTheTableOnce() {
        int total = 4;
        Set<String> seen = new HashSet<>();
        int items = 0;
        for (int segment = 0; segment < total; segment++) {
            int seg = segment;
            Map<String, AttributeValue> start = null;
            do {
                Map<String, AttributeValue> from = start;
                ScanResponse page = client.scan(b -> b.tableName(table).segment(seg).totalSegments(total).limit(5)
                        .consistentRead(true).exclusiveStartKey(from));
                for (Map<String, AttributeValue> item : page.items()) {
                    seen.add(item.get("pk").s() + "/" + item.get("sk").s());
                    items++;
                }
                start = page.hasLastEvaluatedKey() && !page.lastEvaluatedKey().isEmpty() ? page.lastEvaluatedKey() : null;
            } while (start != null);
        }
        assertThat(items).isEqualTo(31);
        assertThat(seen).hasSize(31);
        ScanResponse filtered = client.scan(b -> b.tableName(table).filterExpression("attribute_exists(#n)")
                .expressionAttributeNames(Map.of("#n", "name")).returnConsumedCapacity(ReturnConsumedCapacity.TOTAL));
        assertThat(filtered.items()).singleElement().satisfies(i -> assertThat(i.get("name").s()).isEqualTo("Zed"));
        assertThat(filtered.scannedCount()).isEqualTo(31);
        assertThat(filtered.consumedCapacity().capacityUnits()).isEqualTo(0.5);
        ScanResponse index = client.scan(b -> b.tableName(table).indexName("byOwner"));
        assertThat(index.count()).isEqualTo(30);
        assertValidation("The Segment parameter is zero-based and must be less than parameter TotalSegments: Segment: 4 is not less than TotalSegments: 4",
                () -> client.scan(b -> b.tableName(table).segment(4).totalSegments(4)));
    }

    @Test
    void numberAndBinarySortKeysOrderAsDynamoDbDoes() {
        String numbers = table("num-order", ScalarAttributeType.N);
        for (String v : List.of("10", "-2", "1.5", "0", "-10", "1E2", "0.001", "99999999999999999999999999999999999999")) {
            client.putItem(b -> b.tableName(numbers).item(item("pk", "p", "sk", n(v))));
        }
        QueryResponse ordered = client.query(b -> b.tableName(numbers).keyConditionExpression("pk = :p")
                .expressionAttributeValues(Map.of(":p", s("p"))));
        assertThat(ordered.items()).extracting(i -> i.get("sk").n())
                .containsExactly("-10", "-2", "0", "0.001", "1.5", "10", "100", "99999999999999999999999999999999999999");
        QueryResponse range = client.query(b -> b.tableName(numbers).keyConditionExpression("pk = :p AND sk BETWEEN :lo AND :hi")
                .expressionAttributeValues(Map.of(":p", s("p"), ":lo", n("-2"), ":hi", n("1.50"))));
        assertThat(range.count()).isEqualTo(4);

        String binaries = table("bin-order", ScalarAttributeType.B);
        for (int[] bytes : new int[][] {{0xff}, {0x01}, {0x80, 0x00}, {0x01, 0x02}}) {
            client.putItem(b -> b.tableName(binaries).item(item("pk", "p", "sk", b(bytes))));
        }
        QueryResponse unsignedOrder = client.query(b -> b.tableName(binaries).keyConditionExpression("pk = :p AND sk >= :min")
                .expressionAttributeValues(Map.of(":p", s("p"), ":min", b(0x01, 0x02))));
        assertThat(unsignedOrder.items()).extracting(i -> i.get("sk").b().asByteArray()[0] & 0xff).containsExactly(0x01, 0x80, 0xff);

        String strings = table("str-order", ScalarAttributeType.S);
        for (String v : List.of("b", "B", "a", "ab", "\u00e9", "\ud83d\ude00", "\uffee")) {
            client.putItem(b -> b.tableName(strings).item(item("pk", "p", "sk", v)));
        }
        QueryResponse byCodePoint = client.query(b -> b.tableName(strings).keyConditionExpression("pk = :p")
                .expressionAttributeValues(Map.of(":p", s("p"))));
        // UTF-8 byte order: the emoji (U+1F600, 4 bytes F0...) sorts after U+FFEE (EF BF AE)
        assertThat(byCodePoint.items()).extracting(i -> i.get("sk").s())
                .containsExactly("B", "a", "ab", "b", "\u00e9", "\uffee", "\ud83d\ude00");
    }

    @Test
    void writesAlsoConsumeCapacityOnTheIndexesTheyTouch() {
        var put = client.putItem(b -> b.tableName(table).item(item("pk", "cap", "sk", "1", "owner", "o", "amount", n("1")))
                .returnConsumedCapacity(software.amazon.awssdk.services.dynamodb.model.ReturnConsumedCapacity.INDEXES));
        assertThat(put.consumedCapacity().capacityUnits()).isEqualTo(3.0);
        assertThat(put.consumedCapacity().table().capacityUnits()).isEqualTo(1.0);
        assertThat(put.consumedCapacity().globalSecondaryIndexes().get("byOwner").capacityUnits()).isEqualTo(1.0);
        assertThat(put.consumedCapacity().localSecondaryIndexes().get("byAmount").capacityUnits()).isEqualTo(1.0);
        // moving the item to another GSI key deletes one entry and puts another
        var moved = client.updateItem(b -> b.tableName(table).key(item("pk", "cap", "sk", "1")).updateExpression("SET #o = :o")
                .expressionAttributeNames(Map.of("#o", "owner")).expressionAttributeValues(Map.of(":o", s("p")))
                .returnConsumedCapacity(software.amazon.awssdk.services.dynamodb.model.ReturnConsumedCapacity.INDEXES));
        assertThat(moved.consumedCapacity().globalSecondaryIndexes().get("byOwner").capacityUnits()).isEqualTo(2.0);
        var plain = client.putItem(b -> b.tableName(table).item(item("pk", "cap", "sk", "2"))
                .returnConsumedCapacity(software.amazon.awssdk.services.dynamodb.model.ReturnConsumedCapacity.TOTAL));
        assertThat(plain.consumedCapacity().capacityUnits()).isEqualTo(1.0);
    }
}
