package io.userstreams.kcl;

import static org.assertj.core.api.Assertions.assertThat;

import io.userstreams.localstack.LocalResources;
import io.userstreams.localstack.LocalStack;
import io.userstreams.localstack.LocalStackOptions;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.Shard;

/**
 * What one never-ending shard could not show: the real consumer, two worker JVMs, a stream of four
 * shards that roll over and split while users are written. Every user's changes must be applied in
 * order (a parent shard before its children, whichever worker holds which), none lost, none doubled.
 */
class ShardLineageTest {

    static LocalStack stack;
    static Path dir;

    @BeforeAll
    static void startStack() throws Exception {
        stack = LocalStack.start(LocalStackOptions.forTestsBuilder().openSearch(false).dynamoDbShards(4).build());
        dir = Files.createDirectories(Path.of("target", "child-logs"));
    }

    @AfterAll
    static void stopStack() {
        if (stack != null) {
            stack.close();
        }
    }

    private static Map<String, String> childEnv(String app, String worker, long pauseMs) {
        return ChildProcess.consumerEnvironment(stack, app, worker, pauseMs);
    }

    private static Set<String> leaseOwners(String leaseTable) {
        return stack.dynamoDb().scan(b -> b.tableName(leaseTable).consistentRead(true)).items().stream()
                .filter(i -> i.get("leaseKey").s().startsWith("shardId-") && i.containsKey("leaseOwner"))
                .map(i -> i.get("leaseOwner").s()).collect(Collectors.toSet());
    }

    private static List<Shard> openShards() {
        String arn = stack.resources().usersStreamArn();
        return stack.dynamoDbStreams().describeStream(b -> b.streamArn(arn)).streamDescription().shards().stream()
                .filter(s -> s.sequenceNumberRange().endingSequenceNumber() == null).toList();
    }

    /** userId → the versions ("del" for a delete) in the order the core FIRST finished each one. */
    private static Map<String, List<String>> firstApplications(List<ChildProcess> children) {
        record Seen(long at, int child, int line, int pos, String user, String version) {
        }
        List<Seen> seen = new ArrayList<>();
        for (int c = 0; c < children.size(); c++) {
            List<String> lines = children.get(c).lines("VERSIONS ");
            for (int l = 0; l < lines.size(); l++) {
                String[] parts = lines.get(l).split(" ");
                String[] records = parts.length > 2 ? parts[2].split(",") : new String[0];
                for (int p = 0; p < records.length; p++) {
                    if (records[p].isEmpty()) {
                        continue;
                    }
                    String[] uv = records[p].split(":");
                    seen.add(new Seen(Long.parseLong(parts[1]), c, l, p, uv[0], uv[1]));
                }
            }
        }
        seen.sort(Comparator.comparingLong(Seen::at).thenComparingInt(Seen::child).thenComparingInt(Seen::line)
                .thenComparingInt(Seen::pos));
        Map<String, List<String>> order = new LinkedHashMap<>();
        for (Seen s : seen) {
            List<String> versions = order.computeIfAbsent(s.user(), k -> new ArrayList<>());
            if (!versions.contains(s.version())) {
                versions.add(s.version());
            }
        }
        return order;
    }

