package io.userstreams.kcl;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.InputStream;
import java.util.Properties;
import org.junit.jupiter.api.Test;
import software.amazon.kinesis.coordinator.Scheduler;

/**
 * Pins the KCL internals {@link KclInternals} reaches into. Fails the build when KCL is upgraded or
 * the members move, instead of the consumer silently falling back to ~155 s failovers.
 */
class KclInternalsTest {

    @Test
    void theKclOnTheClassPathIsTheOneTheInternalsWereReadFrom() throws Exception {
        Properties pom = new Properties();
        try (InputStream in = Scheduler.class.getClassLoader().getResourceAsStream(
                "META-INF/maven/software.amazon.kinesis/amazon-kinesis-client/pom.properties")) {
            assertThat(in).as("KCL's pom.properties").isNotNull();
            pom.load(in);
        }
        assertThat(pom.getProperty("version"))
                .as("KCL was upgraded: read its sources for " + KclInternals.MEMBERS
                        + ", adapt KclInternals, then move this pin")
                .isEqualTo(KclInternals.KCL_VERSION);
    }

    @Test
    void everyInternalMemberStillExists() throws Exception {
        KclInternals.verify();
    }
}
