package io.userstreams.kcl;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Each consumer setting is declared once; the docs' table and the defaults follow from it. */
class ConsumerSettingDocsTest {

    @Test
    void theDocsTableHasExactlyTheDeclaredRowForEverySetting() throws Exception {
        List<String> lines = Files.readAllLines(Path.of("..", "docs", "consumer.md"));
        for (ConsumerSetting setting : ConsumerSetting.values()) {
            assertThat(lines).as("docs/consumer.md row of " + setting).contains(setting.markdownRow());
            assertThat(lines.stream().filter(l -> l.startsWith("|") && l.contains("`" + setting.variable() + "`")
                    && !l.equals(setting.markdownRow()) && l.indexOf("`" + setting.variable() + "`") < 4))
                    .as("another row starting with " + setting).isEmpty();
        }
    }

    @Test
    void theSettingsUseTheDeclaredDefaults() {
        ConsumerSettings s = ConsumerSettings.fromEnvironment(Map.of());
        assertThat(s.applicationName()).isEqualTo(ConsumerSetting.APPLICATION_NAME.defaultValue());
        assertThat(s.pollInterval().toMillis() + "").isEqualTo(ConsumerSetting.POLL_INTERVAL_MS.defaultValue());
        assertThat(s.maxRecords() + "").isEqualTo(ConsumerSetting.MAX_RECORDS.defaultValue());
        assertThat(s.parallelism() + "").isEqualTo(ConsumerSetting.PARALLELISM.defaultValue());
        assertThat(s.healthPort() + "").isEqualTo(ConsumerSetting.HEALTH_PORT.defaultValue());
        assertThat(s.healthBind()).isEqualTo(ConsumerSetting.HEALTH_BIND.defaultValue());
        assertThat(s.failover().toMillis() + "").isEqualTo(ConsumerSetting.FAILOVER_MS.defaultValue());
        assertThat(s.leaderLease().toMillis() + "").isEqualTo(ConsumerSetting.LEADER_LEASE_MS.defaultValue());
        assertThat(s.leaderHeartbeat().toMillis() + "").isEqualTo(ConsumerSetting.LEADER_HEARTBEAT_MS.defaultValue());
        assertThat(s.streamArn()).isEmpty();
        assertThat(ConsumerSettings.VARIABLES).hasSize(ConsumerSetting.values().length);
    }

    @Test
    void everySettingIsReadFromItsVariable() {
        ConsumerSettings s = ConsumerSettings.fromEnvironment(Map.of("PARALLELISM", "2", "FAILOVER_MS", "9000",
                "LEADER_LEASE_MS", "30000", "LEADER_HEARTBEAT_MS", "5000", "WORKER_ID", " w-1 ", "STREAM_ARN", ""));
        assertThat(s.parallelism()).isEqualTo(2);
        assertThat(s.failover().toMillis()).isEqualTo(9000);
        assertThat(s.leaderLease().toMillis()).isEqualTo(30_000);
        assertThat(s.leaderHeartbeat().toMillis()).isEqualTo(5000);
        assertThat(s.workerId()).isEqualTo("w-1");
        assertThat(s.streamArn()).isEmpty();
    }
}
