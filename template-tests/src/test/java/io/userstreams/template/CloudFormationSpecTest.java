package io.userstreams.template;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

/** The plain CloudFormation resources against the resource specification of @aws-cdk/aws-service-spec (vendored part). */
class CloudFormationSpecTest {

    private final Template template = Fixtures.template();
    private final ServiceSpec spec = Fixtures.serviceSpec();

    @Test
    void everyPlainResourceMatchesTheSpecification() {
        assertThat(spec.resourceTypeCount()).isGreaterThan(1000);
        long plain = template.resources().values().stream()
                .map(r -> Template.type(Template.map(r)))
                .filter(type -> !type.startsWith("AWS::Serverless::"))
                .peek(type -> assertThat(spec.knowsType(type)).as(type).isTrue())
                .count();
        assertThat(plain).isGreaterThanOrEqualTo(30);
        assertThat(spec.validate(template)).isEmpty();
    }

    @Test
    void samPassThroughValuesMatchTheLambdaResources() {
        assertThat(spec.validateSamPassThrough(template)).isEmpty();
    }

    @Test
    void wrongSamPassThroughValuesFail() {
        Template bad = template.mutate(r -> {
            Fixtures.at(r, "Globals", "Function").put("MemorySize", "big");
            Fixtures.at(r, "Resources", "WelcomeFunction", "Properties", "Events", "UsersStream", "Properties")
                    .put("MaximumRetryAttempts", "ten");
            Fixtures.at(r, "Resources", "WelcomeFunction", "Properties", "Events", "UsersStream", "Properties")
                    .put("FilterCriteria", java.util.Map.of("Filter", List.of()));
            Fixtures.properties(r, "UsersApiFunction").put("SnapStart", java.util.Map.of("Apply", "PublishedVersions"));
        });
        assertThat(spec.validateSamPassThrough(bad)).contains(
                "WelcomeFunction.Properties.MemorySize: expected integer, was String big",
                "WelcomeFunction.Events.UsersStream.Properties.MaximumRetryAttempts: expected integer, was String ten",
                "WelcomeFunction.Events.UsersStream.Properties.FilterCriteria: unknown property Filter",
                "UsersApiFunction.Properties.SnapStart: unknown property Apply",
                "UsersApiFunction.Properties.SnapStart: missing required property ApplyOn");
    }

    @Test
    void everyReferenceNamesSomethingThatExists() {
        assertThat(TemplateChecks.references(template, spec)).isEmpty();
    }

    @Test
    void unknownResourceTypeFails() {
        Template bad = template.mutate(r -> Fixtures.at(r, "Resources", "DeadLetterQueue").put("Type", "AWS::SQS::Queues"));
        assertThat(spec.validate(bad)).contains("DeadLetterQueue: unknown resource type AWS::SQS::Queues");
    }

    @Test
    void aKnownTypeOutsideTheVendoredServicesSaysHowToAddIt() {
        Template bad = template.mutate(r -> Fixtures.at(r, "Resources", "DeadLetterQueue").put("Type", "AWS::Glue::Job"));
        assertThat(spec.knowsType("AWS::Glue::Job")).isTrue();
        assertThat(spec.validate(bad)).anyMatch(e -> e.startsWith("DeadLetterQueue: AWS::Glue::Job is not in the vendored specification")
                && e.endsWith("add its service to src/build/vendor-service-spec.py and regenerate"));
    }

    @Test
    void unknownPropertyFails() {
        Template bad = template.mutate(r -> Fixtures.properties(r, "DeadLetterQueue").put("RetentionDays", 14));
        assertThat(spec.validate(bad)).contains("DeadLetterQueue.Properties: unknown property RetentionDays");
    }

    @Test
    void unknownNestedPropertyFails() {
        Template bad = template.mutate(r -> Fixtures.at(r, "Resources", "SearchDomain", "Properties",
                "NodeToNodeEncryptionOptions").put("Enable", true));
        assertThat(spec.validate(bad)).contains("SearchDomain.Properties.NodeToNodeEncryptionOptions: unknown property Enable");
    }

