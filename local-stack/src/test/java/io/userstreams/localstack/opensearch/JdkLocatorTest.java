package io.userstreams.localstack.opensearch;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

class JdkLocatorTest {

    @TempDir
    Path jvmRoot;

    @Test
    void picksTheNewestJdk21PlusUnderTheJvmRoot() throws IOException {
        fakeJdk("java-17-openjdk-amd64", "17.0.15");
        fakeJdk("temurin-21-jdk", "21.0.5");
        fakeJdk("temurin-25-jdk-amd64", "25.0.3");
        fakeJdk("java-8", "1.8.0_292");

        Optional<JdkLocator.Jdk> jdk = JdkLocator.find(21, Map.of(), null, jvmRoot);

        assertThat(jdk).get().satisfies(j -> {
            assertThat(j.home()).isEqualTo(jvmRoot.resolve("temurin-25-jdk-amd64"));
            assertThat(j.feature()).isEqualTo(25);
            assertThat(j.version()).isEqualTo("25.0.3");
        });
    }

    @Test
    void findsNothingWhenOnlyOldJdksAreInstalled() throws IOException {
        Path jdk17 = fakeJdk("java-17-openjdk-amd64", "17.0.15");
        Files.createSymbolicLink(jvmRoot.resolve("java-1.17.0-openjdk-amd64"), jdk17);
        fakeJdk("java-11", "11.0.2");

        assertThat(JdkLocator.find(21, Map.of("JAVA_HOME", jdk17.toString()), jdk17, jvmRoot)).isEmpty();
        // symlinked duplicates are read once
        assertThat(JdkLocator.scan(jvmRoot)).extracting(JdkLocator.Jdk::feature).containsExactlyInAnyOrder(17, 11);
    }

    @Test
    void javaHomeWinsWhenItIsNewEnough() throws IOException {
        Path home21 = fakeJdk("custom-21", "21");
        fakeJdk("temurin-25", "25.0.3");

        assertThat(JdkLocator.find(21, Map.of("JAVA_HOME", home21.toString()), null, jvmRoot))
                .get().extracting(JdkLocator.Jdk::home).isEqualTo(home21);
    }

    @Test
    void anOldJavaHomeDoesNotHideANewerInstalledJdk() throws IOException {
        Path home17 = fakeJdk("java-17", "17.0.15");
        Path jdk25 = fakeJdk("temurin-25", "25.0.3");

        assertThat(JdkLocator.find(21, Map.of("JAVA_HOME", home17.toString()), home17, jvmRoot))
                .get().extracting(JdkLocator.Jdk::home).isEqualTo(jdk25);
    }

    @Test
    void ignoresFoldersWithoutJavaBinaryOrRelease() throws IOException {
        Path noBinary = Files.createDirectories(jvmRoot.resolve("jre-25-broken"));
        Files.writeString(noBinary.resolve("release"), "JAVA_VERSION=\"25.0.1\"\n");
        Path noRelease = Files.createDirectories(jvmRoot.resolve("no-release/bin"));
        Files.createFile(noRelease.resolve("java"));
        Path garbage = fakeJdk("garbage", "x");

        assertThat(JdkLocator.find(21, Map.of(), null, jvmRoot)).isEmpty();
        assertThat(JdkLocator.read(garbage)).isEmpty();
    }

    @Test
    void parsesFeatureVersions() {
        assertThat(JdkLocator.featureOf("25.0.3")).isEqualTo(25);
        assertThat(JdkLocator.featureOf("21")).isEqualTo(21);
        assertThat(JdkLocator.featureOf("21-ea")).isEqualTo(21);
        assertThat(JdkLocator.featureOf("1.8.0_292")).isEqualTo(8);
        assertThat(JdkLocator.featureOf("nope")).isZero();
    }

    @Test
    void theRealMachineAgreesWithIsJdk21Available() {
        // on this machine /usr/lib/jvm holds Temurin 25; elsewhere both sides must still agree
        assertThat(JdkLocator.isJdk21Available()).isEqualTo(JdkLocator.findJdk(21).isPresent());
        JdkLocator.findJdk(21).ifPresent(j -> assertThat(j.feature()).isGreaterThanOrEqualTo(21));
    }

    @Test
    void withoutJdk21ChoosesTheFallbackAndSaysSoInExactlyOneLine() throws IOException {
        Path jdk17 = fakeJdk("java-17", "17.0.15");
        ListAppender<ILoggingEvent> appender = capture();
        try {
            DistributionChoice choice = DistributionChoice.choose(JdkLocator.find(21, Map.of(), jdk17, jvmRoot), jdk17, 17);

            assertThat(choice.version()).isEqualTo("2.19.6");
            assertThat(choice.javaHome()).isEqualTo(jdk17);
            assertThat(appender.list).hasSize(1);
            assertThat(appender.list.get(0).getLevel()).isEqualTo(Level.WARN);
            assertThat(appender.list.get(0).getFormattedMessage())
                    .contains("No JDK 21+ found").contains("2.19.6").contains("Java 17").contains("3.6.0");
        } finally {
            release(appender);
        }
    }

    @Test
    void withJdk21ChoosesTheCurrentVersionSilently() throws IOException {
        Path jdk25 = fakeJdk("temurin-25", "25.0.3");
        ListAppender<ILoggingEvent> appender = capture();
        try {
            DistributionChoice choice = DistributionChoice.choose(JdkLocator.find(21, Map.of(), null, jvmRoot), Path.of("/elsewhere"), 17);

            assertThat(choice.version()).isEqualTo("3.6.0");
            assertThat(choice.javaHome()).isEqualTo(jdk25);
            assertThat(appender.list).isEmpty();
        } finally {
            release(appender);
        }
    }

    private Path fakeJdk(String name, String version) throws IOException {
        Path home = Files.createDirectories(jvmRoot.resolve(name));
        Files.writeString(home.resolve("release"), "IMPLEMENTOR=\"Test\"\nJAVA_VERSION=\"" + version + "\"\nJAVA_VERSION_DATE=\"2025-04-15\"\n");
        Path java = Files.createDirectories(home.resolve("bin")).resolve("java");
        Files.writeString(java, "#!/bin/sh\nexit 0\n");
        Files.setPosixFilePermissions(java, PosixFilePermissions.fromString("rwxr-xr-x"));
        return home;
    }

    private static ListAppender<ILoggingEvent> capture() {
        Logger logger = (Logger) LoggerFactory.getLogger(DistributionChoice.class);
        ListAppender<ILoggingEvent> appender = new ListAppender<>();
        appender.start();
        logger.addAppender(appender);
        return appender;
    }

    private static void release(ListAppender<ILoggingEvent> appender) {
        ((Logger) LoggerFactory.getLogger(DistributionChoice.class)).detachAppender(appender);
    }
}
