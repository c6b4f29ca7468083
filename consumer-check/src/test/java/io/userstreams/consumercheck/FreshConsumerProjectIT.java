package io.userstreams.consumercheck;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Reads the dependency trees of the fresh consumer projects that maven-invoker-plugin resolved just
 * before (src/it/fresh-consumers: test-kit as a test dependency, with and without the BOM imported).
 */
class FreshConsumerProjectIT {

    private static final Path PROJECTS =
            Path.of(System.getProperty("consumer-check.projects", "target/its")).resolve("fresh-consumers");

    @Test
    void withTheBomImportedOneAwsSdkVersionOneJacksonVersionAndOneNettyVersionResolve() throws IOException {
        DependencyTreeVersions versions = DependencyTreeVersions.parse(tree("with-bom"));

        assertThat(versions.awsSdk()).as("AWS SDK v2 versions (with the artifacts at each)").hasSize(1);
        assertThat(versions.jacksonVersions()).as("Jackson versions; artifacts at each: %s", versions.jackson()).hasSize(1);
        assertThat(versions.netty()).as("Netty versions (with the artifacts at each)").hasSize(1);
        // the project's own modules really are in the tree (else the check above proves nothing)
        assertThat(versions.awsSdk().values().iterator().next()).contains("dynamodb", "kinesis", "sqs");
        assertThat(versions.jackson().values()).anySatisfy(artifacts -> assertThat(artifacts).contains("jackson-databind"));
        assertThat(versions.netty().values().iterator().next()).contains("netty-handler", "netty-codec-http2");
    }

    /**
     * Without the BOM, KCL's, the Glue schema registry's and the adapter's own SDK, Jackson and
     * Netty versions win in places: the check above sees that. Should a future KCL align with the SDK,
     * this test says so, and the BOM's pins may become unnecessary.
     */
    @Test
    void withoutTheBomTheVersionsMix() throws IOException {
        DependencyTreeVersions versions = DependencyTreeVersions.parse(tree("without-bom"));

        assertThat(versions.awsSdk().size() > 1 || versions.jacksonVersions().size() > 1 || versions.netty().size() > 1)
                .as("mixed versions without the BOM; SDK: %s, Jackson: %s, Netty: %s",
                        versions.awsSdk(), versions.jackson(), versions.netty())
                .isTrue();
    }

    private static List<String> tree(String project) throws IOException {
        Path tree = PROJECTS.resolve(project).resolve("tree.txt");
        assertThat(tree).as("dependency tree written by the invoker run of src/it/fresh-consumers/%s (see fresh-consumers/build.log)", project)
                .isRegularFile();
        return Files.readAllLines(tree);
    }
}
