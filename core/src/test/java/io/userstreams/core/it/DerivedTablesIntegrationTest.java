package io.userstreams.core.it;

import static io.userstreams.core.Fixtures.expire;
import static io.userstreams.core.Fixtures.insert;
import static io.userstreams.core.Fixtures.modify;
import static io.userstreams.core.Fixtures.remove;
import static io.userstreams.core.Fixtures.user;
import static org.assertj.core.api.Assertions.assertThat;

import io.userstreams.core.UserStreamsCore;
import io.userstreams.core.change.ChangeRecord;
import io.userstreams.core.user.User;
import io.userstreams.localstack.LocalStack;
import io.userstreams.localstack.LocalStackExtension;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/** Derived tables with real TransactWriteItems on the local DynamoDB. */
@ExtendWith(LocalStackExtension.class)
class DerivedTablesIntegrationTest {

    static final Map<String, String> DERIVED_ONLY = Map.of("REACTIONS", "derived-tables");

    static Map<String, Long> stats(LocalStack stack) {
        Map<String, Long> out = new HashMap<>();
        stack.dynamoDb().scanPaginator(r -> r.tableName(stack.resources().userStatsTable())).items()
                .forEach(i -> out.put(i.get("statKey").s(), Long.parseLong(i.get("count").n())));
        return out;
    }

    static long delta(Map<String, Long> before, Map<String, Long> after, String key) {
        return after.getOrDefault(key, 0L) - before.getOrDefault(key, 0L);
    }

    static String owner(DynamoDbClient ddb, String table, String email) {
        Map<String, AttributeValue> item = ddb.getItem(r -> r.tableName(table).consistentRead(true)
                .key(Map.of("email", AttributeValue.fromS(email)))).item();
        return item == null || item.isEmpty() ? null : item.get("userId").s();
    }

    @Test
    void exactUnderRedeliveryThroughInsertsChangesDeletesAndExpiries(LocalStack stack) {
        String run = ItSupport.unique("d");
        // Country "AQ" and plan moves keep this run's counts apart from other tests' in the shared tables.
        User kim = user(run + "-kim", run + "-kim@example.com", "free", "AQ", "ko");
        User kim2 = kim.withEmail(run + "-kim@new.example.com").withPlan("enterprise").withVersion(2);
        User lee = user(run + "-lee", run + "-lee@example.com", "pro", "AQ", "en");
        User park = user(run + "-park", run + "-park@example.com", "free", "AQ", "ko");
        User park2 = park.withCountry("BV").withVersion(2);
        List<ChangeRecord> batch = List.of(insert(kim), insert(lee), insert(park), modify(kim, kim2), modify(park, park2),
                remove(lee), expire(park2));
        Map<String, Long> before = stats(stack);
        try (UserStreamsCore core = ItSupport.core(stack, DERIVED_ONLY, b -> { })) {
            for (int i = 0; i < 3; i++) {
                assertThat(core.processor().process(batch).isComplete()).isTrue();
            }
        }
        Map<String, Long> after = stats(stack);
        assertThat(delta(before, after, "country#AQ")).isEqualTo(1);   // kim stays
        assertThat(delta(before, after, "country#BV")).isZero();      // park moved there, then expired
        assertThat(delta(before, after, "plan#enterprise")).isEqualTo(1);
        assertThat(delta(before, after, "plan#pro")).isZero();
        assertThat(delta(before, after, "plan#free")).isZero();
        assertThat(delta(before, after, "total#deleted")).isEqualTo(1);
        assertThat(delta(before, after, "total#expired")).isEqualTo(1);
        String byEmail = stack.resources().usersByEmailTable();
        assertThat(owner(stack.dynamoDb(), byEmail, kim2.email())).isEqualTo(kim.userId());
        assertThat(owner(stack.dynamoDb(), byEmail, kim.email())).isNull();
        assertThat(owner(stack.dynamoDb(), byEmail, lee.email())).isNull();
        assertThat(owner(stack.dynamoDb(), byEmail, park.email())).isNull();
        // The claims carry a TTL of at least 7 days.
        Map<String, AttributeValue> claim = stack.dynamoDb().getItem(r -> r.tableName(stack.resources().idempotencyTable())
                .key(Map.of("idempotencyKey", AttributeValue.fromS("derived#" + batch.get(0).eventId())))).item();
        assertThat(Long.parseLong(claim.get("expiresAt").n()))
                .isGreaterThanOrEqualTo(java.time.Instant.now().plus(java.time.Duration.ofDays(7)).getEpochSecond());
    }

    @Test
    void aRecordDuplicatedInsideOneBatchIsAppliedOnce(LocalStack stack) {
        String run = ItSupport.unique("dup");
        ChangeRecord kim = insert(user(run + "-kim", run + "-kim@example.com", "pro", "GS", "en"));
        ChangeRecord lee = insert(user(run + "-lee", run + "-lee@example.com", "pro", "GS", "en"));
        Map<String, Long> before = stats(stack);
        try (UserStreamsCore core = ItSupport.core(stack, DERIVED_ONLY, b -> { })) {
            assertThat(core.processor().process(List.of(kim, lee, kim, lee)).isComplete()).isTrue();
        }
        assertThat(delta(before, stats(stack), "country#GS")).isEqualTo(2);
    }

    @Test
    void aMappingThatNowBelongsToAnotherUserIsKeptAndTheRestIsApplied(LocalStack stack) {
        String run = ItSupport.unique("m");
        String shared = run + "-shared@example.com";
        User kim = user(run + "-kim", shared, "free", "AQ", "ko");
        User kimMoved = kim.withEmail(run + "-kim@example.com").withVersion(2);
        Map<String, Long> before = stats(stack);
        try (UserStreamsCore core = ItSupport.core(stack, DERIVED_ONLY, b -> { })) {
            assertThat(core.processor().process(List.of(insert(kim))).isComplete()).isTrue();
            stack.dynamoDb().putItem(r -> r.tableName(stack.resources().usersByEmailTable()).item(Map.of(
                    "email", AttributeValue.fromS(shared), "userId", AttributeValue.fromS(run + "-lee"))));
            assertThat(core.processor().process(List.of(modify(kim, kimMoved), remove(kimMoved))).isComplete()).isTrue();
        }
        String byEmail = stack.resources().usersByEmailTable();
        assertThat(owner(stack.dynamoDb(), byEmail, shared)).isEqualTo(run + "-lee");
        assertThat(owner(stack.dynamoDb(), byEmail, kimMoved.email())).isNull();
        Map<String, Long> after = stats(stack);
        assertThat(delta(before, after, "country#AQ")).isZero();
        assertThat(delta(before, after, "total#deleted")).isEqualTo(1);
    }
}
