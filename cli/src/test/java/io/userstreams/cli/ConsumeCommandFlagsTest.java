package io.userstreams.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.userstreams.kcl.ConsumerSetting;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;
import picocli.CommandLine.Model.OptionSpec;

/** Every consumer setting has its flag on {@code user-streams consume}, and the flag reaches the setting. */
class ConsumeCommandFlagsTest {

    @Test
    void everySettingHasItsFlag() {
        CommandLine cli = new CommandLine(new ConsumeCommand());
        for (ConsumerSetting setting : ConsumerSetting.values()) {
            assertThat(cli.getCommandSpec().findOption(setting.flag())).as(setting.flag()).isNotNull();
        }
    }

    @Test
    void flagsThatHadNoneBeforeAreParsed() {
        CommandLine cli = new CommandLine(new ConsumeCommand());
        cli.parseArgs("--parallelism", "2", "--failover-ms", "5000", "--leader-lease-ms", "12000");
        OptionSpec parallelism = cli.getCommandSpec().findOption("--parallelism");
        assertThat((Object) parallelism.getValue()).isEqualTo("2");
        assertThat((Object) cli.getCommandSpec().findOption("--failover-ms").getValue()).isEqualTo("5000");
        assertThat(parallelism.description()[0]).contains("Env: PARALLELISM").contains("Default: 4");
    }
}
