package io.userstreams.localdynamodb;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.dynamodb.model.AttributeDefinition;
import software.amazon.awssdk.services.dynamodb.model.BillingMode;
import software.amazon.awssdk.services.dynamodb.model.CreateTableResponse;
import software.amazon.awssdk.services.dynamodb.model.DescribeTableResponse;
import software.amazon.awssdk.services.dynamodb.model.GlobalSecondaryIndex;
import software.amazon.awssdk.services.dynamodb.model.IndexStatus;
import software.amazon.awssdk.services.dynamodb.model.KeySchemaElement;
import software.amazon.awssdk.services.dynamodb.model.KeyType;
import software.amazon.awssdk.services.dynamodb.model.ListTablesResponse;
import software.amazon.awssdk.services.dynamodb.model.LocalSecondaryIndex;
import software.amazon.awssdk.services.dynamodb.model.PointInTimeRecoveryStatus;
import software.amazon.awssdk.services.dynamodb.model.Projection;
import software.amazon.awssdk.services.dynamodb.model.ProjectionType;
import software.amazon.awssdk.services.dynamodb.model.ResourceInUseException;
import software.amazon.awssdk.services.dynamodb.model.ResourceNotFoundException;
import software.amazon.awssdk.services.dynamodb.model.ScalarAttributeType;
import software.amazon.awssdk.services.dynamodb.model.StreamViewType;
import software.amazon.awssdk.services.dynamodb.model.TableStatus;
import software.amazon.awssdk.services.dynamodb.model.Tag;
import software.amazon.awssdk.services.dynamodb.model.TimeToLiveStatus;

class TableOperationsTest extends ServerTestBase {

    private static AttributeDefinition def(String name, ScalarAttributeType type) {
        return AttributeDefinition.builder().attributeName(name).attributeType(type).build();
    }

    private static KeySchemaElement keyElement(String name, KeyType type) {
        return KeySchemaElement.builder().attributeName(name).keyType(type).build();
    }

    @Test
    void createDescribeWithIndexesStreamTagsAndProtection() {
        String name = uniqueName("leases");
        CreateTableResponse created = client.createTable(b -> b.tableName(name)
                .attributeDefinitions(def("leaseKey", ScalarAttributeType.S), def("leaseOwner", ScalarAttributeType.S),
                        def("sk", ScalarAttributeType.N), def("lsiKey", ScalarAttributeType.S))
                .keySchema(keyElement("leaseKey", KeyType.HASH), keyElement("sk", KeyType.RANGE))
                .globalSecondaryIndexes(GlobalSecondaryIndex.builder().indexName("LeaseOwnerToLeaseKeyIndex")
                        .keySchema(keyElement("leaseOwner", KeyType.HASH), keyElement("leaseKey", KeyType.RANGE))
                        .projection(Projection.builder().projectionType(ProjectionType.KEYS_ONLY).build()).build())
                .localSecondaryIndexes(LocalSecondaryIndex.builder().indexName("byLsi")
                        .keySchema(keyElement("leaseKey", KeyType.HASH), keyElement("lsiKey", KeyType.RANGE))
                        .projection(Projection.builder().projectionType(ProjectionType.INCLUDE).nonKeyAttributes("x").build()).build())
                .billingMode(BillingMode.PAY_PER_REQUEST)
                .streamSpecification(s -> s.streamEnabled(true).streamViewType(StreamViewType.NEW_AND_OLD_IMAGES))
                .tags(Tag.builder().key("team").value("streams").build())
                .deletionProtectionEnabled(true));
        assertThat(created.tableDescription().tableStatus()).isEqualTo(TableStatus.ACTIVE);
        assertThat(created.tableDescription().latestStreamArn())
                .startsWith("arn:aws:dynamodb:us-east-1:000000000000:table/" + name + "/stream/");

        client.putItem(b -> b.tableName(name).item(item("leaseKey", "k1", "sk", n("1"), "leaseOwner", "w1")));
        DescribeTableResponse described = client.describeTable(b -> b.tableName(name));
        var table = described.table();
        assertThat(table.tableName()).isEqualTo(name);
        assertThat(table.creationDateTime()).isBetween(java.time.Instant.now().minusSeconds(120), java.time.Instant.now());
        assertThat(table.creationDateTime().getNano() % 1_000_000).isZero(); // millisecond precision, not a rounded double
        assertThat(table.itemCount()).isEqualTo(1);
        assertThat(table.tableSizeBytes()).isPositive();
        assertThat(table.tableArn()).isEqualTo("arn:aws:dynamodb:us-east-1:000000000000:table/" + name);
        assertThat(table.billingModeSummary().billingMode()).isEqualTo(BillingMode.PAY_PER_REQUEST);
        assertThat(table.globalSecondaryIndexes()).singleElement().satisfies(gsi -> {
            assertThat(gsi.indexName()).isEqualTo("LeaseOwnerToLeaseKeyIndex");
            assertThat(gsi.indexStatus()).isEqualTo(IndexStatus.ACTIVE);
            assertThat(gsi.itemCount()).isEqualTo(1);
            assertThat(gsi.projection().projectionType()).isEqualTo(ProjectionType.KEYS_ONLY);
        });
        assertThat(table.localSecondaryIndexes()).singleElement().satisfies(lsi ->
                assertThat(lsi.projection().nonKeyAttributes()).containsExactly("x"));
        assertThat(table.streamSpecification().streamEnabled()).isTrue();
        assertThat(table.streamSpecification().streamViewType()).isEqualTo(StreamViewType.NEW_AND_OLD_IMAGES);
        assertThat(table.latestStreamLabel()).isNotBlank();
        assertThat(table.deletionProtectionEnabled()).isTrue();
        assertThat(client.listTagsOfResource(b -> b.resourceArn(table.tableArn())).tags())
                .containsExactly(Tag.builder().key("team").value("streams").build());

        assertValidation("Resource cannot be deleted as it is currently protected against deletion. Disable deletion protection first.",
                () -> client.deleteTable(b -> b.tableName(name)));
        client.updateTable(b -> b.tableName(name).deletionProtectionEnabled(false));
        assertThat(client.deleteTable(b -> b.tableName(name)).tableDescription().tableStatus()).isEqualTo(TableStatus.DELETING);
        assertError(ResourceNotFoundException.class, "ResourceNotFoundException", "Requested resource not found",
                () -> client.describeTable(b -> b.tableName(name)));
    }

