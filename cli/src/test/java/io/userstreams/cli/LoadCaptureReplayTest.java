package io.userstreams.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.userstreams.cli.stream.ReplayCommand;
import io.userstreams.cli.users.LoadCommand;
import io.userstreams.core.user.User;
import io.userstreams.core.user.UserValidator;
import io.userstreams.localstack.LocalStack;
import io.userstreams.testkit.TestKit;
import io.userstreams.testkit.UserStreamsExtension;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

@ExtendWith(UserStreamsExtension.class)
class LoadCaptureReplayTest {

    @Test
    void load2000ThenCaptureAndReplayTwice(LocalStack stack, TestKit kit, @TempDir Path dir) throws Exception {
        // load: ≥ 1,000 writes/s against the local DynamoDB, measured and printed by the command itself
        Cli.Run load = Cli.run(stack, "users", "load", "--count", "2000", "--seed", "7");
        assertThat(load.exit()).as(load.toString()).isZero();
        LoadCommand.Summary s = ((LoadCommand) load.command()).summary();
        assertThat(s.written()).isEqualTo(2000);
        assertThat(load.out()).contains("loaded 2,000 users").contains("writes/s");
        Map<String, User> users = kit.effects().tableUsers();
        assertThat(users).hasSize(2000);
        // realistic: several scripts, countries, locales and plans, and every user valid
        users.values().forEach(UserValidator::validate);
        assertThat(users.values().stream().map(User::country).distinct().count()).isGreaterThanOrEqualTo(8);
        assertThat(users.values().stream().map(User::plan).distinct().toList()).contains("free", "pro", "enterprise");
        assertThat(users.values().stream().anyMatch(u -> u.name().matches(".*\\p{IsHangul}.*"))).isTrue();
        assertThat(users.values().stream().anyMatch(u -> u.name().matches(".*\\p{IsHiragana}.*|.*\\p{IsHan}.*"))).isTrue();
        assertThat(users.values().stream().anyMatch(u -> u.name().matches(".*[áéíóúñüöäß].*"))).isTrue();

        // capture: the whole stream into JSON Lines in the Lambda record format
        Path capture = dir.resolve("users.jsonl");
        Cli.Run cap = Cli.run(stack, "capture", "--out", capture.toString(), "--idle", "2");
        assertThat(cap.exit()).as(cap.toString()).isZero();
        List<String> lines = Files.readAllLines(capture, StandardCharsets.UTF_8);
        assertThat(lines).hasSize(2000);
        assertThat(lines.get(0)).contains("\"eventName\":\"INSERT\"").contains("\"eventSource\":\"aws:dynamodb\"")
                .contains("\"NewImage\"").contains("\"SequenceNumber\"").contains("\"eventSourceARN\"");
        assertThat(cap.out()).contains("captured 2,000 records");

        // replay through the core: 2000 indexed users, 2000 welcome emails, exact derived tables
        Cli.Run replay = Cli.run(stack, "replay", capture.toString());
        assertThat(replay.exit()).as(replay.toString()).isZero();
        assertThat(((ReplayCommand) replay.command()).summary().records()).isEqualTo(2000);
        kit.effects().assertWelcomeEmailsExactlyOnce(users.keySet());
        kit.effects().assertIndexMatchesTable();
        assertThat(kit.effects().indexedUsers()).hasSize(2000);
        kit.effects().assertDerivedTablesMatchTable();
        Map<String, Long> statsAfterFirst = kit.effects().stats();
        Map<String, Map<String, Object>> indexAfterFirst = kit.effects().indexedUsers();
        Map<String, String> emailsAfterFirst = kit.effects().usersByEmail();

        // replay the same capture again: every effect unchanged
        Cli.Run again = Cli.run(stack, "replay", capture.toString());
        assertThat(again.exit()).as(again.toString()).isZero();
        kit.effects().assertWelcomeEmailsExactlyOnce(users.keySet());
        assertThat(kit.effects().welcomeEmails()).hasSize(2000);
        assertThat(kit.effects().stats()).isEqualTo(statsAfterFirst);
        assertThat(kit.effects().indexedUsers()).isEqualTo(indexAfterFirst);
        assertThat(kit.effects().usersByEmail()).isEqualTo(emailsAfterFirst);
        assertThat(kit.effects().deadLetters()).isEmpty();

        // Checked last so a busy machine cannot hide the checks above; the rate excludes client start-up.
        // The target is for this machine with its 2 cores to ourselves: when other builds load it (load
        // average per core above 1.5), the figure is printed, not judged.
        double loadPerCore = java.lang.management.ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage()
                / Runtime.getRuntime().availableProcessors();
        System.out.printf("load rate %.0f writes/s (system load per core %.1f)%n", s.writesPerSecond(), loadPerCore);
        if (loadPerCore <= 1.5) {
            assertThat(s.writesPerSecond()).as("load rate (writes/s) of " + load.out()).isGreaterThanOrEqualTo(1000);
        }
    }

    @Test
    void malformedLinesAreReportedRejectedAndTheRestReplayed(LocalStack stack, TestKit kit, @TempDir Path dir)
            throws Exception {
        Cli.Run load = Cli.run(stack, "users", "load", "--count", "5", "--seed", "3");
        assertThat(load.exit()).isZero();
        Path capture = dir.resolve("five.jsonl");
        assertThat(Cli.run(stack, "capture", "--out", capture.toString(), "--count", "5").exit()).isZero();
        List<String> good = Files.readAllLines(capture, StandardCharsets.UTF_8);
        assertThat(good).hasSize(5);
        // lines 3 and 5 are broken: not JSON, and a record without eventName
        List<String> mixed = List.of(good.get(0), good.get(1), "{\"eventID\": \"x\", oops", good.get(2),
                good.get(3).replace("\"eventName\":\"INSERT\",", ""), good.get(4));
        Path file = dir.resolve("mixed.jsonl");
        Files.write(file, mixed, StandardCharsets.UTF_8);

        Cli.Run replay = Cli.run(stack, "replay", file.toString());
        assertThat(replay.exit()).isEqualTo(1);
        assertThat(replay.err()).contains("line 3:").contains("line 5:").contains("eventName");
        Path rejects = Path.of(file + ".rejects");
        List<String> rejected = Files.readAllLines(rejects, StandardCharsets.UTF_8);
        assertThat(rejected).hasSize(2);
        assertThat(rejected.get(0)).contains("\"line\":3");
        assertThat(rejected.get(1)).contains("\"line\":5");
        // the 4 good records were replayed; the user on the broken line 5 got nothing
        String skipped = kit.effects().tableUsers().keySet().stream()
                .filter(id -> good.get(3).contains(id)).findFirst().orElseThrow();
        assertThat(kit.effects().welcomeEmailsPerUser()).hasSize(4).doesNotContainKey(skipped);
        assertThat(kit.effects().indexedUsers()).hasSize(4).doesNotContainKey(skipped);
    }

    @Test
    void replayOfAMissingFileIsAUsageError(@TempDir Path dir) {
        assertThat(Cli.raw("replay", dir.resolve("nope.jsonl").toString()).exit()).isEqualTo(2);
    }
}
