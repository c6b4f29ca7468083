package io.userstreams.template;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

/** The SAM parts of template.yaml against the vendored AWS SAM JSON Schema. */
class SamSchemaTest {

    private final Template template = Fixtures.template();
    private final SamSchema sam = Fixtures.samSchema();

    @Test
    void templateIsValidSam() {
        assertThat(sam.serverlessTypes()).contains("AWS::Serverless::Function", "AWS::Serverless::HttpApi");
        assertThat(template.ofType("AWS::Serverless::Function")).hasSize(5);
        assertThat(template.ofType("AWS::Serverless::HttpApi")).hasSize(1);
        assertThat(sam.validate(template)).isEmpty();
    }

    @Test
    void unknownFunctionPropertyFails() {
        Template bad = template.mutate(r -> Fixtures.properties(r, "WelcomeFunction").put("MemorySizeMb", 512));
        assertThat(sam.validate(bad)).anyMatch(e -> e.startsWith("WelcomeFunction") && e.contains("MemorySizeMb"));
    }

    @Test
    void unknownEventSourcePropertyFails() {
        Template bad = template.mutate(r -> Fixtures.at(r, "Resources", "WelcomeFunction", "Properties", "Events",
                "UsersStream", "Properties").put("BisectOnError", true));
        assertThat(sam.validate(bad)).anyMatch(e -> e.startsWith("WelcomeFunction") && e.contains("BisectOnError"));
    }

    @Test
    void wrongValueTypeFails() {
        // Most SAM properties are pass-through (untyped) in the schema: ServiceSpec checks those values.
        Template bad = template.mutate(r -> {
            Fixtures.properties(r, "WelcomeFunction").put("Tracing", "Sometimes");
            Fixtures.properties(r, "UsersApiFunction").put("PropagateTags", "yes");
        });
        assertThat(sam.validate(bad)).anyMatch(e -> e.startsWith("WelcomeFunction") && e.contains("Tracing"))
                .anyMatch(e -> e.startsWith("UsersApiFunction") && e.contains("PropagateTags"));
    }

    @Test
    void unknownGlobalsKeyFails() {
        Template bad = template.mutate(r -> Fixtures.at(r, "Globals", "Function").put("Runtimes", List.of("java21")));
        assertThat(sam.validate(bad)).anyMatch(e -> e.startsWith("Globals") && e.contains("Runtimes"));
    }

    @Test
    void unknownServerlessTypeFails() {
        Template bad = template.mutate(r -> Fixtures.at(r, "Resources", "UsersHttpApi").put("Type", "AWS::Serverless::HttpApis"));
        assertThat(sam.validate(bad)).isNotEmpty();
    }
}