    @Test
    void createErrors() {
        String name = table("dup", null);
        assertError(ResourceInUseException.class, "ResourceInUseException", "Table already exists: " + name,
                () -> client.createTable(b -> b.tableName(name).attributeDefinitions(def("pk", ScalarAttributeType.S))
                        .keySchema(keyElement("pk", KeyType.HASH)).billingMode(BillingMode.PAY_PER_REQUEST)));
        assertValidation("One or more parameter values were invalid: Some index key attributes are not defined in AttributeDefinitions. Keys: [pk], AttributeDefinitions: [other]",
                () -> client.createTable(b -> b.tableName("bad1").attributeDefinitions(def("other", ScalarAttributeType.S))
                        .keySchema(keyElement("pk", KeyType.HASH)).billingMode(BillingMode.PAY_PER_REQUEST)));
        assertValidation("One or more parameter values were invalid: Number of attributes in KeySchema does not exactly match number of attributes defined in AttributeDefinitions",
                () -> client.createTable(b -> b.tableName("bad2").attributeDefinitions(def("pk", ScalarAttributeType.S), def("x", ScalarAttributeType.S))
                        .keySchema(keyElement("pk", KeyType.HASH)).billingMode(BillingMode.PAY_PER_REQUEST)));
        assertValidation("One or more parameter values were invalid: ReadCapacityUnits and WriteCapacityUnits must both be specified when BillingMode is PROVISIONED",
                () -> client.createTable(b -> b.tableName("bad3").attributeDefinitions(def("pk", ScalarAttributeType.S))
                        .keySchema(keyElement("pk", KeyType.HASH))));
        assertValidation("1 validation error detected: Value 'ab' at 'tableName' failed to satisfy constraint: Member must have length greater than or equal to 3",
                () -> client.createTable(b -> b.tableName("ab").attributeDefinitions(def("pk", ScalarAttributeType.S))
                        .keySchema(keyElement("pk", KeyType.HASH)).billingMode(BillingMode.PAY_PER_REQUEST)));
        // provisioned tables report their throughput
        String provisioned = uniqueName("prov");
        client.createTable(b -> b.tableName(provisioned).attributeDefinitions(def("pk", ScalarAttributeType.S))
                .keySchema(keyElement("pk", KeyType.HASH)).provisionedThroughput(t -> t.readCapacityUnits(5L).writeCapacityUnits(7L)));
        var throughput = client.describeTable(b -> b.tableName(provisioned)).table().provisionedThroughput();
        assertThat(throughput.readCapacityUnits()).isEqualTo(5);
        assertThat(throughput.writeCapacityUnits()).isEqualTo(7);
    }

