package io.userstreams.template;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/**
 * What keeps a deployment safe to run and to change: TLS-only queues, recoverable and protected
 * tables, a consumer roll that never stops processing and fails fast, an encrypted search domain
 * with a current TLS policy and its alarms. Each rule is also fed a template that breaks it.
 */
class DeploymentSafetyTest {

    private final Template template = Fixtures.template();

    /** Every queue has a policy statement denying everything without TLS. */
    static List<String> queuesRefusePlainHttp(Template t) {
        List<String> errors = new ArrayList<>();
        for (String queue : t.ofType("AWS::SQS::Queue")) {
            boolean denied = false;
            for (String policy : t.ofType("AWS::SQS::QueuePolicy")) {
                Map<String, Object> p = Template.properties(t.resource(policy));
                if (!Template.list(p.get("Queues")).contains(Map.of("Ref", queue))) {
                    continue;
                }
                for (Object raw : Template.list(Template.map(p.get("PolicyDocument")).get("Statement"))) {
                    Map<String, Object> st = Template.map(raw);
                    Object secure = Template.map(Template.map(st.get("Condition")).get("Bool")).get("aws:SecureTransport");
                    denied |= "Deny".equals(st.get("Effect")) && "*".equals(st.get("Principal"))
                            && "sqs:*".equals(st.get("Action")) && "false".equals(String.valueOf(secure))
                            && Map.of("Fn::GetAtt", List.of(queue, "Arn")).equals(st.get("Resource"));
                }
            }
            if (!denied) {
                errors.add(queue + ": no queue policy denies sqs:* when aws:SecureTransport is false");
            }
        }
        return errors;
    }

    static List<String> tablesRecoverableAndProtected(Template t) {
        List<String> errors = new ArrayList<>();
        for (String table : t.ofType("AWS::DynamoDB::Table")) {
            Map<String, Object> p = Template.properties(t.resource(table));
            if (!Boolean.TRUE.equals(Template.map(p.get("PointInTimeRecoverySpecification")).get("PointInTimeRecoveryEnabled"))) {
                errors.add(table + ": point-in-time recovery is off");
            }
            if (!Boolean.TRUE.equals(p.get("DeletionProtectionEnabled"))) {
                errors.add(table + ": deletion protection is off");
            }
        }
        return errors;
    }

    /** The roll keeps a consumer in service and can (MaxSize above it); a new jar reaches the launch template. */
    static List<String> consumerRolls(Template t) {
        List<String> errors = new ArrayList<>();
        for (String asg : t.ofType("AWS::AutoScaling::AutoScalingGroup")) {
            Map<String, Object> rolling = Template.map(Template.map(t.resource(asg).get("UpdatePolicy")).get("AutoScalingRollingUpdate"));
            int minInService = Integer.parseInt(String.valueOf(rolling.getOrDefault("MinInstancesInService", 0)));
            if (minInService < 1) {
                errors.add(asg + ": MinInstancesInService " + minInService + " stops processing during a roll");
            }
            if (!Boolean.TRUE.equals(rolling.get("WaitOnResourceSignals"))) {
                errors.add(asg + ": a roll must wait for the new instance's signal");
            }
            Object max = Template.properties(t.resource(asg)).get("MaxSize");
            if ("Ref".equals(Template.intrinsic(max))) {
                Object minValue = Template.map(t.parameters().get(String.valueOf(Template.intrinsicArgument(max)))).get("MinValue");
                if (minValue == null || Integer.parseInt(String.valueOf(minValue)) <= minInService) {
                    errors.add(asg + ": MaxSize may be " + minValue + ", leaving no room to start a new instance beside "
                            + minInService + " in service");
                }
            }
            Object lt = Template.map(Template.properties(t.resource(asg)).get("LaunchTemplate")).get("LaunchTemplateId");
            String script = TemplateChecks.userData(t, String.valueOf(Template.intrinsicArgument(lt)));
            for (String parameter : List.of("ConsumerJarS3Key", "ConsumerJarS3ObjectVersion")) {
                if (script == null || !script.contains("${" + parameter + "}")) {
                    errors.add(asg + ": the user data does not use " + parameter + ", so changing it rolls nothing");
                }
            }
            if (script == null || !script.matches("(?s).*set -E?euo pipefail.*") || !script.matches("(?s).*\\btrap '[^']*signal 1[^']*' ERR.*")
                    || !script.matches("(?s).*signal\\(\\) \\{\\s*\\S*cfn-signal -e \"\\$1\".*")) {
                errors.add(asg + ": a failing user data command must signal failure at once (set -e, trap ... ERR with cfn-signal -e 1)");
            }
        }
        return errors;
    }

