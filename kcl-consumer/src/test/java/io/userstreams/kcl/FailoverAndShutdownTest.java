package io.userstreams.kcl;

import static org.assertj.core.api.Assertions.assertThat;

import io.userstreams.localstack.LocalResources;
import io.userstreams.localstack.LocalStack;
import io.userstreams.localstack.LocalStackOptions;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/**
 * Consumers in separate JVMs against the real local stack (welcome email + derived tables: the
 * reactions whose duplicates would show). Every child is killed in finally, whatever happens.
 */
class FailoverAndShutdownTest {

    static LocalStack stack;
    static Path dir;

    @BeforeAll
    static void startStack() throws Exception {
        stack = LocalStack.start(LocalStackOptions.forTestsBuilder().openSearch(false).build());
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

    /** The shard lease's owner in the lease table, or null. */
    private static String leaseOwner(String leaseTable) {
        return stack.dynamoDb().scan(b -> b.tableName(leaseTable).consistentRead(true)).items().stream()
                .filter(i -> i.get("leaseKey").s().startsWith("shardId-"))
                .findFirst().map(i -> i.containsKey("leaseOwner") ? i.get("leaseOwner").s() : null).orElse(null);
    }

    private static String checkpoint(String leaseTable) {
        return stack.dynamoDb().scan(b -> b.tableName(leaseTable).consistentRead(true)).items().stream()
                .filter(i -> i.get("leaseKey").s().startsWith("shardId-"))
                .map(i -> i.get("checkpoint").s()).findFirst().orElse(null);
    }

    /** The highest sequence number in field {@code field} of probe lines (lanes print concurrently). */
    private static BigInteger maxSeq(List<String> lines, int field) {
        return lines.stream().map(l -> new BigInteger(l.split(" ")[field])).max(BigInteger::compareTo).orElseThrow();
    }

    private static BigInteger minSeq(List<String> lines, int field) {
        return lines.stream().map(l -> new BigInteger(l.split(" ")[field])).min(BigInteger::compareTo).orElseThrow();
    }

    private static void assertExactEffects(String prefix, int users, Map<String, Integer> welcomes) {
        LocalResources res = stack.resources();
        Map<String, Integer> mine = welcomes.entrySet().stream().filter(e -> e.getKey().startsWith(prefix))
                .collect(Collectors.toMap(Map.Entry::getKey, Map.Entry::getValue));
        assertThat(mine).as("welcome emails per user").hasSize(users);
        assertThat(mine.values()).as("one welcome per user, no duplicate").allMatch(c -> c == 1);
        List<Map<String, AttributeValue>> live = TestUsers.scan(stack.dynamoDb(), res.usersTable()).stream()
                .filter(u -> u.get("userId").s().startsWith(prefix)).toList();
        assertThat(live).hasSize(users);
        Map<String, String> byEmail = TestUsers.emailIndex(stack.dynamoDb(), res.usersByEmailTable());
        for (Map<String, AttributeValue> u : live) {
            assertThat(byEmail).containsEntry(u.get("email").s(), u.get("userId").s());
        }
    }

    @Test
    void killedLeaseHolderIsReplacedWithinThirtySecondsWithoutLossOrDuplicates() throws Exception {
        LocalResources res = stack.resources();
        String queue = stack.subscribeQueue(res.welcomeTopicArn(), "welcome-failover", true);
        String app = "failover-app";
        Map<String, Long> statsBefore = TestUsers.stats(stack.dynamoDb(), res.userStatsTable());
        ChildProcess a = null;
        ChildProcess b = null;
        try {
            final ChildProcess a0 = ChildProcess.start("a", childEnv(app, "worker-a", 4000), dir);
            a = a0;
            a.awaitLine("STARTED", 120_000);
            TestUsers.await("worker-a holds the lease", 90_000, () -> "worker-a".equals(leaseOwner(app)));
            b = ChildProcess.start("b", childEnv(app, "worker-b", 0), dir);
            b.awaitLine("STARTED", 120_000);

            int users = 80;
            for (int i = 0; i < users; i++) {
                TestUsers.insert(stack.dynamoDb(), res.usersTable(), "fo-" + i, i);
            }
            // Kill a while it sits between applying a batch and checkpointing it: every lane of the
            // round has applied its records (as many APPLIED as DELIVERED lines) and pauses 4 s.
            // (A kill in the middle of a publish is a different case: see the report/README.)
            a.awaitLine("APPLIED", 60_000);
            int applied = a.lines("APPLIED").size();
            TestUsers.await("a applies another batch completely", 60_000, () -> a0.lines("APPLIED").size() > applied
                    && a0.lines("APPLIED").size() == a0.lines("DELIVERED").size());
            long killedAt = System.currentTimeMillis();
            a.kill9();
            BigInteger lastAppliedByA = maxSeq(a.lines("APPLIED"), 1);
            String checkpointAtKill = checkpoint(app);

            String firstDelivery = b.awaitLine("DELIVERED", 60_000);
            long deliveredAfterMs = Long.parseLong(firstDelivery.split(" ")[1]) - killedAt;
            Thread.sleep(1000);     // lanes of the first batch print concurrently: take their lowest record
            BigInteger firstSeqOnB = minSeq(b.lines("DELIVERED"), 2);
            System.out.printf("failover: b delivered %d ms after kill -9; a applied up to %s, checkpoint %s,"
                    + " b restarted at %s%n", deliveredAfterMs, lastAppliedByA, checkpointAtKill, firstSeqOnB);
            assertThat(deliveredAfterMs).as("ms from kill -9 to the survivor's first delivery").isLessThan(30_000);
            // b started at or before a record a had applied but not checkpointed: a real redelivery.
            assertThat(firstSeqOnB).isLessThanOrEqualTo(lastAppliedByA);
            if (!checkpointAtKill.equals("TRIM_HORIZON")) {
                // ...and right after a's last checkpoint: nothing checkpointed is redone.
                assertThat(firstSeqOnB).isGreaterThan(new BigInteger(checkpointAtKill));
            }

            Map<String, Integer> welcomes = new ConcurrentHashMap<>();
            TestUsers.await("all welcomes", 90_000, () -> {
                TestUsers.drainWelcomes(stack.sqs(), queue, welcomes);
                return welcomes.keySet().stream().filter(k -> k.startsWith("fo-")).count() >= users;
            });
            Thread.sleep(3000);
            TestUsers.drainWelcomes(stack.sqs(), queue, welcomes);
            assertExactEffects("fo-", users, welcomes);
            // Counters moved by exactly the new users, even though b redid records a had applied.
            Map<String, Long> statsAfter = TestUsers.stats(stack.dynamoDb(), res.userStatsTable());
            long added = statsAfter.entrySet().stream().filter(e -> e.getKey().startsWith("plan#"))
                    .mapToLong(e -> e.getValue() - statsBefore.getOrDefault(e.getKey(), 0L)).sum();
            assertThat(added).isEqualTo(users);
        } finally {
            if (a != null) {
                a.close();
            }
            if (b != null) {
                b.close();
            }
        }
    }

    @Test
    void sigtermDuringABatchThenRestartLosesAndDuplicatesNothing() throws Exception {
        LocalResources res = stack.resources();
        String queue = stack.subscribeQueue(res.welcomeTopicArn(), "welcome-shutdown", true);
        String app = "shutdown-app";
        Map<String, Long> statsBefore = TestUsers.stats(stack.dynamoDb(), res.userStatsTable());
        ChildProcess first = null;
        ChildProcess second = null;
        try {
            first = ChildProcess.start("s1", childEnv(app, "worker-s", 2000), dir);
            first.awaitLine("STARTED", 120_000);
            int users = 60;
            for (int i = 0; i < users; i++) {
                TestUsers.insert(stack.dynamoDb(), res.usersTable(), "sd-" + i, i);
            }
            first.awaitLine("APPLIED", 60_000);
            Thread.sleep(500);      // inside the pause: a batch applied, its checkpoint not yet written
            int exit = first.terminate(40_000);
            assertThat(exit).as("exit after SIGTERM (143 = terminated by the signal after hooks ran)")
                    .isIn(0, 143);
            assertThat(first.lines("STOPPED")).containsExactly("STOPPED clean=true");
            String checkpointAfterStop = checkpoint(app);
            // Graceful stop checkpointed exactly what was done: the batch in flight finished first.
            assertThat(new BigInteger(checkpointAfterStop)).isEqualTo(maxSeq(first.lines("APPLIED"), 1));

            second = ChildProcess.start("s2", childEnv(app, "worker-s", 0), dir);
            Map<String, Integer> welcomes = new ConcurrentHashMap<>();
            TestUsers.await("all welcomes after restart", 120_000, () -> {
                TestUsers.drainWelcomes(stack.sqs(), queue, welcomes);
                return welcomes.keySet().stream().filter(k -> k.startsWith("sd-")).count() >= users;
            });
            second.awaitLine("DELIVERED", 10_000);
            // The restart resumes right after the checkpoint: nothing done is redone.
            assertThat(minSeq(second.lines("DELIVERED"), 2)).isGreaterThan(new BigInteger(checkpointAfterStop));
            Thread.sleep(3000);
            TestUsers.drainWelcomes(stack.sqs(), queue, welcomes);
            assertExactEffects("sd-", users, welcomes);
            Map<String, Long> statsAfter = TestUsers.stats(stack.dynamoDb(), res.userStatsTable());
            long added = statsAfter.entrySet().stream().filter(e -> e.getKey().startsWith("plan#"))
                    .mapToLong(e -> e.getValue() - statsBefore.getOrDefault(e.getKey(), 0L)).sum();
            assertThat(added).isEqualTo(users);
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
