package io.userstreams.template;

import static org.assertj.core.api.Assertions.assertThat;

import io.userstreams.core.config.CoreSettings;
import io.userstreams.core.config.ReactionId;
import io.userstreams.kcl.ConsumerSettings;
import java.util.EnumSet;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The variables the code reads (CoreSettings.VARIABLES, ConsumerSettings.VARIABLES) against the template. */
class EnvironmentConsistencyTest {

    private final Template template = Fixtures.template();

    @Test
    void theReactionNeedsCoverEveryVariableTheCoreReads() {
        // A new variable in CoreSettings must be mapped to the reactions that need it (TemplateChecks.NEEDS).
        Set<String> covered = new HashSet<>(TemplateChecks.STREAM_RUNTIME_BASE);
        TemplateChecks.NEEDS.values().forEach(covered::addAll);
        assertThat(covered).isEqualTo(CoreSettings.VARIABLES);
        assertThat(TemplateChecks.NEEDS.keySet()).isEqualTo(EnumSet.allOf(ReactionId.class));
    }

    @Test
    void everyScenarioSetsWhatTheCodeReadsAndNothingElse() {
        for (Scenario s : Fixtures.scenarios(template)) {
            assertThat(TemplateChecks.environment(template, s)).as(s.toString()).isEmpty();
        }
    }

    @Test
    void reactionsAreHostedAsDocumented() {
        Map<String, String> kcl = reactionsByRuntime(Fixtures.scenario(template, "kcl-ec2"));
        assertThat(kcl).containsExactlyInAnyOrderEntriesOf(Map.of(
                "WelcomeFunction", "welcome-email",
                "ConsumerAutoScalingGroup", "derived-tables,search-index"));
        Map<String, String> lambda = reactionsByRuntime(Fixtures.scenario(template, "lambda-vpc"));
        assertThat(lambda).containsExactlyInAnyOrderEntriesOf(Map.of(
                "WelcomeFunction", "welcome-email",
                "ReactionsFunction", "derived-tables,search-index"));
    }

    @Test
    void theConsumerEnvironmentIsReadByTheConsumerSettings() {
        Map<String, Object> env = TemplateChecks.consumerEnvironment(template, "ConsumerLaunchTemplate");
        assertThat(env.keySet()).containsAll(ConsumerSettings.VARIABLES);
        // The literal values must pass the consumer's own validation.
        Map<String, String> literal = new java.util.HashMap<>();
        // ${Parameter} takes the parameter's default, as a deployment with defaults would.
        env.forEach((k, v) -> literal.put(k, withParameterDefaults(String.valueOf(v))));
        literal.put(ConsumerSettings.WORKER_ID, "i-0123456789abcdef0");
        literal.put("AWS_REGION", "us-east-1");
        ConsumerSettings settings = ConsumerSettings.fromEnvironment(literal);
        assertThat(settings.healthPort()).isEqualTo(8080);
        assertThat(settings.maxRecords()).isEqualTo(1000);
        assertThat(settings.core().reactions()).containsExactlyInAnyOrder(ReactionId.DERIVED_TABLES, ReactionId.SEARCH_INDEX);
        // The health probe and the CloudFormation signal use the same port.
        assertThat(TemplateChecks.userData(template, "ConsumerLaunchTemplate"))
                .contains("http://127.0.0.1:8080/health");
    }

    @Test
    void functionEnvironmentsStayWellUnderFourKilobytes() {
        for (Scenario s : Fixtures.scenarios(template)) {
            for (TemplateChecks.Runtime r : TemplateChecks.runtimes(template, s)) {
                if (r.kind() != TemplateChecks.Runtime.Kind.KCL) {
                    assertThat(TemplateChecks.environmentBytes(r.environment())).as(r.id())
                            .isLessThan(TemplateChecks.ENVIRONMENT_BUDGET_BYTES);
                }
            }
        }
    }

    @Test
    void missingVariableFails() {
        Template bad = template.mutate(r -> variables(r, "WelcomeFunction").remove("WELCOME_TOPIC_ARN"));
        assertThat(errors(bad, "kcl-ec2")).anyMatch(e -> e.endsWith("WelcomeFunction: does not set WELCOME_TOPIC_ARN, which it needs"));
    }

    @Test
    void missingConsumerVariableFails() {
        Template bad = template.mutate(r -> replaceInUserData(r, "WORKER_ID=$INSTANCE_ID\n", ""));
        assertThat(errors(bad, "kcl-ec2")).anyMatch(e -> e.endsWith("ConsumerAutoScalingGroup: does not set WORKER_ID, which it needs"));
    }

