package io.userstreams.localstack;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.userstreams.localstack.CloudFormationTemplate.Intrinsic;
import io.userstreams.localstack.CloudFormationTemplate.Resource;
import java.io.StringReader;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class CloudFormationTemplateTest {

    @Test
    void theProjectTemplateDeclaresTheDataMessagingAndSearchResources() {
        CloudFormationTemplate t = ResourceCreator.loadTemplate(null);
        assertThat(t.ofType(ResourceCreator.TABLE)).extracting(Resource::localName)
                .contains("users", "users_by_email", "user_stats", "user_streams_idempotency");
        assertThat(t.ofType(ResourceCreator.TOPIC)).extracting(Resource::localName).contains("user-streams-welcome.fifo");
        assertThat(t.ofType(ResourceCreator.QUEUE)).extracting(Resource::localName).contains("user-streams-dlq");
        ResourceCreator.IndexSpec index = new ResourceCreator(t).indexSpec().orElseThrow();
        assertThat(index.name()).isEqualTo("users");
        assertThat(index.settings()).containsEntry("gc_deletes", "15d");
        assertThat(index.mappings()).containsEntry("dynamic", "strict");
    }

    @Test
    void acceptsEveryShortFormIntrinsicAndUnknownResourceTypes() {
        CloudFormationTemplate t = CloudFormationTemplate.load(
                getClass().getClassLoader().getResource("templates/extended.yaml"));
        assertThat(t.resources()).containsKeys("StreamFunction", "Instance", "Key", "WorkQueue");
        Resource users = t.resource("UsersTable").orElseThrow();
        assertThat(users.localName()).isEqualTo("ext_users");
        assertThat(users.properties().get("TableName")).isEqualTo(new Intrinsic("!Sub", "${AWS::StackName}-users"));
        assertThat(users.properties().get("BillingMode")).isInstanceOf(Intrinsic.class);
        Intrinsic getAtt = (Intrinsic) CloudFormationTemplate.asMap(
                t.resource("WorkQueue").orElseThrow().properties().get("RedrivePolicy")).get("deadLetterTargetArn");
        assertThat(getAtt.referencedLogicalId()).contains("DeadLetterQueue");
        // A resource without Metadata.UserStreams.LocalName is named by its logical id.
        assertThat(t.resource("UsersByEmailTable").orElseThrow().localName()).isEqualTo("UsersByEmailTable");
    }

    @Test
    void everyListedTagParsesInEveryNodeKind() {
        List<String> tags = List.of("!Ref", "!GetAtt", "!Sub", "!If", "!Equals", "!Not", "!Join", "!Select", "!Split",
                "!FindInMap", "!Condition", "!ImportValue", "!GetAZs", "!Base64", "!Cidr", "!And", "!Or");
        StringBuilder yaml = new StringBuilder("Resources:\n  R:\n    Type: Custom::X\n    Properties:\n");
        int i = 0;
        for (String tag : tags) {
            yaml.append("      S").append(i).append(": ").append(tag).append(" scalar\n");
            yaml.append("      L").append(i).append(": ").append(tag).append(" [a, b]\n");
            yaml.append("      M").append(i).append(": ").append(tag).append(" { k: v }\n");
            i++;
        }
        Map<String, Object> props = CloudFormationTemplate.parse(new StringReader(yaml.toString()), "inline")
                .resource("R").orElseThrow().properties();
        for (int j = 0; j < tags.size(); j++) {
            assertThat(props.get("S" + j)).isEqualTo(new Intrinsic(tags.get(j), "scalar"));
            assertThat(props.get("L" + j)).isEqualTo(new Intrinsic(tags.get(j), List.of("a", "b")));
            assertThat(props.get("M" + j)).isEqualTo(new Intrinsic(tags.get(j), Map.of("k", "v")));
        }
    }

    @Test
    void rejectsJavaTagsAndMissingResources() {
        assertThatThrownBy(() -> CloudFormationTemplate.parse(new StringReader(
                "Resources:\n  R: !!java.io.File [\"/tmp\"]\n"), "inline"))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("not valid YAML");
        assertThatThrownBy(() -> CloudFormationTemplate.parse(new StringReader("Outputs: {}\n"), "inline"))
                .hasMessageContaining("no Resources");
    }
}
