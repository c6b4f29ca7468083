package io.userstreams.template;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class TemplateParsingTest {

    @Test
    void shortFormTagsBecomeTheirLongForm() {
        Template t = Template.parse("""
                Resources:
                  A:
                    Type: AWS::SNS::Topic
                    Properties:
                      R: !Ref B
                      G: !GetAtt Domain.ServiceSoftwareOptions.NewVersion
                      S: !Sub ["${X}-y", {X: !Ref AWS::Region}]
                      I: !If [C, !Join ["", [a, b]], !Ref AWS::NoValue]
                      E: !Base64
                        Fn::Sub: text
                """);
        Map<String, Object> p = Template.properties(t.resource("A"));
        assertThat(p.get("R")).isEqualTo(Map.of("Ref", "B"));
        assertThat(p.get("G")).isEqualTo(Map.of("Fn::GetAtt", List.of("Domain", "ServiceSoftwareOptions.NewVersion")));
        assertThat(p.get("S")).isEqualTo(Map.of("Fn::Sub", List.of("${X}-y", Map.of("X", Map.of("Ref", "AWS::Region")))));
        assertThat(p.get("I")).isEqualTo(Map.of("Fn::If", List.of("C",
                Map.of("Fn::Join", List.of("", List.of("a", "b"))), Map.of("Ref", "AWS::NoValue"))));
        assertThat(p.get("E")).isEqualTo(Map.of("Fn::Base64", Map.of("Fn::Sub", "text")));
    }

    @Test
    void unknownTagsAndDuplicateKeysAreRejected() {
        assertThatThrownBy(() -> Template.parse("A: !Reff B\n")).hasMessageContaining("unknown tag !Reff");
        assertThatThrownBy(() -> Template.parse("A: 1\nA: 2\n")).hasMessageContaining("duplicate key");
    }

    @Test
    void theRepositoryTemplateParsesAndKeepsTheLocalStackMetadata() {
        Template t = Fixtures.template();
        assertThat(t.root()).containsEntry("Transform", "AWS::Serverless-2016-10-31");
        // The local stack creates these from the template: names and the index definition must stay.
        Map<String, String> localNames = Map.of("UsersTable", "users", "UsersByEmailTable", "users_by_email",
                "UserStatsTable", "user_stats", "IdempotencyTable", "user_streams_idempotency",
                "WelcomeTopic", "user-streams-welcome.fifo", "WelcomeQueue", "user-streams-welcome-mail.fifo", "DeadLetterQueue", "user-streams-dlq");
        localNames.forEach((id, name) -> assertThat(
                Template.map(Template.map(t.resource(id).get("Metadata")).get("UserStreams")).get("LocalName"))
                .as(id).isEqualTo(name));
        Map<String, Object> index = Fixtures.at(t.root(), "Resources", "SearchDomain", "Metadata", "UserStreams", "Index");
        assertThat(index).containsEntry("Name", "users");
        assertThat(Template.map(Template.map(index.get("Mappings")).get("properties")))
                .containsKeys("userId", "email", "version", "expiresAt");
    }

    @Test
    void conditionsResolvePerScenario() {
        Template t = Fixtures.template();
        Scenario kcl = Fixtures.scenario(t, "kcl-ec2");
        Scenario lambda = Fixtures.scenario(t, "lambda-vpc");
        assertThat(kcl.condition("ReactionsOnKcl")).isTrue();
        assertThat(lambda.condition("ReactionsOnKcl")).isFalse();
        assertThat(kcl.existing("AWS::AutoScaling::AutoScalingGroup")).containsExactly("ConsumerAutoScalingGroup");
        assertThat(lambda.existing("AWS::AutoScaling::AutoScalingGroup")).isEmpty();
        assertThat(kcl.condition("IsProvisioned")).isFalse();
        assertThat(kcl.resolve(Template.properties(t.resource("UsersTable")))).asInstanceOf(
                org.assertj.core.api.InstanceOfAssertFactories.MAP).doesNotContainKey("ProvisionedThroughput");
        Scenario provisioned = new Scenario(t, Map.of("TableBillingMode", "PROVISIONED"));
        assertThat(Template.map(provisioned.resolve(Template.properties(t.resource("UsersTable")))))
                .containsKey("ProvisionedThroughput");
    }
}
