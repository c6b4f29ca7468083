package io.userstreams.consumercheck;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Reads what maven-invoker-plugin resolved just before in src/it/fresh-consumer: a project that
 * imports user-streams-bom and adds test-kit as a test dependency, as docs/test-kit.md says.
 */
class FreshConsumerProjectIT {

    private static final Path PROJECT = Path.of(System.getProperty("consumer-check.project", "target/its/fresh-consumer"));

    @Test
    void oneAwsSdkVersionOneJacksonVersionAndOneNettyVersionResolve() throws IOException {
        DependencyTreeVersions versions = DependencyTreeVersions.parse(read("tree.txt"));

        assertThat(versions.awsSdk()).as("AWS SDK v2 versions (with the artifacts at each)").hasSize(1);
        assertThat(versions.jacksonVersions()).as("Jackson versions; artifacts at each: %s", versions.jackson()).hasSize(1);
        assertThat(versions.netty()).as("Netty versions (with the artifacts at each)").hasSize(1);
        // the project's modules and what they bring really are in the tree (else the above proves nothing)
        assertThat(versions.awsSdk().values().iterator().next()).contains("dynamodb", "kinesis", "glue", "sqs");
        assertThat(versions.jackson().values()).anySatisfy(artifacts -> assertThat(artifacts).contains("jackson-databind"));
        assertThat(versions.netty().values().iterator().next()).contains("netty-handler", "netty-codec-http2");
    }

    /** A POM Maven could not read leaves its dependencies out of the tree: the check would miss them. */
    @Test
    void theTreeIsCompleteEveryPomWasRead() throws IOException {
        assertThat(read("build.log"))
                .as("the fresh project's build.log")
                .noneMatch(line -> line.contains("is missing, no dependency information available"))
                .noneMatch(line -> line.contains("is invalid, transitive dependencies (if any) will not be available"));
    }

    private static List<String> read(String file) throws IOException {
        Path path = PROJECT.resolve(file);
        assertThat(path).as("%s of the invoker run of src/it/fresh-consumer", file).isRegularFile();
        return Files.readAllLines(path);
    }
}