    @Test
    void missingRequiredPropertyFails() {
        Template bad = template.mutate(r -> Fixtures.properties(r, "UsersByEmailTable").remove("KeySchema"));
        assertThat(spec.validate(bad)).contains("UsersByEmailTable.Properties: missing required property KeySchema");
        Template badNested = template.mutate(r -> Fixtures.at(r, "Resources", "UsersTable", "Properties",
                "StreamSpecification").remove("StreamViewType"));
        assertThat(spec.validate(badNested))
                .contains("UsersTable.Properties.StreamSpecification: missing required property StreamViewType");
    }

    @Test
    void wrongSimpleTypesFail() {
        Template bad = template.mutate(r -> {
            Fixtures.properties(r, "MessagingKey").put("EnableKeyRotation", "maybe");
            Fixtures.properties(r, "DeadLetterQueue").put("MessageRetentionPeriod", List.of(1209600));
            Fixtures.at(r, "Resources", "SearchDomain", "Properties", "EBSOptions").put("VolumeSize", "ten");
        });
        assertThat(spec.validate(bad)).contains(
                "MessagingKey.Properties.EnableKeyRotation: expected boolean, was String maybe",
                "DeadLetterQueue.Properties.MessageRetentionPeriod: expected integer, was list [1209600]",
                "SearchDomain.Properties.EBSOptions.VolumeSize: expected integer, was String ten");
    }

    @Test
    void bothBranchesOfAnIfAreChecked() {
        Template bad = template.mutate(r -> Template.list(Template.map(
                Fixtures.properties(r, "UsersTable").get("ProvisionedThroughput")).get("Fn::If"))
                .set(1, java.util.Map.of("ReadCapacityUnits", 5)));
        assertThat(spec.validate(bad)).anyMatch(e -> e.contains("UsersTable.Properties.ProvisionedThroughput[If:1]")
                && e.contains("missing required property WriteCapacityUnits"));
    }

    @Test
    void noResourcesDependOnEachOtherInACircle() {
        assertThat(TemplateChecks.dependencyCycles(template)).isEmpty();
    }

    @Test
    void aCircularDependencyFails() {
        // The role names the domain by ARN while the domain's access policy names the role.
        Template bad = template.mutate(r -> {
            java.util.Map<String, Object> policy = Template.map(Template.list(Fixtures.properties(r, "ConsumerRole").get("Policies")).get(0));
            for (Object st : Template.list(Template.map(policy.get("PolicyDocument")).get("Statement"))) {
                if ("SearchIndex".equals(Template.map(st).get("Sid"))) {
                    Template.map(st).put("Resource", java.util.Map.of("Fn::Sub", "${SearchDomain.Arn}/*"));
                }
            }
        });
        assertThat(TemplateChecks.dependencyCycles(bad))
                .anyMatch(e -> e.startsWith("circular dependency") && e.contains("SearchDomain") && e.contains("ConsumerRole"));
    }

    @Test
    void unknownAttributesAndReferencesFail() {
        Template bad = template.mutate(r -> {
            Fixtures.at(r, "Outputs", "UsersStreamArn").put("Value",
                    java.util.Map.of("Fn::GetAtt", List.of("UsersTable", "LatestStreamArn")));
            Fixtures.at(r, "Outputs", "WelcomeTopicArn").put("Value", java.util.Map.of("Ref", "WelcomeTopics"));
            Fixtures.at(r, "Outputs", "SearchDomainEndpoint").put("Value", java.util.Map.of("Fn::Sub", "https://${SearchDomain.Endpoint}"));
        });
        List<String> errors = TemplateChecks.references(bad, spec);
        assertThat(errors).anyMatch(e -> e.startsWith("GetAtt UsersTable.LatestStreamArn"));
        assertThat(errors).contains("Ref to unknown WelcomeTopics");
        assertThat(errors).anyMatch(e -> e.startsWith("GetAtt SearchDomain.Endpoint"));
    }
}