    @Test
    void listTablesPages() {
        List<String> created = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            created.add(table("list", null));
        }
        List<String> seen = new ArrayList<>();
        String start = null;
        int pages = 0;
        do {
            String from = start;
            ListTablesResponse page = client.listTables(b -> b.limit(2).exclusiveStartTableName(from));
            assertThat(page.tableNames().size()).isLessThanOrEqualTo(2);
            seen.addAll(page.tableNames());
            start = page.lastEvaluatedTableName();
            pages++;
        } while (start != null);
        assertThat(seen).containsAll(created).isSorted();
        assertThat(pages).isGreaterThanOrEqualTo(3);
    }

    @Test
    void updateTableStreamsIndexesAndBilling() {
        String name = table("upd", null);
        String first = client.updateTable(b -> b.tableName(name)
                .streamSpecification(s -> s.streamEnabled(true).streamViewType(StreamViewType.KEYS_ONLY)))
                .tableDescription().latestStreamArn();
        assertThat(first).contains("/stream/");
        assertValidation("Table already has an enabled stream: TableName: " + name,
                () -> client.updateTable(b -> b.tableName(name)
                        .streamSpecification(s -> s.streamEnabled(true).streamViewType(StreamViewType.KEYS_ONLY))));
        var disabled = client.updateTable(b -> b.tableName(name).streamSpecification(s -> s.streamEnabled(false))).tableDescription();
        assertThat(disabled.streamSpecification()).isNull();
        assertThat(disabled.latestStreamArn()).isEqualTo(first);

        client.putItem(b -> b.tableName(name).item(item("pk", "a", "g", "x")));
        var withIndex = client.updateTable(b -> b.tableName(name).attributeDefinitions(def("g", ScalarAttributeType.S))
                .globalSecondaryIndexUpdates(u -> u.create(c -> c.indexName("byG").keySchema(keyElement("g", KeyType.HASH))
                        .projection(p -> p.projectionType(ProjectionType.ALL))))).tableDescription();
        assertThat(withIndex.globalSecondaryIndexes()).singleElement().satisfies(i -> assertThat(i.itemCount()).isEqualTo(1));
        assertThat(client.query(b -> b.tableName(name).indexName("byG").keyConditionExpression("g = :g")
                .expressionAttributeValues(java.util.Map.of(":g", s("x")))).count()).isEqualTo(1);
        var withoutIndex = client.updateTable(b -> b.tableName(name)
                .globalSecondaryIndexUpdates(u -> u.delete(d -> d.indexName("byG")))).tableDescription();
        assertThat(withoutIndex.hasGlobalSecondaryIndexes()).isFalse();
        var provisioned = client.updateTable(b -> b.tableName(name).billingMode(BillingMode.PROVISIONED)
                .provisionedThroughput(t -> t.readCapacityUnits(3L).writeCapacityUnits(4L))).tableDescription();
        assertThat(provisioned.provisionedThroughput().writeCapacityUnits()).isEqualTo(4);
        assertError(ResourceNotFoundException.class, "ResourceNotFoundException", "Requested resource not found",
                () -> client.updateTable(b -> b.tableName("missing-table").billingMode(BillingMode.PAY_PER_REQUEST)));
    }

    @Test
    void timeToLiveBackupsTagsLimitsEndpoints() {
        String name = table("ttl", null);
        assertThat(client.describeTimeToLive(b -> b.tableName(name)).timeToLiveDescription().timeToLiveStatus())
                .isEqualTo(TimeToLiveStatus.DISABLED);
        client.updateTimeToLive(b -> b.tableName(name).timeToLiveSpecification(t -> t.attributeName("expiresAt").enabled(true)));
        var ttl = client.describeTimeToLive(b -> b.tableName(name)).timeToLiveDescription();
        assertThat(ttl.timeToLiveStatus()).isEqualTo(TimeToLiveStatus.ENABLED);
        assertThat(ttl.attributeName()).isEqualTo("expiresAt");
        assertValidation("TimeToLive is already enabled",
                () -> client.updateTimeToLive(b -> b.tableName(name).timeToLiveSpecification(t -> t.attributeName("expiresAt").enabled(true))));

        assertThat(client.describeContinuousBackups(b -> b.tableName(name)).continuousBackupsDescription()
                .pointInTimeRecoveryDescription().pointInTimeRecoveryStatus()).isEqualTo(PointInTimeRecoveryStatus.DISABLED);
        assertThat(client.updateContinuousBackups(b -> b.tableName(name)
                .pointInTimeRecoverySpecification(p -> p.pointInTimeRecoveryEnabled(true))).continuousBackupsDescription()
                .pointInTimeRecoveryDescription().pointInTimeRecoveryStatus()).isEqualTo(PointInTimeRecoveryStatus.ENABLED);

        String arn = client.describeTable(b -> b.tableName(name)).table().tableArn();
        client.tagResource(b -> b.resourceArn(arn).tags(Tag.builder().key("a").value("1").build(), Tag.builder().key("b").value("2").build()));
        client.untagResource(b -> b.resourceArn(arn).tagKeys("a"));
        assertThat(client.listTagsOfResource(b -> b.resourceArn(arn)).tags()).containsExactly(Tag.builder().key("b").value("2").build());

        assertThat(client.describeLimits(b -> { }).tableMaxWriteCapacityUnits()).isEqualTo(40000);
        assertThat(client.describeEndpoints(b -> { }).endpoints()).singleElement()
                .satisfies(e -> assertThat(e.address()).isEqualTo("127.0.0.1:" + db.port()));
    }
}