    @Test
    void unknownVariableFails() {
        Template bad = template.mutate(r -> variables(r, "UsersApiFunction").put("TABLE_NAME", "users"));
        assertThat(errors(bad, "kcl-ec2")).anyMatch(e -> e.endsWith("UsersApiFunction: sets TABLE_NAME, which the code never reads"));
        Template badKcl = template.mutate(r -> replaceInUserData(r, "MAX_RECORDS=1000\n", "MAX_RECORDS=1000\nBATCH=5\n"));
        assertThat(errors(badKcl, "kcl-ec2")).anyMatch(e -> e.endsWith("ConsumerAutoScalingGroup: sets BATCH, which the code never reads"));
    }

    @Test
    void reservedLambdaVariableFails() {
        Template bad = template.mutate(r -> variables(r, "WelcomeFunction").put("AWS_REGION", "us-east-1"));
        assertThat(errors(bad, "kcl-ec2")).anyMatch(e -> e.endsWith("WelcomeFunction: AWS_REGION is reserved by Lambda and must not be set"));
    }

    @Test
    void reactionInTwoRuntimesOrNoneFails() {
        Template twice = template.mutate(r -> variables(r, "WelcomeFunction").put("REACTIONS", "welcome-email,derived-tables"));
        assertThat(errors(twice, "kcl-ec2")).anyMatch(e -> e.contains("reaction derived-tables must run in exactly one runtime"));
        Template none = template.mutate(r -> replaceInUserData(r, "REACTIONS=derived-tables,search-index", "REACTIONS=derived-tables"));
        assertThat(errors(none, "kcl-ec2")).anyMatch(e -> e.contains("reaction search-index must run in exactly one runtime, runs in []"));
    }

    @Test
    void variablePointingAtTheWrongResourceFails() {
        Template bad = template.mutate(r -> variables(r, "ReactionsFunction").put("USER_STATS_TABLE", Map.of("Ref", "UsersByEmailTable")));
        assertThat(errors(bad, "lambda-vpc")).anyMatch(e -> e.contains("ReactionsFunction: USER_STATS_TABLE must be ${UserStatsTable}"));
        Template badIndex = template.mutate(r -> replaceInUserData(r, "OPENSEARCH_INDEX=users", "OPENSEARCH_INDEX=people"));
        assertThat(errors(badIndex, "kcl-ec2")).anyMatch(e -> e.contains("OPENSEARCH_INDEX must be 'users', was people"));
    }

    @Test
    void oversizedEnvironmentFails() {
        Template bad = template.mutate(r -> variables(r, "UsersApiFunction").put("USERS_TABLE", "u".repeat(3000)));
        assertThat(errors(bad, "kcl-ec2")).anyMatch(e -> e.contains("UsersApiFunction: environment ~"));
    }

    // ------------------------------------------------------------------

    private String withParameterDefaults(String value) {
        String out = value;
        for (Map.Entry<String, Object> p : template.parameters().entrySet()) {
            Object d = Template.map(p.getValue()).get("Default");
            if (d != null) {
                out = out.replace("${" + p.getKey() + "}", String.valueOf(d));
            }
        }
        return out;
    }

    private static List<String> errors(Template t, String runtime) {
        return TemplateChecks.environment(t, Fixtures.scenario(t, runtime));
    }

    private Map<String, String> reactionsByRuntime(Scenario s) {
        Map<String, String> out = new java.util.HashMap<>();
        for (TemplateChecks.Runtime r : TemplateChecks.runtimes(template, s)) {
            if (r.kind() != TemplateChecks.Runtime.Kind.LAMBDA_API) {
                out.put(r.id(), String.valueOf(r.environment().get("REACTIONS")));
            }
        }
        return out;
    }

    private static Map<String, Object> variables(Map<String, Object> root, String function) {
        return Fixtures.at(root, "Resources", function, "Properties", "Environment", "Variables");
    }

    private static void replaceInUserData(Map<String, Object> root, String from, String to) {
        Map<String, Object> data = Fixtures.at(root, "Resources", "ConsumerLaunchTemplate", "Properties", "LaunchTemplateData");
        Map<String, Object> base64 = Template.map(data.get("UserData"));
        Map<String, Object> sub = Template.map(base64.get("Fn::Base64"));
        String script = (String) sub.get("Fn::Sub");
        if (!script.contains(from)) {
            throw new IllegalArgumentException("user data has no " + from);
        }
        sub.put("Fn::Sub", script.replace(from, to));
    }
}