    static List<String> searchDomain(Template t) {
        List<String> errors = new ArrayList<>();
        for (String domain : t.ofType("AWS::OpenSearchService::Domain")) {
            Map<String, Object> p = Template.properties(t.resource(domain));
            Object tls = Template.map(p.get("DomainEndpointOptions")).get("TLSSecurityPolicy");
            if (!"Policy-Min-TLS-1-2-PFS-2023-10".equals(tls)) {
                errors.add(domain + ": TLS policy " + tls + " (want Policy-Min-TLS-1-2-PFS-2023-10)");
            }
            if (!Boolean.TRUE.equals(Template.map(p.get("EncryptionAtRestOptions")).get("Enabled"))) {
                errors.add(domain + ": encryption at rest is off");
            }
            Object type = Template.map(p.get("ClusterConfig")).get("InstanceType");
            String defaultType = "Ref".equals(Template.intrinsic(type))
                    ? String.valueOf(Template.map(t.parameters().get(String.valueOf(Template.intrinsicArgument(type)))).get("Default"))
                    : String.valueOf(type);
            // AWS's documentation warns these may not support encryption at rest.
            if (defaultType.startsWith("t2.") || defaultType.equals("t3.small.search")) {
                errors.add(domain + ": default instance type " + defaultType + " may not support encryption at rest");
            }
            Set<String> alarmed = new TreeSet<>();
            for (String alarm : t.ofType("AWS::CloudWatch::Alarm")) {
                Map<String, Object> a = Template.properties(t.resource(alarm));
                if ("AWS/ES".equals(a.get("Namespace"))) {
                    alarmed.add(String.valueOf(a.get("MetricName")));
                }
            }
            for (String metric : List.of("ClusterStatus.red", "FreeStorageSpace", "ClusterIndexWritesBlocked", "JVMMemoryPressure")) {
                if (!alarmed.contains(metric)) {
                    errors.add(domain + ": no alarm on " + metric);
                }
            }
        }
        return errors;
    }

    @Test
    void theTemplateIsSafeToRunAndToChange() {
        assertThat(queuesRefusePlainHttp(template)).isEmpty();
        assertThat(tablesRecoverableAndProtected(template)).isEmpty();
        assertThat(consumerRolls(template)).isEmpty();
        assertThat(searchDomain(template)).isEmpty();
        assertThat(template.ofType("AWS::CloudWatch::Dashboard")).hasSize(1);
    }

    @Test
    void eachRuleFailsWhenBroken() {
        Template bad = template.mutate(r -> {
            Template.list(Template.map(Fixtures.properties(r, "DeadLetterQueuePolicy").get("PolicyDocument")).get("Statement")).remove(0);
            Fixtures.properties(r, "IdempotencyTable").remove("DeletionProtectionEnabled");
            Fixtures.properties(r, "UserStatsTable").remove("PointInTimeRecoverySpecification");
            Fixtures.at(r, "Resources", "ConsumerAutoScalingGroup", "UpdatePolicy", "AutoScalingRollingUpdate")
                    .put("MinInstancesInService", 0);
            Fixtures.at(r, "Resources", "SearchDomain", "Properties", "DomainEndpointOptions")
                    .put("TLSSecurityPolicy", "Policy-Min-TLS-1-2-2019-07");
            Fixtures.at(r, "Parameters", "SearchInstanceType").put("Default", "t3.small.search");
            Template.map(r.get("Resources")).remove("SearchJvmMemoryPressureAlarm");
            Map<String, Object> data = Fixtures.at(r, "Resources", "ConsumerLaunchTemplate", "Properties", "LaunchTemplateData");
            Map<String, Object> userData = Template.map(data.get("UserData"));
            Object sub = userData.get("Fn::Base64");
            String script = String.valueOf(Template.map(sub).get("Fn::Sub"));
            Template.map(sub).put("Fn::Sub", script.replace("trap 'status=$?; signal 1 || true; exit $status' ERR", "")
                    .replace("${ConsumerJarS3ObjectVersion}", "latest"));
        });
        assertThat(queuesRefusePlainHttp(bad)).containsExactly(
                "DeadLetterQueue: no queue policy denies sqs:* when aws:SecureTransport is false");
        assertThat(tablesRecoverableAndProtected(bad)).containsExactlyInAnyOrder(
                "IdempotencyTable: deletion protection is off", "UserStatsTable: point-in-time recovery is off");
        assertThat(consumerRolls(bad)).contains(
                "ConsumerAutoScalingGroup: MinInstancesInService 0 stops processing during a roll",
                "ConsumerAutoScalingGroup: the user data does not use ConsumerJarS3ObjectVersion, so changing it rolls nothing",
                "ConsumerAutoScalingGroup: a failing user data command must signal failure at once (set -e, trap ... ERR with cfn-signal -e 1)");
        assertThat(searchDomain(bad)).containsExactlyInAnyOrder(
                "SearchDomain: TLS policy Policy-Min-TLS-1-2-2019-07 (want Policy-Min-TLS-1-2-PFS-2023-10)",
                "SearchDomain: default instance type t3.small.search may not support encryption at rest",
                "SearchDomain: no alarm on JVMMemoryPressure");
    }
}
