package io.userstreams.consumercheck;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class DependencyTreeVersionsTest {

    @Test
    void groupsSdkAndJacksonArtifactsByVersion() {
        DependencyTreeVersions versions = DependencyTreeVersions.parse(List.of(
                "com.example:fresh-consumer:jar:1.0",
                "\\- io.userstreams:test-kit:jar:0.1.0-SNAPSHOT:test",
                "   +- software.amazon.awssdk:dynamodb:jar:2.59.1:test",
                "   +- software.amazon.awssdk:glue:jar:2.31.62:test",
                "   +- com.fasterxml.jackson.core:jackson-databind:jar:2.23.0:test",
                "   +- com.fasterxml.jackson.core:jackson-annotations:jar:2.23:test",
                "   +- io.netty:netty-handler:jar:4.1.118.Final:test",
                "   +- io.netty:netty-tcnative-classes:jar:2.0.70.Final:test",
                "   +- io.netty:netty-common:jar:4.1.138.Final:test",
                "   \\- com.fasterxml.jackson.dataformat:jackson-dataformat-cbor:jar:2.12.6:test"));

        assertThat(versions.awsSdk()).containsOnlyKeys("2.59.1", "2.31.62");
        assertThat(versions.awsSdk().get("2.31.62")).containsExactly("glue");
        assertThat(versions.jacksonVersions()).containsExactly("2.12.6", "2.23.0");
        assertThat(versions.netty()).containsOnlyKeys("4.1.118.Final", "4.1.138.Final");
    }

    @Test
    void annotationsOfTheSameLineAreOneJacksonVersion() {
        DependencyTreeVersions versions = DependencyTreeVersions.parse(List.of(
                "+- com.fasterxml.jackson.core:jackson-databind:jar:2.23.0:compile",
                "+- com.fasterxml.jackson.core:jackson-annotations:jar:2.23:compile"));

        assertThat(versions.jacksonVersions()).containsExactly("2.23.0");
    }

    @Test
    void annotationsOfAnotherLineCount() {
        DependencyTreeVersions versions = DependencyTreeVersions.parse(List.of(
                "+- com.fasterxml.jackson.core:jackson-databind:jar:2.23.0:compile",
                "+- com.fasterxml.jackson.core:jackson-annotations:jar:2.21:compile"));

        assertThat(versions.jacksonVersions()).containsExactly("2.21.x", "2.23.0");
    }
}