    @Test
    void twoWorkersOverFourShardsThatRollOverAndSplitApplyEveryUserInOrder() throws Exception {
        LocalResources res = stack.resources();
        String queue = stack.subscribeQueue(res.welcomeTopicArn(), "welcome-lineage", true);
        String app = "lineage-app";
        String prefix = "ln-";
        int users = 40;
        int versions = 4;
        Map<String, Long> statsBefore = TestUsers.stats(stack.dynamoDb(), res.userStatsTable());
        assertThat(openShards()).as("the stream starts with four open shards").hasSize(4);
        List<ChildProcess> children = new ArrayList<>();
        Set<String> ownersSeen = ConcurrentHashMap.newKeySet();
        try {
            children.add(ChildProcess.start("la", childEnv(app, "worker-a", 0), dir));
            children.add(ChildProcess.start("lb", childEnv(app, "worker-b", 0), dir));
            for (ChildProcess c : children) {
                c.awaitLine("STARTED", 120_000);
            }
            // The four first leases may all go to one worker; the children that roll-overs and splits
            // create are assigned as they appear, which is where the second worker comes in.
            TestUsers.await("the workers hold the stream's leases", 150_000, () -> {
                ownersSeen.addAll(leaseOwners(app));
                return !ownersSeen.isEmpty();
            });

            for (int i = 0; i < users; i++) {
                TestUsers.insert(stack.dynamoDb(), res.usersTable(), prefix + i, i);
            }
            List<String> rolled = stack.localDynamoDb().streams().rollOver(res.usersTable());
            assertThat(rolled).hasSize(4);
            for (int v = 2; v <= versions; v++) {
                for (int i = 0; i < users; i++) {
                    TestUsers.update(stack.dynamoDb(), res.usersTable(), prefix + i, i, v);
                }
                if (v == 2) {
                    String parent = openShards().get(0).shardId();
                    assertThat(stack.localDynamoDb().streams().split(res.usersTable(), parent)).hasSize(2);
                } else if (v == 3) {
                    stack.localDynamoDb().streams().rollOver(res.usersTable());
                }
                ownersSeen.addAll(leaseOwners(app));
            }
            int deleted = 0;
            for (int i = 0; i < users; i += 5) {
                TestUsers.delete(stack.dynamoDb(), res.usersTable(), prefix + i);
                deleted++;
            }

            TestUsers.await("every user's last change applied", 180_000, () -> {
                ownersSeen.addAll(leaseOwners(app));
                Map<String, List<String>> order = firstApplications(children);
                for (int i = 0; i < users; i++) {
                    List<String> seen = order.getOrDefault(prefix + i, List.of());
                    String last = i % 5 == 0 ? "del" : Integer.toString(versions);
                    if (!seen.contains(last)) {
                        return false;
                    }
                }
                return true;
            });

            Map<String, List<String>> order = firstApplications(children);
            for (int i = 0; i < users; i++) {
                List<String> expected = new ArrayList<>();
                for (int v = 1; v <= versions; v++) {
                    expected.add(Integer.toString(v));
                }
                if (i % 5 == 0) {
                    expected.add("del");
                }
                assertThat(order.get(prefix + i)).as("user %s%d: every change, in order", prefix, i)
                        .containsExactlyElementsOf(expected);
            }
            assertThat(ownersSeen).as("both workers held leases").contains("worker-a", "worker-b");

            Map<String, Integer> welcomes = new ConcurrentHashMap<>();
            TestUsers.await("all welcomes", 60_000, () -> {
                TestUsers.drainWelcomes(stack.sqs(), queue, welcomes);
                return welcomes.keySet().stream().filter(k -> k.startsWith(prefix)).count() >= users;
            });
            Thread.sleep(2000);
            TestUsers.drainWelcomes(stack.sqs(), queue, welcomes);
            assertThat(welcomes.entrySet().stream().filter(e -> e.getKey().startsWith(prefix)))
                    .as("one welcome per user").hasSize(users).allMatch(e -> e.getValue() == 1);

            List<Map<String, AttributeValue>> live = TestUsers.scan(stack.dynamoDb(), res.usersTable()).stream()
                    .filter(u -> u.get("userId").s().startsWith(prefix)).toList();
            assertThat(live).hasSize(users - deleted);
            Map<String, String> byEmail = TestUsers.emailIndex(stack.dynamoDb(), res.usersByEmailTable());
            for (Map<String, AttributeValue> u : live) {
                assertThat(byEmail).containsEntry(u.get("email").s(), u.get("userId").s());
            }
            for (int i = 0; i < users; i += 5) {
                assertThat(byEmail).doesNotContainKey(prefix + i + "@example.com");
            }
            Map<String, Long> statsAfter = TestUsers.stats(stack.dynamoDb(), res.userStatsTable());
            long planDelta = statsAfter.entrySet().stream().filter(e -> e.getKey().startsWith("plan#"))
                    .mapToLong(e -> e.getValue() - statsBefore.getOrDefault(e.getKey(), 0L)).sum();
            assertThat(planDelta).as("plan counters moved by the live users exactly").isEqualTo(users - deleted);
        } finally {
            for (ChildProcess c : children) {
                c.close();
            }
        }
    }

    @Test
    void workerStoppedWhileItsShardEndsLosesNothingAfterRestart() throws Exception {
        LocalResources res = stack.resources();
        String queue = stack.subscribeQueue(res.welcomeTopicArn(), "welcome-shard-end", true);
        String app = "shard-end-app";
        String prefix = "se-";
        int users = 60;
        ChildProcess first = null;
        ChildProcess second = null;
        try {
            // A pause after each applied batch keeps the worker inside its shards while they end.
            first = ChildProcess.start("se1", childEnv(app, "worker-s", 1500), dir);
            first.awaitLine("STARTED", 120_000);
            for (int i = 0; i < users; i++) {
                TestUsers.insert(stack.dynamoDb(), res.usersTable(), prefix + i, i);
            }
            // Every shard closes now: what the worker reads from here on ends at a shard end.
            stack.localDynamoDb().streams().rollOver(res.usersTable());
            first.awaitLine("APPLIED", 90_000);
            int exit = first.terminate(40_000);
            assertThat(exit).isIn(0, 143);

            second = ChildProcess.start("se2", childEnv(app, "worker-s", 0), dir);
            Map<String, Integer> welcomes = new ConcurrentHashMap<>();
            TestUsers.await("every user welcomed after the restart", 150_000, () -> {
                TestUsers.drainWelcomes(stack.sqs(), queue, welcomes);
                return welcomes.keySet().stream().filter(k -> k.startsWith(prefix)).count() >= users;
            });
            Thread.sleep(2000);
            TestUsers.drainWelcomes(stack.sqs(), queue, welcomes);
            assertThat(welcomes.entrySet().stream().filter(e -> e.getKey().startsWith(prefix)))
                    .as("one welcome per user, none lost at the shard end").hasSize(users)
                    .allMatch(e -> e.getValue() == 1);
            Map<String, String> byEmail = TestUsers.emailIndex(stack.dynamoDb(), res.usersByEmailTable());
            for (int i = 0; i < users; i++) {
                assertThat(byEmail).containsEntry(prefix + i + "@example.com", prefix + i);
            }
        } finally {
            if (first != null) {
                first.close();
            }
            if (second != null) {
                second.close();
            }
        }
    }
}
