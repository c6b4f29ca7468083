package io.userstreams.template;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Each runtime's role allows what its code calls for the reactions it hosts; nothing fails with AccessDenied. */
class PermissionsTest {

    private final Template template = Fixtures.template();

    @Test
    void everyRuntimeMayCallWhatItsReactionsCall() {
        for (Scenario s : Fixtures.scenarios(template)) {
            assertThat(TemplateChecks.permissions(template, s)).as(s.toString()).isEmpty();
        }
    }

    @Test
    void theRolesAreTheOnesTheRuntimesRunAs() {
        Scenario kcl = Fixtures.scenario(template, "kcl-ec2");
        Map<String, String> roles = new java.util.TreeMap<>();
        for (TemplateChecks.Runtime r : TemplateChecks.runtimes(template, kcl)) {
            roles.put(r.id(), TemplateChecks.roleOf(template, r));
        }
        assertThat(roles).containsExactlyInAnyOrderEntriesOf(Map.of("WelcomeFunction", "WelcomeFunctionRole",
                "UsersApiFunction", "UsersApiFunctionRole", "ConsumerAutoScalingGroup", "ConsumerRole"));
    }

    @Test
    void aMissingGrantFails() {
        Template bad = template.mutate(r -> statement(r, "WelcomeFunctionRole", "PublishWelcome").put("Action", "sns:GetTopicAttributes"));
        assertThat(TemplateChecks.permissions(bad, Fixtures.scenario(bad, "kcl-ec2")))
                .anyMatch(e -> e.endsWith("WelcomeFunction: role WelcomeFunctionRole does not allow sns:Publish on WelcomeTopic"));
        Template noLease = template.mutate(r -> statement(r, "ConsumerRole", "KclMetadataTables").put("Resource",
                List.of(Map.of("Fn::Sub", "arn:${AWS::Partition}:dynamodb:${AWS::Region}:${AWS::AccountId}:table/leases"))));
        assertThat(TemplateChecks.permissions(noLease, Fixtures.scenario(noLease, "kcl-ec2")))
                .anyMatch(e -> e.contains("ConsumerRole does not allow dynamodb:CreateTable on KclApplicationName"));
    }

    @Test
    void aGrantOnTheWrongResourceFails() {
        Template bad = template.mutate(r -> statement(r, "UsersApiFunctionRole", "UsersCrud")
                .put("Resource", Map.of("Fn::GetAtt", List.of("UserStatsTable", "Arn"))));
        assertThat(TemplateChecks.permissions(bad, Fixtures.scenario(bad, "kcl-ec2")))
                .anyMatch(e -> e.endsWith("UsersApiFunction: role UsersApiFunctionRole does not allow dynamodb:PutItem on UsersTable"));
    }

    @Test
    void aSearchDomainThatShutsOutTheIndexingRoleFails() {
        Template bad = template.mutate(r -> {
            Map<String, Object> st = Template.map(Template.list(Template.map(
                    Fixtures.properties(r, "SearchDomain").get("AccessPolicies")).get("Statement")).get(0));
            st.put("Principal", Map.of("AWS", Map.of("Fn::GetAtt", List.of("WelcomeFunctionRole", "Arn"))));
        });
        assertThat(TemplateChecks.permissions(bad, Fixtures.scenario(bad, "lambda-vpc")))
                .anyMatch(e -> e.endsWith("ReactionsFunction: the access policy of SearchDomain does not admit role ReactionsFunctionRole"));
    }

    private static Map<String, Object> statement(Map<String, Object> root, String role, String sid) {
        Map<String, Object> policy = Template.map(Template.list(Fixtures.properties(root, role).get("Policies")).get(0));
        for (Object st : Template.list(Template.map(policy.get("PolicyDocument")).get("Statement"))) {
            if (sid.equals(Template.map(st).get("Sid"))) {
                return Template.map(st);
            }
        }
        throw new IllegalArgumentException(role + " has no statement " + sid);
    }
}
