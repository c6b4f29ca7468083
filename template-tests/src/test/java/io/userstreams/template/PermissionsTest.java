package io.userstreams.template;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Each runtime's role allows exactly what the runtime was seen calling: the AWS calls recorded by the
 * tests of stream-handlers and kcl-consumer and by the fault suite running both (core's CallRecorder), plus what AWS does with the role
 * on its behalf; no grant goes unused. A missing recording fails, it never skips.
 */
class PermissionsTest {

    private final Template template = Fixtures.template();

    private static Map<String, List<RecordedCalls.Call>> recorded() {
        return Map.of(RecordedCalls.STREAM_HANDLERS, RecordedCalls.readWithFaultSuite(RecordedCalls.STREAM_HANDLERS),
                RecordedCalls.KCL_CONSUMER, RecordedCalls.readWithFaultSuite(RecordedCalls.KCL_CONSUMER),
                RecordedCalls.MAIL_SENDER, RecordedCalls.read(RecordedCalls.MAIL_SENDER));
    }

    @Test
    void everyRecordedCallIsAllowedAndEveryGrantIsUsed() {
        Map<String, List<RecordedCalls.Call>> calls = recorded();
        assertThat(calls.get(RecordedCalls.STREAM_HANDLERS)).extracting(RecordedCalls.Call::scope)
                .contains("runtime", "welcome-email", "derived-tables", "search-index", "users-api");
        assertThat(calls.get(RecordedCalls.KCL_CONSUMER)).extracting(RecordedCalls.Call::scope)
                .contains("runtime", "derived-tables", "search-index");
        for (Scenario s : Fixtures.scenarios(template)) {
            assertThat(CallPermissions.check(template, s, calls)).as(s.toString()).isEmpty();
        }
    }

    @Test
    void aMissingRecordingFailsWithTheCommandToMakeIt() {
        assertThatThrownBy(() -> RecordedCalls.read("no-such-module"))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("no-such-module.txt is missing")
                .hasMessageContaining("mvn -B -pl template-tests -am verify");
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

    /** Welcome completion marks for two or more users are one BatchWriteItem (the defect this check found). */
    @Test
    void aCallTheRoleDoesNotAllowFails() {
        Template bad = template.mutate(r -> {
            Map<String, Object> st = statement(r, "WelcomeFunctionRole", "IdempotencyClaims");
            List<Object> actions = new ArrayList<>(Template.list(st.get("Action")));
            actions.remove("dynamodb:BatchWriteItem");
            st.put("Action", actions);
        });
        assertThat(CallPermissions.check(bad, Fixtures.scenario(bad, "kcl-ec2"), withWelcome(
                "welcome-email\tDynamoDb\tBatchWriteItem\ttable=user_streams_idempotency")))
                .anyMatch(e -> e.contains("WelcomeFunction: role WelcomeFunctionRole does not allow dynamodb:BatchWriteItem"
                        + " on arn:aws:dynamodb:us-east-1:123456789012:table/IdempotencyTable"));
    }

    @Test
    void aCallOnAnotherResourceThanGrantedFails() {
        Template bad = template.mutate(r -> statement(r, "UsersApiFunctionRole", "UsersCrud")
                .put("Resource", Map.of("Fn::GetAtt", List.of("UserStatsTable", "Arn"))));
        assertThat(CallPermissions.check(bad, Fixtures.scenario(bad, "kcl-ec2"), recorded()))
                .anyMatch(e -> e.contains("UsersApiFunction: role UsersApiFunctionRole does not allow dynamodb:PutItem on "
                        + "arn:aws:dynamodb:us-east-1:123456789012:table/UsersTable"))
                .anyMatch(e -> e.contains("statement UsersCrud grants on arn:aws:dynamodb:us-east-1:123456789012:table/UserStatsTable"
                        + " what no recorded call uses"));
    }

    @Test
    void aGrantNoCallUsesFails() {
        Template bad = template.mutate(r -> {
            Map<String, Object> st = statement(r, "UsersApiFunctionRole", "UsersCrud");
            List<Object> actions = new ArrayList<>(Template.list(st.get("Action")));
            actions.add("dynamodb:Scan");
            st.put("Action", actions);
        });
        assertThat(CallPermissions.check(bad, Fixtures.scenario(bad, "kcl-ec2"), recorded()))
                .anyMatch(e -> e.endsWith("role UsersApiFunctionRole statement UsersCrud grants dynamodb:Scan that no recorded call uses"));
    }

    @Test
    void aConditionTheCallDoesNotMeetFails() {
        List<RecordedCalls.Call> kcl = RecordedCalls.parse(List.of(
                "runtime\tCloudWatch\tPutMetricData\tnamespace=AWS/EC2"));
        List<String> errors = CallPermissions.check(template, Fixtures.scenario(template, "kcl-ec2"),
                Map.of(RecordedCalls.STREAM_HANDLERS, List.of(), RecordedCalls.KCL_CONSUMER, kcl));
        assertThat(errors).anyMatch(e -> e.contains("ConsumerRole does not allow cloudwatch:PutMetricData on * "
                + "{cloudwatch:namespace=AWS/EC2}"));
    }

    @Test
    void aFunctionWhoseHandlerNamesNoCallScopeFails() {
        Template bad = template.mutate(r -> Fixtures.properties(r, "UsersApiFunction")
                .put("Handler", "io.userstreams.lambda.UserStreamHandler::handleRequest"));
        assertThat(CallPermissions.check(bad, Fixtures.scenario(bad, "kcl-ec2"), recorded()))
                .anyMatch(e -> e.contains("UsersApiFunction: handler io.userstreams.lambda.UserStreamHandler has no public static CALL_SCOPE"));
    }

    @Test
    void aSearchDomainThatShutsOutTheIndexingRoleFails() {
        Template bad = template.mutate(r -> {
            Map<String, Object> st = Template.map(Template.list(Template.map(
                    Fixtures.properties(r, "SearchDomain").get("AccessPolicies")).get("Statement")).get(0));
            st.put("Principal", Map.of("AWS", Map.of("Fn::GetAtt", List.of("WelcomeFunctionRole", "Arn"))));
        });
        assertThat(CallPermissions.check(bad, Fixtures.scenario(bad, "lambda-vpc"), recorded()))
                .anyMatch(e -> e.contains("ReactionsFunction: the access policy of SearchDomain does not admit role ReactionsFunctionRole"));
    }

    private static Map<String, List<RecordedCalls.Call>> withWelcome(String... lines) {
        return Map.of(RecordedCalls.STREAM_HANDLERS, RecordedCalls.parse(List.of(lines)), RecordedCalls.KCL_CONSUMER, List.of());
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
