package io.userstreams.localdynamodb;

import static org.assertj.core.api.Assertions.assertThat;

import io.userstreams.localdynamodb.streams.ItemChange;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.dynamodb.model.TransactWriteItem;

/** What the stream engine is handed: one change per effective write, none for no-ops; TTL deletes marked. */
class ChangesAndTtlTest extends ServerTestBase {

    private static List<ItemChange> changesOf(String table) {
        synchronized (changes) {
            return changes.stream().filter(c -> c.tableName().equals(table)).toList();
        }
    }

    @Test
    void insertModifyRemoveAndNoOps() {
        String table = table("changes", null);
        client.putItem(b -> b.tableName(table).item(item("pk", "a", "v", n("1"))));
        client.putItem(b -> b.tableName(table).item(item("pk", "a", "v", n("1.0")))); // identical after normalisation
        client.updateItem(b -> b.tableName(table).key(key("a")).updateExpression("SET v = :v")
                .expressionAttributeValues(Map.of(":v", n("1")))); // no change
        client.updateItem(b -> b.tableName(table).key(key("a")).updateExpression("SET v = :v")
                .expressionAttributeValues(Map.of(":v", n("2"))));
        client.deleteItem(b -> b.tableName(table).key(key("a")));
        client.deleteItem(b -> b.tableName(table).key(key("a"))); // missing: nothing
        client.transactWriteItems(b -> b.transactItems(
                TransactWriteItem.builder().put(p -> p.tableName(table).item(item("pk", "t", "v", "x"))).build(),
                TransactWriteItem.builder().conditionCheck(c -> c.tableName(table).key(key("other")).conditionExpression("attribute_not_exists(pk)")).build()));

        List<ItemChange> seen = changesOf(table);
        assertThat(seen).extracting(ItemChange::eventName).containsExactly("INSERT", "MODIFY", "REMOVE", "INSERT");
        ItemChange insert = seen.get(0);
        assertThat(insert.keys().toString()).isEqualTo("{\"pk\":{\"S\":\"a\"}}");
        assertThat(insert.oldImage()).isNull();
        assertThat(insert.newImage().get("v").get("N").asText()).isEqualTo("1");
        assertThat(insert.sizeBytes()).isEqualTo(2 + 1 + 1 + 2); // pk + "a" + v + number(1 digit)
        ItemChange modify = seen.get(1);
        assertThat(modify.oldImage().get("v").get("N").asText()).isEqualTo("1");
        assertThat(modify.newImage().get("v").get("N").asText()).isEqualTo("2");
        ItemChange remove = seen.get(2);
        assertThat(remove.newImage()).isNull();
        assertThat(remove.expiredByTtl()).isFalse();
    }

    @Test
    void ttlSweeperDeletesExpiredItemsAndMarksTheirRemoval() {
        String table = table("ttl-sweep", null);
        client.updateTimeToLive(b -> b.tableName(table).timeToLiveSpecification(t -> t.attributeName("expiresAt").enabled(true)));
        long now = Instant.now().getEpochSecond();
        client.putItem(b -> b.tableName(table).item(item("pk", "old", "expiresAt", n(Long.toString(now - 10)))));
        client.putItem(b -> b.tableName(table).item(item("pk", "future", "expiresAt", n(Long.toString(now + 3600)))));
        client.putItem(b -> b.tableName(table).item(item("pk", "text", "expiresAt", "not a number")));
        client.putItem(b -> b.tableName(table).item(item("pk", "none")));

        assertThat(db.sweepExpiredItems()).isEqualTo(1);
        assertThat(client.getItem(b -> b.tableName(table).key(key("old"))).hasItem()).isFalse();
        assertThat(client.getItem(b -> b.tableName(table).key(key("future"))).hasItem()).isTrue();
        ItemChange removal = changesOf(table).stream().filter(c -> c.eventName().equals("REMOVE")).findFirst().orElseThrow();
        assertThat(removal.expiredByTtl()).isTrue();
        assertThat(removal.oldImage().get("pk").get("S").asText()).isEqualTo("old");
    }

    @Test
    void sweeperRunsOnItsIntervalWithTheConfiguredClock() throws Exception {
        Clock future = Clock.fixed(Instant.now().plus(Duration.ofDays(1)), ZoneOffset.UTC);
        try (LocalDynamoDb timed = LocalDynamoDb.builder().clock(future).ttlSweepInterval(Duration.ofMillis(200)).start();
             var timedClient = software.amazon.awssdk.services.dynamodb.DynamoDbClient.builder().endpointOverride(timed.endpoint())
                     .region(software.amazon.awssdk.regions.Region.US_EAST_1)
                     .credentialsProvider(software.amazon.awssdk.auth.credentials.StaticCredentialsProvider.create(
                             software.amazon.awssdk.auth.credentials.AwsBasicCredentials.create("x", "x")))
                     .build()) {
            timedClient.createTable(b -> b.tableName("ttl-timed").billingMode("PAY_PER_REQUEST")
                    .attributeDefinitions(a -> a.attributeName("pk").attributeType("S"))
                    .keySchema(k -> k.attributeName("pk").keyType("HASH")));
            timedClient.updateTimeToLive(b -> b.tableName("ttl-timed").timeToLiveSpecification(t -> t.attributeName("ttl").enabled(true)));
            long inAnHour = Instant.now().plus(Duration.ofHours(1)).getEpochSecond(); // already past for the server's clock
            timedClient.putItem(b -> b.tableName("ttl-timed").item(item("pk", "a", "ttl", n(Long.toString(inAnHour)))));
            long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
            while (timedClient.getItem(b -> b.tableName("ttl-timed").key(key("a"))).hasItem() && System.nanoTime() < deadline) {
                Thread.sleep(50);
            }
            assertThat(timedClient.getItem(b -> b.tableName("ttl-timed").key(key("a"))).hasItem()).isFalse();
        }
    }
}
