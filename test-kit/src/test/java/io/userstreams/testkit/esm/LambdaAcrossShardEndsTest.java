package io.userstreams.testkit.esm;

import static org.assertj.core.api.Assertions.assertThat;

import io.userstreams.core.user.User;
import io.userstreams.testkit.TestKit;
import io.userstreams.testkit.UserStreamsExtension;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Both Lambda functions of the template, fed by the faithful event source mapping, while the users
 * table's stream rolls over and splits and the local DynamoDB's TTL sweeper expires users: every
 * effect ends equal to what the table says, one welcome per user.
 */
@ExtendWith(UserStreamsExtension.class)
class LambdaAcrossShardEndsTest {

    @Test
    void shardEndsSplitsAndTtlExpiriesLoseNothing(TestKit kit) {
        List<EventSourceMapping> mappings = new ArrayList<>();
        for (String function : List.of(MappingSettings.WELCOME_FUNCTION, MappingSettings.REACTIONS_FUNCTION)) {
            // Earlier tests' records are on the stream too: start at its tip, as a new mapping would.
            MappingSettings settings = MappingSettings.fromTemplate(function)
                    .withStartingPosition(MappingSettings.StartingPosition.LATEST);
            mappings.add(kit.lambdaMapping(function, settings, Map.of(), EventSourceMapping.Timings.DEFAULT));
        }
        String table = kit.stack().resources().usersTable();
        int users = 24;
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < users; i++) {
            String id = "se-" + i;
            ids.add(id);
            kit.users().create(TestKit.user(id).withPlan(i % 2 == 0 ? "pro" : "free"));
        }
        kit.stack().localDynamoDb().streams().rollOver(table);
        for (int i = 0; i < users; i++) {
            int n = i;
            kit.users().update("se-" + i, OptionalLong.empty(), u -> u.withPlan(n % 3 == 0 ? "enterprise" : "pro"));
        }
        String open = kit.stack().dynamoDbStreams().describeStream(b -> b.streamArn(kit.usersStreamArn()))
                .streamDescription().shards().stream()
                .filter(s -> s.sequenceNumberRange().endingSequenceNumber() == null)
                .findFirst().orElseThrow().shardId();
        kit.stack().localDynamoDb().streams().split(table, open);
        long past = Instant.now().minusSeconds(60).getEpochSecond();
        int expired = 0;
        int deleted = 0;
        List<String> expiredIds = new ArrayList<>();
        for (int i = 0; i < users; i += 4) {
            kit.users().expire("se-" + i, past);
            expiredIds.add("se-" + i);
            expired++;
        }
        for (int i = 1; i < users; i += 6) {
            kit.users().delete("se-" + i, OptionalLong.empty());
            deleted++;
        }
        // The stack's own sweeper runs every 5 s as well: on a slow machine it takes some of them first.
        assertThat(kit.stack().localDynamoDb().sweepExpiredItems()).as("users the TTL sweeper deleted now")
                .isBetween(0, expired);
        assertThat(expiredIds).as("expired users left in the table after a sweep")
                .noneMatch(id -> kit.users().get(id).isPresent());
        for (int i = 2; i < users; i += 4) {
            kit.users().update("se-" + i, OptionalLong.empty(), u -> u.withCountry("JP"));
        }

        for (EventSourceMapping m : mappings) {
            m.awaitCaughtUp(Duration.ofSeconds(120));
            assertThat(m.discardedRecords()).as("records discarded by %s", m.settings()).isZero();
        }
        kit.effects().assertWelcomeEmailsExactlyOnce(ids);
        kit.effects().assertDerivedTablesMatchTable();
        kit.effects().assertIndexMatchesTable();
        assertThat(kit.effects().stat("total#expired")).isEqualTo(expired);
        assertThat(kit.effects().stat("total#deleted")).isEqualTo(deleted);
        assertThat(kit.effects().tableUsers()).hasSize(users - expired - deleted);
    }
}
