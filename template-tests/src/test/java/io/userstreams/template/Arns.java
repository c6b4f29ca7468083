package io.userstreams.template;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Evaluates the template's Ref, Fn::GetAtt, Fn::Sub, Fn::Join and Fn::Select to the strings a
 * deployment would see, in a fictitious account: each resource's physical name is its name property
 * when set (TableName, TopicName, ...), else its logical id. Enough to compare policy ARNs with the
 * ARNs of recorded calls; values this does not model stay {@code null}.
 */
final class Arns {

    static final String PARTITION = "aws";
    static final String REGION = "us-east-1";
    static final String ACCOUNT = "123456789012";
    static final String STACK = "user-streams";

    private static final Pattern SUB_TOKEN = Pattern.compile("\\$\\{([^}!][^}]*)}");
    private static final Map<String, String> NAME_PROPERTY = Map.of(
            "AWS::DynamoDB::Table", "TableName", "AWS::SNS::Topic", "TopicName", "AWS::SQS::Queue", "QueueName",
            "AWS::Logs::LogGroup", "LogGroupName", "AWS::IAM::Role", "RoleName",
            "AWS::OpenSearchService::Domain", "DomainName", "AWS::AutoScaling::AutoScalingGroup", "AutoScalingGroupName");

    private final Template template;
    private final Scenario scenario;

    Arns(Template template, Scenario scenario) {
        this.template = template;
        this.scenario = scenario;
    }

    /** The physical name of a resource (its name property, else the logical id). */
    String physicalName(String id) {
        Map<String, Object> resource = template.resource(id);
        String property = NAME_PROPERTY.get(Template.type(resource));
        Object named = property == null ? null : Template.properties(resource).get(property);
        return named == null ? id : eval(named);
    }

    String ref(String name) {
        switch (name) {
            case "AWS::Partition": return PARTITION;
            case "AWS::Region": return REGION;
            case "AWS::AccountId": return ACCOUNT;
            case "AWS::StackName": return STACK;
            case "AWS::URLSuffix": return "amazonaws.com";
            default: break;
        }
        if (template.parameters().containsKey(name)) {
            return scenario.parameter(name);
        }
        if (!template.resources().containsKey(name)) {
            return null;
        }
        String physical = physicalName(name);
        return switch (Template.type(template.resource(name))) {
            case "AWS::SNS::Topic" -> "arn:" + PARTITION + ":sns:" + REGION + ":" + ACCOUNT + ":" + physical;
            case "AWS::SQS::Queue" -> "https://sqs." + REGION + ".amazonaws.com/" + ACCOUNT + "/" + physical;
            default -> physical;
        };
    }

    String getAtt(String id, String attribute) {
        if (!template.resources().containsKey(id)) {
            return null;
        }
        String type = Template.type(template.resource(id));
        String name = physicalName(id);
        String prefix = "arn:" + PARTITION + ":";
        String regional = REGION + ":" + ACCOUNT + ":";
        return switch (type + "." + attribute) {
            case "AWS::DynamoDB::Table.Arn" -> prefix + "dynamodb:" + regional + "table/" + name;
            case "AWS::DynamoDB::Table.StreamArn" -> prefix + "dynamodb:" + regional + "table/" + name
                    + "/stream/2026-01-01T00:00:00.000";
            case "AWS::SQS::Queue.Arn" -> prefix + "sqs:" + regional + name;
            case "AWS::SQS::Queue.QueueName" -> name;
            case "AWS::SQS::Queue.QueueUrl" -> ref(id);
            case "AWS::SNS::Topic.TopicArn" -> ref(id);
            case "AWS::KMS::Key.Arn" -> prefix + "kms:" + regional + "key/" + id;
            case "AWS::Logs::LogGroup.Arn" -> prefix + "logs:" + regional + "log-group:" + name + ":*";
            case "AWS::IAM::Role.Arn" -> prefix + "iam::" + ACCOUNT + ":role/" + name;
            case "AWS::OpenSearchService::Domain.Arn" -> prefix + "es:" + regional + "domain/" + name;
            case "AWS::OpenSearchService::Domain.DomainEndpoint" -> "vpc-" + name + ".us-east-1.es.amazonaws.com";
            default -> null;
        };
    }

    /** The string value of an expression (after the scenario's Fn::If), or null when not modelled. */
    String eval(Object value) {
        Object v = scenario.resolve(value);
        if (v instanceof String || v instanceof Number || v instanceof Boolean) {
            return String.valueOf(v);
        }
        String fn = Template.intrinsic(v);
        if (fn == null) {
            return null;
        }
        Object arg = Template.intrinsicArgument(v);
        switch (fn) {
            case "Ref":
                return ref(String.valueOf(arg));
            case "Fn::GetAtt": {
                List<Object> parts = arg instanceof String s ? List.of((Object[]) s.split("\\.", 2)) : Template.list(arg);
                return getAtt(String.valueOf(parts.get(0)), String.valueOf(parts.get(1)));
            }
            case "Fn::Sub": {
                String text = arg instanceof String s ? s : String.valueOf(Template.list(arg).get(0));
                Map<String, Object> vars = arg instanceof String ? Map.of() : Template.map(Template.list(arg).get(1));
                Matcher m = SUB_TOKEN.matcher(text);
                StringBuilder out = new StringBuilder();
                while (m.find()) {
                    String token = m.group(1);
                    String replacement;
                    if (vars.containsKey(token)) {
                        replacement = eval(vars.get(token));
                    } else if (token.contains(".") && !token.startsWith("AWS::")) {
                        replacement = getAtt(token.substring(0, token.indexOf('.')), token.substring(token.indexOf('.') + 1));
                    } else {
                        replacement = ref(token);
                    }
                    if (replacement == null) {
                        return null;
                    }
                    m.appendReplacement(out, Matcher.quoteReplacement(replacement));
                }
                m.appendTail(out);
                return out.toString();
            }
            case "Fn::Join": {
                List<Object> args = Template.list(arg);
                List<String> parts = new ArrayList<>();
                for (Object p : Template.list(args.get(1))) {
                    String s = eval(p);
                    if (s == null) {
                        return null;
                    }
                    parts.add(s);
                }
                return String.join(String.valueOf(args.get(0)), parts);
            }
            default:
                return null;
        }
    }

    /** IAM's wildcard match: {@code *} any run of characters, {@code ?} one character. */
    static boolean matches(String pattern, String value) {
        StringBuilder regex = new StringBuilder();
        for (char c : pattern.toCharArray()) {
            regex.append(c == '*' ? ".*" : c == '?' ? "." : Pattern.quote(String.valueOf(c)));
        }
        return value.matches(regex.toString());
    }
}
