package io.userstreams.faults;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.userstreams.faults.Scenario.RuntimeKind;
import java.math.BigInteger;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

class FaultSuiteMainTest {

    @Test
    void defaultsAreTheCiRun() {
        FaultSuite.Options o = FaultSuiteMain.parse(new String[0]);
        assertThat(o.scenarios()).containsExactly(1, 2, 3, 4, 5, 6, 7, 8, 9, 10);
        assertThat(o.runtimes()).containsExactly(RuntimeKind.KCL, RuntimeKind.LAMBDA);
        assertThat(o.soak()).isZero();
    }

    @Test
    void soakScenariosAndRuntimes() {
        FaultSuite.Options o = FaultSuiteMain.parse(new String[] {"--soak", "30m", "--scenarios", "3, 6",
                "--runtimes", "lambda", "--work-dir", "/tmp/x"});
        assertThat(o.soak()).isEqualTo(Duration.ofMinutes(30));
        assertThat(o.scenarios()).containsExactly(3, 6);
        assertThat(o.runtimes()).containsExactly(RuntimeKind.LAMBDA);
        assertThat(o.workDir()).hasToString("/tmp/x");
        assertThat(FaultSuiteMain.duration("PT2H")).isEqualTo(Duration.ofHours(2));
        assertThat(FaultSuiteMain.duration("90s")).isEqualTo(Duration.ofSeconds(90));
    }

    @Test
    void badArgumentsSayWhatIsExpected() {
        assertThatThrownBy(() -> FaultSuiteMain.parse(new String[] {"--soak", "soon"}))
                .hasMessageContaining("90s, 30m, 2h or PT30M");
        assertThatThrownBy(() -> FaultSuiteMain.parse(new String[] {"--scenarios", "11"}))
                .hasMessageContaining("no scenario 11");
        assertThatThrownBy(() -> FaultSuiteMain.parse(new String[] {"--runtimes", "ec2"}))
                .hasMessageContaining("kcl and/or lambda");
        assertThatThrownBy(() -> FaultSuiteMain.parse(new String[] {"--soak"})).hasMessageContaining("needs a value");
        assertThatThrownBy(() -> FaultSuiteMain.parse(new String[] {"--fast", "1"})).hasMessageContaining("unknown option");
    }

    @Test
    void malformedStreamRecordsCoverEveryKindAndAreAllInTheLedger() {
        Ledger ledger = new Ledger();
        var records = BadRecords.streamRecords(ledger, "t", 90, BigInteger.TEN, true);
        assertThat(records).hasSize(90);
        assertThat(ledger.badRecords()).hasSize(90);
        Set<String> kinds = ledger.badRecords().values().stream().map(Ledger.BadRecord::kind).collect(Collectors.toSet());
        assertThat(kinds).containsExactlyInAnyOrder("unknown event name", "missing keys", "non-UTF-8 string",
                "deeply nested", "wrong key type", "missing image", "invalid email", "oversized",
                "missing dynamodb section");
        // Without sections (KCL): every record carries a sequence number, as the adapter requires.
        var kcl = BadRecords.streamRecords(new Ledger(), "k", 16, BigInteger.ONE, false);
        assertThat(kcl).allMatch(r -> r.dynamodb() != null && r.dynamodb().sequenceNumber() != null);
        assertThat(List.of(records.get(0).eventID(), records.get(89).eventID())).containsExactly("t-evt-0", "t-evt-89");
    }
}
