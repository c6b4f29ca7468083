package io.userstreams.template;

import io.userstreams.core.config.CoreSettings;
import io.userstreams.core.config.ReactionId;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The AWS calls the runtimes made in their modules' tests (core's CallRecorder writes
 * {@code <module>/target/recorded-calls/<module>.txt}), turned into the IAM requests they are in a
 * deployment of the template: action, resource ARN (resolved with the template's names) and the
 * condition keys they carry. On top come the requests AWS makes with a runtime's role on its behalf,
 * which no code of ours records (a small table below, each row with its source).
 */
final class RecordedCalls {

    /** One recorded line: scope (reaction id, {@code runtime}, {@code users-api}), SDK service, operation, fields. */
    record Call(String scope, String service, String operation, Map<String, String> fields, String line) {
    }

    /** One IAM request a runtime's role must allow: action, resource ARN, condition context, and why. */
    record Request(String action, String arn, Map<String, String> context, String why) {
    }

    static final String STREAM_HANDLERS = "stream-handlers";
    static final String KCL_CONSUMER = "kcl-consumer";
    static final String MAIL_SENDER = "mail-sender";
    static final String RUNTIME_SCOPE = "runtime";

    /** IAM prefix per SDK service name. */
    static final Map<String, String> IAM_PREFIX = Map.of("DynamoDb", "dynamodb", "DynamoDbStreams", "dynamodb",
            "Sns", "sns", "Sqs", "sqs", "CloudWatch", "cloudwatch", "es", "es");

    /**
     * Operations authorized by another action (Service Authorization Reference,
     * https://docs.aws.amazon.com/service-authorization/latest/reference/reference_policies_actions-resources-contextkeys.html;
     * SNS PublishBatch: https://docs.aws.amazon.com/sns/latest/api/API_PublishBatch.html "requires sns:Publish";
     * SQS batch actions: https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-api-permissions-reference.html).
     * TransactWriteItems is authorized per item (PutItem, UpdateItem, DeleteItem, ConditionCheckItem): the recorder writes one line per item.
     */
    static final Map<String, String> AUTHORIZED_AS = Map.of("Sns:PublishBatch", "Publish",
            "Sqs:SendMessageBatch", "SendMessage", "Sqs:DeleteMessageBatch", "DeleteMessage",
            "Sqs:ChangeMessageVisibilityBatch", "ChangeMessageVisibility", "DynamoDb:TransactGetItems", "GetItem");

    /**
     * Calls the code makes only when a variable is unset (local-mode lookups): not made by a runtime
     * whose template environment sets that variable. Key: service:operation[@local table name].
     */
    static final Map<String, String> ONLY_WITHOUT_VARIABLE = Map.of(
            "Sqs:GetQueueUrl", CoreSettings.DEAD_LETTER_QUEUE_URL,
            "DynamoDb:DescribeTable@users", "STREAM_ARN");

    private RecordedCalls() {
    }

    private static boolean madeInDeployment(Call c, TemplateChecks.Runtime r) {
        String key = c.service() + ":" + c.operation();
        String variable = ONLY_WITHOUT_VARIABLE.getOrDefault(key,
                ONLY_WITHOUT_VARIABLE.get(key + "@" + c.fields().getOrDefault("table", "")));
        return variable == null || !r.environment().containsKey(variable);
    }

    /** Where a module's recording is: the directory from the build, else the sibling module's target. */
    static Path file(String module) {
        String root = System.getProperty("userstreams.root", "..");
        return Path.of(root, module, "target", "recorded-calls", module + ".txt");
    }

    /** The calls recorded by a module's tests; fails when there are none (module not built with its tests). */
    static List<Call> read(String module) {
        return read(file(module), "the tests of " + module);
    }

    static final String FAULT_SUITE = "fault-suite";

    /**
     * A runtime module's calls: its own tests' and the fault suite's, which runs that runtime under
     * faults (fault-suite/target/recorded-calls/fault-suite-lambda.txt for stream-handlers,
     * fault-suite-kcl.txt for kcl-consumer). Fails when either recording is missing.
     */
    static List<Call> readWithFaultSuite(String module) {
        String runtime = switch (module) {
            case STREAM_HANDLERS -> "lambda";
            case KCL_CONSUMER -> "kcl";
            default -> throw new IllegalArgumentException("the fault suite runs no " + module);
        };
        String root = System.getProperty("userstreams.root", "..");
        Path suite = Path.of(root, FAULT_SUITE, "target", "recorded-calls", FAULT_SUITE + "-" + runtime + ".txt");
        List<Call> calls = new ArrayList<>(read(module));
        Set<String> lines = new java.util.HashSet<>();
        calls.forEach(c -> lines.add(c.line()));
        read(suite, "the fault suite (FaultSuiteTest)").stream().filter(c -> lines.add(c.line())).forEach(calls::add);
        return calls;
    }

    private static List<Call> read(Path file, String madeBy) {
        if (!Files.isRegularFile(file)) {
            throw new IllegalStateException(file.toAbsolutePath().normalize() + " is missing: the permission check needs "
                    + "the AWS calls recorded by " + madeBy + ". Run them first, e.g. "
                    + "mvn -B -pl template-tests -am verify (without -DskipTests).");
        }
        try {
            return parse(Files.readAllLines(file));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static List<Call> parse(List<String> lines) {
        Set<Call> out = new LinkedHashSet<>();
        for (String line : lines) {
            if (line.isBlank()) {
                continue;
            }
            String[] parts = line.split("\t");
            Map<String, String> fields = new TreeMap<>();
            for (int i = 3; i < parts.length; i++) {
                int eq = parts[i].indexOf('=');
                fields.merge(parts[i].substring(0, eq), parts[i].substring(eq + 1), (a, b) -> a + "," + b);
            }
            out.add(new Call(parts[0], parts[1], parts[2], fields, line));
        }
        return new ArrayList<>(out);
    }

    /** The module whose tests run a template runtime, and the scopes of its calls that runtime makes. */
    static String module(Template t, TemplateChecks.Runtime r) {
        if (r.kind() == TemplateChecks.Runtime.Kind.KCL) {
            return KCL_CONSUMER;
        }
        String handler = String.valueOf(Template.properties(t.resource(r.id())).get("Handler"));
        return handler.startsWith("io.userstreams.mail.") ? MAIL_SENDER : STREAM_HANDLERS;
    }

    /**
     * The scopes of a runtime's calls: a stream runtime's own and its reactions'; any other function's
     * is the {@code CALL_SCOPE} constant of its handler class (which opens that scope around its work).
     */
    static Set<String> scopes(Template t, TemplateChecks.Runtime r, List<String> errors) {
        if (r.kind() == TemplateChecks.Runtime.Kind.LAMBDA_API) {
            String handler = String.valueOf(Template.properties(t.resource(r.id())).get("Handler"));
            String className = handler.contains("::") ? handler.substring(0, handler.indexOf("::")) : handler;
            try {
                Class<?> type = Class.forName(className, false, RecordedCalls.class.getClassLoader());
                return Set.of(String.valueOf(type.getField("CALL_SCOPE").get(null)));
            } catch (ReflectiveOperationException e) {
                errors.add("handler " + className + " has no public static CALL_SCOPE naming the scope of its recorded"
                        + " calls (open it with CallRecorder.scope around the handler's work): " + e);
                return Set.of();
            }
        }
        Set<String> scopes = new LinkedHashSet<>();
        scopes.add(RUNTIME_SCOPE);
        for (ReactionId reaction : ReactionId.parseList(String.valueOf(r.environment().get(CoreSettings.REACTIONS)))) {
            scopes.add(reaction.id());
        }
        return scopes;
    }

    /** The IAM requests of one runtime: its recorded calls, the KMS use they imply, and AWS's calls with its role. */
    static List<Request> requests(Template t, Scenario s, TemplateChecks.Runtime r, List<Call> calls, List<String> errors) {
        Arns arns = new Arns(t, s);
        Names names = new Names(t, s, arns);
        List<Request> out = new ArrayList<>();
        Set<String> scopes = scopes(t, r, errors);
        for (Call c : calls) {
            if (!scopes.contains(c.scope()) || !madeInDeployment(c, r)) {
                continue;
            }
            Request request = names.request(c, r.kind() == TemplateChecks.Runtime.Kind.KCL, errors);
            if (request != null) {
                out.add(request);
                out.addAll(names.impliedKms(request));
            }
        }
        List<Request> platform = platform(t, s, r, arns);
        for (Request p : platform) {
            out.add(p);
            out.addAll(names.impliedKms(p));
        }
        return out;
    }

    /**
     * Requests AWS makes with the runtime's role, not our code:
     * <ul>
     * <li>a function's log group: Lambda writes the logs with the execution role
     *     (https://docs.aws.amazon.com/lambda/latest/dg/monitoring-cloudwatchlogs.html: logs:CreateLogStream, logs:PutLogEvents);</li>
     * <li>a DynamoDB event source: Lambda reads the stream with the execution role
     *     (https://docs.aws.amazon.com/lambda/latest/dg/with-ddb.html#events-dynamodb-permissions:
     *     dynamodb:DescribeStream, GetRecords, GetShardIterator, ListStreams), and sends failed batches'
     *     records to the OnFailure destination (sqs:SendMessage);</li>
     * <li>VpcConfig: Lambda manages the network interfaces with the execution role
     *     (https://docs.aws.amazon.com/lambda/latest/dg/configuration-vpc.html#configuration-vpc-permissions);</li>
     * <li>the consumer instance's user data: {@code aws s3 cp} of the jar (s3:GetObject, with
     *     {@code --version-id} s3:GetObjectVersion), {@code aws autoscaling set-instance-health}
     *     (autoscaling:SetInstanceHealth on the group), and the CloudWatch agent shipping the log file
     *     (https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/create-iam-roles-for-cloudwatch-agent.html:
     *     logs:CreateLogStream, PutLogEvents, DescribeLogStreams on the configured group);</li>
     * <li>KCL's metrics (cloudwatch:PutMetricData in the application's namespace), which the consumer
     *     publishes only outside local mode.</li>
     * </ul>
     */
    static List<Request> platform(Template t, Scenario s, TemplateChecks.Runtime r, Arns arns) {
        List<Request> out = new ArrayList<>();
        if (r.kind() != TemplateChecks.Runtime.Kind.LAMBDA_API && ReactionId.parseList(
                String.valueOf(r.environment().get(CoreSettings.REACTIONS))).contains(ReactionId.DERIVED_TABLES)) {
            // Two users claiming one email: derived-tables reads both from the users table
            // (TransactGetItems). Proven against the real server by core's UsersByEmailIntegrationTest;
            // the runtimes' own tests never contest an email, so they cannot record it.
            out.add(new Request("dynamodb:GetItem", arns.getAtt(TemplateChecks.usersTableId(t), "Arn"), Map.of(),
                    "derived-tables settles a contested email from the users table"));
        }
        if (r.kind() != TemplateChecks.Runtime.Kind.KCL) {
            Map<String, Object> props = Template.map(s.resolve(Template.properties(t.resource(r.id()))));
            Object logGroup = Template.map(props.get("LoggingConfig")).get("LogGroup");
            String group = logGroup == null ? "/aws/lambda/" + r.id() : arns.eval(logGroup);
            String stream = "arn:aws:logs:" + Arns.REGION + ":" + Arns.ACCOUNT + ":log-group:" + group
                    + ":log-stream:2026/01/01/[$LATEST]0123456789abcdef";
            for (String a : List.of("logs:CreateLogStream", "logs:PutLogEvents")) {
                out.add(new Request(a, stream, Map.of(), "Lambda writes the function's logs"));
            }
            for (Object raw : Template.map(props.get("Events")).values()) {
                Map<String, Object> event = Template.map(raw);
                if (!"DynamoDB".equals(event.get("Type"))) {
                    continue;
                }
                Map<String, Object> ep = Template.map(event.get("Properties"));
                String streamArn = arns.eval(ep.get("Stream"));
                for (String a : List.of("dynamodb:DescribeStream", "dynamodb:GetRecords", "dynamodb:GetShardIterator",
                        "dynamodb:ListStreams")) {
                    out.add(new Request(a, streamArn, Map.of(), "Lambda's event source mapping reads the stream"));
                }
                Object destination = Template.map(Template.map(ep.get("DestinationConfig")).get("OnFailure")).get("Destination");
                if (destination != null) {
                    out.add(new Request("sqs:SendMessage", arns.eval(destination), Map.of(),
                            "Lambda sends failed batches to the OnFailure destination"));
                }
            }
            if (props.containsKey("VpcConfig")) {
                for (String a : List.of("ec2:CreateNetworkInterface", "ec2:DescribeNetworkInterfaces", "ec2:DescribeSubnets",
                        "ec2:DeleteNetworkInterface", "ec2:AssignPrivateIpAddresses", "ec2:UnassignPrivateIpAddresses")) {
                    out.add(new Request(a, "*", Map.of(), "Lambda manages the VPC function's network interfaces"));
                }
            }
            return out;
        }
        // KCL publishes its metrics only outside local mode (ConsumerApplication: NullMetricsFactory
        // locally, MetricsLevel.SUMMARY otherwise), so the tests cannot record it; the namespace is
        // KCL's default, the application name.
        Object application = r.environment().get("APPLICATION_NAME");
        if (application != null) {
            out.add(new Request("cloudwatch:PutMetricData", "*", Map.of("cloudwatch:namespace",
                    arns.eval(Map.of("Fn::Sub", String.valueOf(application)))),
                    "KCL publishes its metrics to CloudWatch (outside local mode)"));
        }
        Object lt = Template.map(Template.properties(t.resource(r.id())).get("LaunchTemplate")).get("LaunchTemplateId");
        String ltId = String.valueOf(Template.intrinsicArgument(lt));
        Object userData = Template.map(Template.map(Template.properties(t.resource(ltId))).get("LaunchTemplateData")).get("UserData");
        String script = arns.eval(Template.intrinsicArgument(userData));
        if (script == null) {
            throw new IllegalStateException(ltId + ": the user data could not be evaluated");
        }
        Matcher copy = Pattern.compile("aws s3 cp \"?s3://([^/\"\\s]*)/([^\"\\s]+)\"?").matcher(script);
        while (copy.find()) {
            String object = "arn:aws:s3:::" + copy.group(1) + "/" + copy.group(2);
            out.add(new Request("s3:GetObject", object, Map.of(), "the user data downloads the consumer jar"));
        }
        Matcher versioned = Pattern.compile("aws s3api get-object[^\\n]*--bucket \"?([^\"\\s]*)\"? --key \"?([^\"\\s]+)\"?"
                + "[^\\n]*--version-id").matcher(script);
        while (versioned.find()) {
            String object = "arn:aws:s3:::" + versioned.group(1) + "/" + versioned.group(2);
            out.add(new Request("s3:GetObject", object, Map.of(), "the user data downloads the consumer jar"));
            out.add(new Request("s3:GetObjectVersion", object, Map.of(), "the user data downloads a version of the consumer jar"));
        }
        if (script.contains("set-instance-health")) {
            String group = arns.physicalName(r.id());
            out.add(new Request("autoscaling:SetInstanceHealth", "arn:aws:autoscaling:" + Arns.REGION + ":" + Arns.ACCOUNT
                    + ":autoScalingGroup:00000000-0000-0000-0000-000000000000:autoScalingGroupName/" + group, Map.of(),
                    "the health probe marks a failing instance unhealthy"));
        }
        Matcher agent = Pattern.compile("\"log_group_name\": \"([^\"]+)\"").matcher(script);
        while (agent.find()) {
            String stream = "arn:aws:logs:" + Arns.REGION + ":" + Arns.ACCOUNT + ":log-group:" + agent.group(1)
                    + ":log-stream:i-0123456789abcdef0";
            for (String a : List.of("logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams")) {
                out.add(new Request(a, stream, Map.of(), "the CloudWatch agent ships the consumer's log"));
            }
        }
        return out;
    }

    /** Local names (Metadata.UserStreams.LocalName) to the template's resources and their deployed ARNs. */
    static final class Names {
        private final Template template;
        private final Scenario scenario;
        private final Arns arns;
        private final Map<String, String> byLocalName = new LinkedHashMap<>();

        Names(Template template, Scenario scenario, Arns arns) {
            this.template = template;
            this.scenario = scenario;
            this.arns = arns;
            template.resources().forEach((id, raw) -> {
                Object local = Template.map(Template.map(Template.map(raw).get("Metadata")).get("UserStreams")).get("LocalName");
                if (local != null) {
                    byLocalName.put(String.valueOf(local), id);
                }
            });
        }

        private String resource(String localName, String type) {
            String id = byLocalName.get(localName);
            return id != null && type.equals(Template.type(template.resource(id))) ? id : null;
        }

        /** A table's ARN: one of the template's by local name, else (KCL only) one of KCL's tables named after the application. */
        private String tableArn(String name, boolean kcl, List<String> errors, Call c) {
            String id = resource(name, "AWS::DynamoDB::Table");
            if (id != null) {
                return arns.getAtt(id, "Arn");
            }
            if (!kcl) {
                errors.add("recorded call on table " + name + ", which is not in the template: " + c.line());
                return null;
            }
            // KCL names its tables <application>, <application>-CoordinatorState, <application>-WorkerMetricStats.
            String suffix = name.endsWith("-CoordinatorState") ? "-CoordinatorState"
                    : name.endsWith("-WorkerMetricStats") ? "-WorkerMetricStats" : "";
            return "arn:aws:dynamodb:" + Arns.REGION + ":" + Arns.ACCOUNT + ":table/"
                    + scenario.parameter("KclApplicationName") + suffix;
        }

        Request request(Call c, boolean kcl, List<String> errors) {
            String prefix = IAM_PREFIX.get(c.service());
            if (prefix == null) {
                errors.add("recorded call to a service this check does not know: " + c.line());
                return null;
            }
            String action = prefix + ":" + c.fields().getOrDefault("item",
                    AUTHORIZED_AS.getOrDefault(c.service() + ":" + c.operation(), c.operation()));
            Map<String, String> f = c.fields();
            String why = "recorded: " + c.line().replace('\t', ' ');
            String regional = Arns.REGION + ":" + Arns.ACCOUNT + ":";
            String arn;
            Map<String, String> context = Map.of();
            if (f.containsKey("table")) {
                arn = tableArn(f.get("table"), kcl, errors, c);
                if (arn != null && f.containsKey("index")) {
                    arn += "/index/" + f.get("index");
                }
                if (arn != null && c.operation().equals("ListStreams")) {
                    arn += "/stream/*";
                }
            } else if (f.containsKey("stream")) {
                Matcher m = Pattern.compile("table/([^/]+)/stream/").matcher(f.get("stream"));
                arn = m.find() ? tableArn(m.group(1), kcl, errors, c) : null;
                arn = arn == null ? null : arn + "/stream/2026-01-01T00:00:00.000";
            } else if (c.operation().equals("GetRecords")) {
                // A shard iterator is opaque; the template has one stream (the users table's).
                arn = arns.getAtt(TemplateChecks.usersTableId(template), "StreamArn");
            } else if (f.containsKey("topic")) {
                String name = f.get("topic").substring(f.get("topic").lastIndexOf(':') + 1);
                String id = resource(name, "AWS::SNS::Topic");
                arn = id == null ? null : arns.ref(id);
            } else if (f.containsKey("queue")) {
                String name = f.get("queue").substring(f.get("queue").lastIndexOf('/') + 1);
                String id = resource(name, "AWS::SQS::Queue");
                arn = id == null ? null : arns.getAtt(id, "Arn");
            } else if (prefix.equals("es")) {
                String domain = TemplateChecks.only(template, "AWS::OpenSearchService::Domain");
                arn = "arn:aws:es:" + regional + "domain/" + arns.physicalName(domain) + "/"
                        + f.getOrDefault("path", "/").replaceFirst("^/", "");
            } else if (c.operation().equals("PutMetricData")) {
                arn = "*";
                String namespace = f.getOrDefault("namespace", "");
                // KCL's namespace is its application name (a test's own name locally).
                context = Map.of("cloudwatch:namespace", kcl && !namespace.startsWith("AWS/")
                        ? scenario.parameter("KclApplicationName") : namespace);
            } else if (c.operation().equals("ListStreams")) {
                arn = "*";
            } else {
                errors.add("recorded call without a resource this check can name: " + c.line());
                return null;
            }
            if (arn == null) {
                errors.add("recorded call on a resource the template does not have: " + c.line());
                return null;
            }
            return new Request(action, arn, context, why);
        }

        /**
         * Sending to a KMS-encrypted queue or topic needs kms:GenerateDataKey and kms:Decrypt on its key
         * (https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-key-management.html,
         * https://docs.aws.amazon.com/sns/latest/dg/sns-key-management.html).
         */
        List<Request> impliedKms(Request r) {
            if (!r.action().equals("sqs:SendMessage") && !r.action().equals("sns:Publish")) {
                return List.of();
            }
            for (String id : template.resources().keySet()) {
                String type = Template.type(template.resource(id));
                if (!scenario.exists(template.resource(id))
                        || !(type.equals("AWS::SQS::Queue") || type.equals("AWS::SNS::Topic"))) {
                    continue;
                }
                String arn = type.equals("AWS::SQS::Queue") ? arns.getAtt(id, "Arn") : arns.ref(id);
                if (!r.arn().equals(arn)) {
                    continue;
                }
                Object key = Template.properties(template.resource(id)).get("KmsMasterKeyId");
                if (key == null) {
                    return List.of();
                }
                String keyArn = "Ref".equals(Template.intrinsic(key))
                        ? arns.getAtt(String.valueOf(Template.intrinsicArgument(key)), "Arn") : arns.eval(key);
                if (keyArn == null || keyArn.startsWith("alias/aws/")) {
                    return List.of(); // an AWS managed key: its key policy grants the account's principals
                }
                String why = "sending to " + id + ", encrypted with " + keyArn;
                return List.of(new Request("kms:GenerateDataKey", keyArn, Map.of(), why),
                        new Request("kms:Decrypt", keyArn, Map.of(), why));
            }
            return List.of();
        }
    }
}
