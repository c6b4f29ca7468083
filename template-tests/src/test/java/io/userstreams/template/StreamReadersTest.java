package io.userstreams.template;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** DynamoDB Streams throttles more than two readers per shard: count them in every scenario. */
class StreamReadersTest {

    private final Template template = Fixtures.template();

    @Test
    void atMostTwoReadersInEveryScenario() {
        for (Scenario s : Fixtures.scenarios(template)) {
            assertThat(TemplateChecks.streamReaders(template, s)).as(s.toString()).isEmpty();
        }
        assertThat(TemplateChecks.usersStreamReaders(template, Fixtures.scenario(template, "kcl-ec2")))
                .containsExactly("WelcomeFunction.UsersStream", "ConsumerAutoScalingGroup (KCL ${KclApplicationName})");
        assertThat(TemplateChecks.usersStreamReaders(template, Fixtures.scenario(template, "lambda-vpc")))
                .containsExactly("WelcomeFunction.UsersStream", "ReactionsFunction.UsersStream");
    }

    @Test
    void aThirdLambdaReaderFails() {
        Template bad = template.mutate(r -> {
            Map<String, Object> mapping = new LinkedHashMap<>();
            mapping.put("Type", "AWS::Lambda::EventSourceMapping");
            mapping.put("Properties", Map.of("EventSourceArn", Map.of("Fn::GetAtt", List.of("UsersTable", "StreamArn")),
                    "FunctionName", Map.of("Ref", "UsersApiFunction"), "StartingPosition", "LATEST"));
            Fixtures.at(r, "Resources").put("AuditMapping", mapping);
        });
        assertThat(TemplateChecks.streamReaders(bad, Fixtures.scenario(bad, "kcl-ec2")))
                .singleElement().asString().contains("3 readers of the users stream");
    }

    @Test
    void lambdaReactionsAlongsideTheKclConsumerFail() {
        // The reactions function without its condition would read next to the KCL consumer.
        Template bad = template.mutate(r -> Fixtures.at(r, "Resources", "ReactionsFunction").remove("Condition"));
        assertThat(TemplateChecks.streamReaders(bad, Fixtures.scenario(bad, "kcl-ec2")))
                .singleElement().asString().contains("3 readers");
    }
}
