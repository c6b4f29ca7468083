package io.userstreams.template;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/** Least privilege: no wildcard actions, Resource "*" only where AWS offers nothing narrower. */
class IamPolicyTest {

    private final Template template = Fixtures.template();

    @Test
    void everyStatementFollowsTheRules() {
        assertThat(TemplateChecks.iam(template)).isEmpty();
    }

    @Test
    void starResourcesAreOnlyTheAllowlistedOnes() {
        List<String> errors = new ArrayList<>();
        TreeSet<String> starActions = new TreeSet<>();
        List<String> keyPolicyStars = new ArrayList<>();
        for (TemplateChecks.Statement st : TemplateChecks.statements(template, errors)) {
            Object resource = st.body().get("Resource");
            if ("*".equals(resource) || (resource instanceof List<?> l && l.contains("*"))) {
                if (st.kind() == TemplateChecks.PolicyKind.KEY_POLICY) {
                    keyPolicyStars.add(st.where());
                } else {
                    Object action = st.body().get("Action");
                    if (action instanceof List<?> l) {
                        l.forEach(a -> starActions.add(String.valueOf(a)));
                    } else {
                        starActions.add(String.valueOf(action));
                    }
                }
            }
        }
        assertThat(errors).isEmpty();
        assertThat(TemplateChecks.STAR_RESOURCE_ALLOWLIST.keySet()).containsAll(starActions);
        assertThat(starActions).containsExactlyInAnyOrder("cloudwatch:PutMetricData", "ec2:AssignPrivateIpAddresses",
                "ec2:CreateNetworkInterface", "ec2:DeleteNetworkInterface", "ec2:DescribeNetworkInterfaces",
                "ec2:DescribeSubnets", "ec2:UnassignPrivateIpAddresses");
        // Account administration, SNS delivering welcomes to the encrypted queues, SES publishing mail events.
        assertThat(keyPolicyStars).hasSize(3);
    }

    @Test
    void wildcardActionFails() {
        Template bad = template.mutate(r -> statement(r, "WelcomeFunctionRole", 1).put("Action", List.of("dynamodb:*")));
        assertThat(TemplateChecks.iam(bad)).contains("WelcomeFunctionRole.Policies[0].Statement[1]: action dynamodb:* has a wildcard");
        Template partial = template.mutate(r -> statement(r, "WelcomeFunctionRole", 5).put("Action", "kms:GenerateDataKey*"));
        assertThat(TemplateChecks.iam(partial)).anyMatch(e -> e.endsWith("action kms:GenerateDataKey* has a wildcard"));
    }

    @Test
    void starResourceOutsideTheAllowlistFails() {
        Template bad = template.mutate(r -> statement(r, "UsersApiFunctionRole", 1).put("Resource", "*"));
        assertThat(TemplateChecks.iam(bad)).contains("UsersApiFunctionRole.Policies[0].Statement[1]: dynamodb:GetItem on "
                + "Resource \"*\" (allowed only for " + new TreeSet<>(TemplateChecks.STAR_RESOURCE_ALLOWLIST.keySet()) + ")");
    }

    @Test
    void putMetricDataWithoutNamespaceConditionFails() {
        Template bad = template.mutate(r -> {
            for (Object s : statements(r, "ConsumerRole")) {
                if ("cloudwatch:PutMetricData".equals(Template.map(s).get("Action"))) {
                    Template.map(s).remove("Condition");
                }
            }
        });
        assertThat(TemplateChecks.iam(bad)).anyMatch(e -> e.endsWith("cloudwatch:PutMetricData on \"*\" needs a cloudwatch:namespace condition"));
    }

    @Test
    void invertedStatementsAndPublicPrincipalsFail() {
        Template bad = template.mutate(r -> {
            Map<String, Object> s = statement(r, "WelcomeFunctionRole", 3);
            s.put("NotAction", s.remove("Action"));
            Map<String, Object> access = Template.map(Template.list(Template.map(
                    Fixtures.properties(r, "SearchDomain").get("AccessPolicies")).get("Statement")).get(0));
            access.put("Principal", Map.of("AWS", "*"));
        });
        List<String> errors = TemplateChecks.iam(bad);
        assertThat(errors).anyMatch(e -> e.contains("WelcomeFunctionRole.Policies[0].Statement[3]: NotAction grants everything else"));
        assertThat(errors).contains("SearchDomain.AccessPolicies.Statement[0]: allows everyone (Principal *)");
    }

    @Test
    void functionWithoutExplicitRoleOrWithSamPoliciesFails() {
        Template bad = template.mutate(r -> {
            Fixtures.properties(r, "UsersApiFunction").remove("Role");
            Fixtures.properties(r, "WelcomeFunction").put("Policies", List.of("AWSLambdaDynamoDBExecutionRole"));
            Fixtures.properties(r, "ConsumerRole").put("ManagedPolicyArns", List.of("arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore"));
        });
        List<String> errors = TemplateChecks.iam(bad);
        assertThat(errors).anyMatch(e -> e.startsWith("UsersApiFunction: needs an explicit Role"));
        assertThat(errors).anyMatch(e -> e.startsWith("WelcomeFunction: Policies"));
        assertThat(errors).anyMatch(e -> e.startsWith("ConsumerRole: ManagedPolicyArns"));
    }

    private static List<Object> statements(Map<String, Object> root, String role) {
        Map<String, Object> policy = Template.map(Template.list(Fixtures.properties(root, role).get("Policies")).get(0));
        return Template.list(Template.map(policy.get("PolicyDocument")).get("Statement"));
    }

    private static Map<String, Object> statement(Map<String, Object> root, String role, int index) {
        return Template.map(statements(root, role).get(index));
    }
}
