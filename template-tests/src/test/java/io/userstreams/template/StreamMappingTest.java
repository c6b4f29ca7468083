package io.userstreams.template;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Each Lambda mapping on the users stream gives the stream handler what its contract needs. */
class StreamMappingTest {

    private final Template template = Fixtures.template();

    @Test
    void everyMappingFitsTheHandlersContract() {
        for (Scenario s : Fixtures.scenarios(template)) {
            assertThat(TemplateChecks.streamMappings(template, s)).as(s.toString()).isEmpty();
        }
    }

    @Test
    void theWelcomeFilterPassesOnlyCreations() {
        List<String> errors = new java.util.ArrayList<>();
        Object criteria = event(template.root(), "WelcomeFunction").get("FilterCriteria");
        assertThat(TemplateChecks.filteredEventNames("WelcomeFunction", criteria, errors)).containsExactly("INSERT");
        assertThat(errors).isEmpty();
    }

    @Test
    void aFilterThatHidesRecordsFromAReactionFails() {
        Template bad = template.mutate(r -> event(r, "ReactionsFunction").put("FilterCriteria",
                Map.of("Filters", List.of(Map.of("Pattern", "{\"eventName\": [\"INSERT\", \"MODIFY\"]}")))));
        assertThat(errors(bad, "lambda-vpc")).contains(
                "ReactionsFunction.UsersStream: its filter drops REMOVE records, which derived-tables needs",
                "ReactionsFunction.UsersStream: its filter drops REMOVE records, which search-index needs");
        Template broken = template.mutate(r -> event(r, "WelcomeFunction").put("FilterCriteria",
                Map.of("Filters", List.of(Map.of("Pattern", "{eventName: INSERT")))));
        assertThat(errors(broken, "kcl-ec2")).anyMatch(e -> e.startsWith("WelcomeFunction.UsersStream: filter pattern is not JSON"));
    }

    @Test
    void missingBatchItemFailuresOrBoundedRetriesFail() {
        Template bad = template.mutate(r -> {
            Map<String, Object> p = event(r, "WelcomeFunction");
            p.remove("FunctionResponseTypes");
            p.put("MaximumRetryAttempts", 10);
            p.put("StartingPosition", "LATEST");
            p.put("ParallelizationFactor", 4);
            p.put("MaximumRecordAgeInSeconds", 86400);
            p.remove("BisectBatchOnFunctionError");
        });
        List<String> errors = errors(bad, "kcl-ec2");
        assertThat(errors).anyMatch(e -> e.contains("must include ReportBatchItemFailures"));
        assertThat(errors).anyMatch(e -> e.contains("MaximumRetryAttempts must be -1"));
        assertThat(errors).anyMatch(e -> e.contains("StartingPosition must be TRIM_HORIZON, was LATEST"));
        assertThat(errors).anyMatch(e -> e.contains("ParallelizationFactor must be 1"));
        assertThat(errors).anyMatch(e -> e.contains("MaximumRecordAgeInSeconds must be -1"));
        assertThat(errors).anyMatch(e -> e.contains("BisectBatchOnFunctionError must be true"));
    }

    @Test
    void failuresGoingElsewhereThanTheDeadLetterQueueFail() {
        Template bad = template.mutate(r -> Template.map(Template.map(event(r, "WelcomeFunction")
                .get("DestinationConfig")).get("OnFailure")).put("Destination", Map.of("Ref", "WelcomeTopic")));
        assertThat(errors(bad, "kcl-ec2")).anyMatch(e -> e.startsWith("WelcomeFunction.UsersStream: DestinationConfig.OnFailure must be the dead-letter queue"));
    }

    private static List<String> errors(Template t, String runtime) {
        return TemplateChecks.streamMappings(t, Fixtures.scenario(t, runtime));
    }

    private static Map<String, Object> event(Map<String, Object> root, String function) {
        return Fixtures.at(root, "Resources", function, "Properties", "Events", "UsersStream", "Properties");
    }
}
