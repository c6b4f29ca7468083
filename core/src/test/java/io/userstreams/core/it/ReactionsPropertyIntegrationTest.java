package io.userstreams.core.it;

import io.userstreams.core.UserStreamsCore;
import io.userstreams.core.change.ChangeRecord;
import io.userstreams.core.derived.DerivedEffects;
import io.userstreams.core.processing.BatchOutcome;
import io.userstreams.core.property.UserHistories;
import io.userstreams.localstack.LocalStack;
import io.userstreams.localstack.LocalStackExtension;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.assertj.core.api.SoftAssertions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.opensearch.client.opensearch.OpenSearchClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/**
 * The property test's random histories (see ReactionsPropertyTest), fewer of them, on the real
 * local DynamoDB (transactions, the users table settling contested addresses) and OpenSearch
 * (external versions, tombstone documents). Histories: {@code -Duserstreams.property.histories}
 * (default 8); seed: {@code -Duserstreams.property.seed} (printed in every failure).
 */
@ExtendWith(LocalStackExtension.class)
class ReactionsPropertyIntegrationTest {

    static final int HISTORIES = Integer.getInteger("userstreams.property.histories", 8);

    @Test
    void derivedTablesAndTheIndexEqualTheTableOnTheRealServers(LocalStack stack, OpenSearchClient client) throws Exception {
        long base = Long.getLong("userstreams.property.seed", System.nanoTime());
        SoftAssertions soft = new SoftAssertions();
        for (int n = 0; n < HISTORIES; n++) {
            long seed = base + n;
            String where = "seed " + seed + " (-Duserstreams.property.seed=" + seed + ")";
            UserHistories h = new UserHistories(seed, ItSupport.unique("p") + "-", 3, 4, 1 + n % 3, 30);
            for (var item : h.table.values()) {
                stack.dynamoDb().putItem(p -> p.tableName(stack.resources().usersTable()).item(item));
            }
            String index = SearchIndexIntegrationTest.index();
            Map<String, String> env = Map.of("REACTIONS", "derived-tables,search-index", "OPENSEARCH_INDEX", index);
            Map<String, Long> before = DerivedTablesIntegrationTest.stats(stack);
            Random random = new Random(seed);
            try (UserStreamsCore core = ItSupport.core(stack, env, b -> { })) {
                int[] cursor = new int[h.shards];
                while (true) {
                    List<Integer> open = new ArrayList<>();
                    for (int s = 0; s < h.shards; s++) {
                        if (cursor[s] < h.byShard.get(s).size()) {
                            open.add(s);
                        }
                    }
                    if (open.isEmpty()) {
                        break;
                    }
                    int s = open.get(random.nextInt(open.size()));
                    List<ChangeRecord> records = h.byShard.get(s);
                    int start = random.nextInt(4) == 0 ? Math.max(0, cursor[s] - 1 - random.nextInt(3)) : cursor[s];
                    int end = Math.min(records.size(), cursor[s] + 1 + random.nextInt(10));
                    BatchOutcome outcome = core.processor().process(records.subList(start, end));
                    cursor[s] = Math.max(cursor[s], start + outcome.completed());
                }
                for (List<ChangeRecord> shard : h.byShard) {
                    if (random.nextBoolean() && !shard.isEmpty()) {
                        soft.assertThat(core.processor().process(shard).isComplete()).as("replay, " + where).isTrue();
                    }
                }
            }
            check(stack, client, index, h, before, where, soft);
        }
        soft.assertAll();
    }

    static void check(LocalStack stack, OpenSearchClient client, String index, UserHistories h, Map<String, Long> before,
                      String where, SoftAssertions soft) throws Exception {
        String byEmail = stack.resources().usersByEmailTable();
        for (int e = 0; e < h.emails; e++) {
            String email = h.email(e);
            String want = null;
            for (var item : h.table.values()) {
                if (email.equals(item.get("email").s())) {
                    want = item.get("userId").s();
                }
            }
            soft.assertThat(DerivedTablesIntegrationTest.owner(stack.dynamoDb(), byEmail, email))
                    .as("users_by_email " + email + ", " + where).isEqualTo(want);
        }
        Map<String, Long> want = new HashMap<>();
        for (var item : h.table.values()) {
            if (!UserHistories.BAD_PLAN.equals(item.get("plan").s())) {
                want.merge(DerivedEffects.planKey(item.get("plan").s()), 1L, Long::sum);
            }
            if (!UserHistories.BAD_COUNTRY.equals(item.get("country").s())) {
                want.merge(DerivedEffects.countryKey(item.get("country").s()), 1L, Long::sum);
            }
        }
        want.put(DerivedEffects.DELETED, h.deletes);
        want.put(DerivedEffects.EXPIRED, h.expiries);
        Map<String, Long> after = DerivedTablesIntegrationTest.stats(stack);
        for (String key : List.of("plan#free", "plan#pro", "plan#enterprise", "country#KR", "country#US", "country#JP",
                DerivedEffects.DELETED, DerivedEffects.EXPIRED)) {
            soft.assertThat(DerivedTablesIntegrationTest.delta(before, after, key)).as("user_stats " + key + ", " + where)
                    .isEqualTo(want.getOrDefault(key, 0L));
        }
        for (int i = 0; i < h.users; i++) {
            String id = h.userId(i);
            Map<String, AttributeValue> item = h.table.get(id);
            Map<String, Object> doc = SearchIndexIntegrationTest.doc(client, index, id);
            if (item == null) {
                soft.assertThat(doc).as("index: deleted " + id + ", " + where).isNull();
            } else if (!UserHistories.poisoned(item)) {
                soft.assertThat(doc).as("index " + id + ", " + where).isNotNull();
                if (doc != null) {
                    soft.assertThat(doc.get("email")).as("index email " + id + ", " + where).isEqualTo(item.get("email").s());
                    soft.assertThat(String.valueOf(doc.get("version"))).as("index version " + id + ", " + where)
                            .isEqualTo(item.get("version").n());
                }
            } else if (doc != null) {
                soft.assertThat(doc.get("createdAt")).as("index incarnation " + id + ", " + where)
                        .isEqualTo(item.get("createdAt").s());
            }
        }
    }
}
