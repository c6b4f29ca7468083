package io.userstreams.template;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.userstreams.core.config.ReactionId;
import io.userstreams.lambda.EmbeddedMetrics;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.lang.reflect.Field;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import software.amazon.kinesis.lifecycle.ProcessTask;
import software.amazon.kinesis.metrics.MetricsUtil;

/**
 * Every alarm and every dashboard widget references a series something emits: KCL (names read from
 * its classes), the Lambda handlers' embedded metrics (from what EmbeddedMetrics prints), or an AWS
 * service (the table below, with its documentation). A series is a namespace, a metric name and its
 * exact dimension names; fixed dimension values must match, the others must name the right resource.
 */
class MetricsTest {

    /** A dimension value: a fixed string, or "a resource of this kind" ({@code ref:...}). */
    record Series(String namespace, String metric, Map<String, String> dimensions, String source) {
    }

    static final String KCL_NAMESPACE = "ref:KclApplicationName";
    static final String FUNCTION = "ref:stream-function";
    static final String ANY_FUNCTION = "ref:function";
    static final String QUEUE = "ref:queue-name";
    static final String DOMAIN = "ref:domain";
    static final String ACCOUNT = "ref:account";
    static final String GROUP = "ref:autoscaling-group";
    static final String ANY = "any";

    private static final ObjectMapper JSON = new ObjectMapper();
    private final Template template = Fixtures.template();

    /** AWS service metrics the template uses, with the page that documents their dimensions. */
    static List<Series> awsServiceSeries() {
        List<Series> out = new ArrayList<>();
        String lambda = "https://docs.aws.amazon.com/lambda/latest/dg/monitoring-metrics-types.html (dimension FunctionName)";
        for (String m : List.of("IteratorAge", "Errors", "Invocations", "Throttles", "Duration")) {
            out.add(new Series("AWS/Lambda", m, Map.of("FunctionName", ANY_FUNCTION), lambda));
        }
        String sqs = "https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-available-cloudwatch-metrics.html (dimension QueueName)";
        for (String m : List.of("ApproximateNumberOfMessagesVisible", "ApproximateAgeOfOldestMessage", "NumberOfMessagesSent")) {
            out.add(new Series("AWS/SQS", m, Map.of("QueueName", QUEUE), sqs));
        }
        String es = "https://docs.aws.amazon.com/opensearch-service/latest/developerguide/managedomains-cloudwatchmetrics.html (cluster metrics: dimensions ClientId, DomainName)";
        for (String m : List.of("ClusterStatus.red", "FreeStorageSpace", "ClusterIndexWritesBlocked", "JVMMemoryPressure")) {
            out.add(new Series("AWS/ES", m, Map.of("DomainName", DOMAIN, "ClientId", ACCOUNT), es));
        }
        out.add(new Series("AWS/SES", "Reputation.BounceRate", Map.of(),
                "https://docs.aws.amazon.com/ses/latest/dg/reputation-dashboard-dg.html (account-level reputation metrics, no dimension)"));
        out.add(new Series("AWS/AutoScaling", "GroupInServiceInstances", Map.of("AutoScalingGroupName", GROUP),
                "https://docs.aws.amazon.com/autoscaling/ec2/userguide/ec2-auto-scaling-metrics.html (group metrics, with MetricsCollection on)"));
        return out;
    }

    /**
     * KCL 3.1.1's ProcessTask: at the SUMMARY level (the consumer's level outside local mode) it adds
     * RecordsProcessed and MillisBehindLatest to a scope with Operation=ProcessTask and ShardId, and
     * MillisBehindLatest again to one with Operation=ApplicationTracker only (no shard).
     */
    static List<Series> kclSeries() throws ReflectiveOperationException {
        String operation = MetricsUtil.OPERATION_DIMENSION_NAME;
        String shard = MetricsUtil.SHARD_ID_DIMENSION_NAME;
        String processTask = constant("PROCESS_TASK_OPERATION");
        String tracker = constant("APPLICATION_TRACKER_OPERATION");
        String lag = constant("MILLIS_BEHIND_LATEST_METRIC");
        String records = constant("RECORDS_PROCESSED_METRIC");
        String source = "KCL " + ProcessTask.class.getName();
        return List.of(new Series(KCL_NAMESPACE, lag, Map.of(operation, tracker), source),
                new Series(KCL_NAMESPACE, lag, Map.of(operation, processTask, shard, ANY), source),
                new Series(KCL_NAMESPACE, records, Map.of(operation, processTask, shard, ANY), source));
    }

    private static String constant(String name) throws ReflectiveOperationException {
        Field f = ProcessTask.class.getDeclaredField(name);
        f.setAccessible(true);
        return (String) f.get(null);
    }

    /** What the Lambda handlers' EmbeddedMetrics print (every metric, every Reaction value). */
    static List<Series> embeddedSeries() throws Exception {
        ByteArrayOutputStream buffer = new ByteArrayOutputStream();
        EmbeddedMetrics metrics = new EmbeddedMetrics("fn", new PrintStream(buffer, true, StandardCharsets.UTF_8), Clock.systemUTC());
        for (ReactionId r : ReactionId.values()) {
            metrics.recordProcessed(r, null);
        }
        metrics.recordUnconvertible();
        metrics.flushBatch(1, 1, 1, 5);
        List<Series> out = new ArrayList<>();
        for (String line : buffer.toString(StandardCharsets.UTF_8).split("\n")) {
            JsonNode doc = JSON.readTree(line);
            for (JsonNode directive : doc.path("_aws").path("CloudWatchMetrics")) {
                for (JsonNode set : directive.path("Dimensions")) {
                    for (JsonNode metric : directive.path("Metrics")) {
                        Map<String, String> dims = new LinkedHashMap<>();
                        for (JsonNode d : set) {
                            String name = d.asText();
                            dims.put(name, name.equals("FunctionName") ? FUNCTION : doc.path(name).asText());
                        }
                        out.add(new Series(directive.path("Namespace").asText(), metric.path("Name").asText(), dims,
                                "EmbeddedMetrics (stream-handlers)"));
                    }
                }
            }
        }
        return out;
    }

    static List<Series> catalog() throws Exception {
        List<Series> all = new ArrayList<>(awsServiceSeries());
        all.addAll(kclSeries());
        all.addAll(embeddedSeries());
        all.addAll(logFilterSeries(Fixtures.template()));
        return all;
    }

    /**
     * Series the template's log metric filters make from the mail sender's JSON lines: each filter
     * must match an {@code outcome} the sender logs (MailOutcome.Kind), or it would never count.
     */
    static List<Series> logFilterSeries(Template t) {
        List<Series> out = new ArrayList<>();
        java.util.regex.Pattern outcome = java.util.regex.Pattern.compile("\\$\\.outcome\\s*=\\s*\"([A-Z_]+)\"");
        for (String id : t.ofType("AWS::Logs::MetricFilter")) {
            Map<String, Object> props = Template.properties(t.resource(id));
            java.util.regex.Matcher m = outcome.matcher(String.valueOf(props.get("FilterPattern")));
            if (!m.find() || java.util.Arrays.stream(io.userstreams.mail.MailOutcome.Kind.values())
                    .noneMatch(k -> k.name().equals(m.group(1)))) {
                continue;
            }
            for (Object raw : Template.list(props.get("MetricTransformations"))) {
                Map<String, Object> tr = Template.map(raw);
                out.add(new Series(String.valueOf(tr.get("MetricNamespace")), String.valueOf(tr.get("MetricName")),
                        Map.of(), "log metric filter " + id + " on the mail sender's outcome " + m.group(1)));
            }
        }
        return out;
    }

    /** A metric the template references: where, namespace, name, dimensions as template expressions. */
    record Use(String where, Object namespace, String metric, Map<String, Object> dimensions) {
    }

    static List<Use> alarms(Template t, Scenario s) {
        List<Use> out = new ArrayList<>();
        for (String id : s.existing("AWS::CloudWatch::Alarm")) {
            Map<String, Object> p = Template.map(s.resolve(Template.properties(t.resource(id))));
            Map<String, Object> dims = new LinkedHashMap<>();
            for (Object d : Template.list(p.get("Dimensions"))) {
                dims.put(String.valueOf(Template.map(d).get("Name")), Template.map(d).get("Value"));
            }
            out.add(new Use(id, p.get("Namespace"), String.valueOf(p.get("MetricName")), dims));
        }
        return out;
    }

    private static final Pattern SEARCH = Pattern.compile("SEARCH\\('\\{((?:\\$\\{[^}]*}|[^}])*)}([^']*)'");
    private static final Pattern TERM = Pattern.compile("(\\w+)=\"([^\"]*)\"");

    /** The dashboard's metrics (each Fn::If branch that exists in the scenario): arrays and SEARCH expressions. */
    static List<Use> dashboard(Template t, Scenario s) throws Exception {
        List<Use> out = new ArrayList<>();
        for (String id : s.existing("AWS::CloudWatch::Dashboard")) {
            Object body = s.resolve(Template.properties(t.resource(id)).get("DashboardBody"));
            String text = String.valueOf(Template.intrinsicArgument(body));
            JsonNode doc = JSON.readTree(text);
            int w = 0;
            for (JsonNode widget : doc.path("widgets")) {
                String where = id + ".widgets[" + w++ + "] " + widget.path("properties").path("title").asText();
                for (JsonNode m : widget.path("properties").path("metrics")) {
                    if (m.isArray()) {
                        Map<String, Object> dims = new LinkedHashMap<>();
                        int end = m.get(m.size() - 1).isObject() ? m.size() - 1 : m.size();
                        for (int i = 2; i + 1 < end; i += 2) {
                            dims.put(m.get(i).asText(), token(m.get(i + 1).asText()));
                        }
                        out.add(new Use(where, token(m.get(0).asText()), m.get(1).asText(), dims));
                    } else {
                        Matcher search = SEARCH.matcher(m.path("expression").asText());
                        assertThat(search.find()).as(where + ": only SEARCH expressions are understood: " + m).isTrue();
                        String[] schema = search.group(1).split(",");
                        Map<String, Object> dims = new LinkedHashMap<>();
                        for (int i = 1; i < schema.length; i++) {
                            dims.put(schema[i].trim(), ANY);
                        }
                        String metric = null;
                        Matcher term = TERM.matcher(search.group(2));
                        while (term.find()) {
                            if (term.group(1).equals("MetricName")) {
                                metric = term.group(2);
                            } else {
                                dims.put(term.group(1), term.group(2));
                            }
                        }
                        out.add(new Use(where, token(schema[0].trim()), metric, dims));
                    }
                }
            }
        }
        return out;
    }

    /** "${X}" in a Fn::Sub text as the template expression it stands for. */
    private static Object token(String text) {
        Matcher m = Pattern.compile("^\\$\\{([^}]+)}$").matcher(text);
        if (!m.find()) {
            return text;
        }
        String name = m.group(1);
        return name.contains(".") && !name.startsWith("AWS::")
                ? Map.of("Fn::GetAtt", List.of(name.substring(0, name.indexOf('.')), name.substring(name.indexOf('.') + 1)))
                : Map.of("Ref", name);
    }

    /** Why a use matches no emitted series (empty when it matches one). */
    static List<String> unmatched(Template t, Scenario s, List<Use> uses, List<Series> catalog) {
        List<String> errors = new ArrayList<>();
        for (Use u : uses) {
            String namespace = Template.isRef(u.namespace(), "KclApplicationName") ? KCL_NAMESPACE : String.valueOf(u.namespace());
            boolean found = catalog.stream().anyMatch(series -> series.namespace().equals(namespace)
                    && series.metric().equals(u.metric())
                    && series.dimensions().keySet().equals(u.dimensions().keySet())
                    && series.dimensions().entrySet().stream().allMatch(d -> valueFits(t, s, d.getValue(), u.dimensions().get(d.getKey()))));
            if (!found) {
                errors.add(s + " " + u.where() + ": no emitted series " + namespace + " " + u.metric() + " "
                        + new TreeSet<>(u.dimensions().keySet()) + " with " + u.dimensions());
            }
        }
        return errors;
    }

    private static boolean valueFits(Template t, Scenario s, String expected, Object value) {
        if (expected.equals(ANY)) {
            return true;
        }
        if (!expected.startsWith("ref:")) {
            return expected.equals(value);
        }
        String fn = Template.intrinsic(value);
        Object arg = Template.intrinsicArgument(value);
        String target = "Ref".equals(fn) ? String.valueOf(arg)
                : "Fn::GetAtt".equals(fn) ? String.valueOf(Template.list(arg).get(0)) : null;
        if (target == null) {
            return false;
        }
        String type = t.resources().containsKey(target) ? Template.type(t.resource(target)) : "";
        return switch (expected) {
            case FUNCTION -> "Ref".equals(fn) && TemplateChecks.runtimes(t, s).stream()
                    .anyMatch(r -> r.id().equals(target) && r.kind() == TemplateChecks.Runtime.Kind.LAMBDA_STREAM);
            case ANY_FUNCTION -> "Ref".equals(fn) && type.equals("AWS::Serverless::Function");
            case QUEUE -> "Fn::GetAtt".equals(fn) && type.equals("AWS::SQS::Queue")
                    && Template.list(arg).get(1).equals("QueueName");
            case DOMAIN -> "Ref".equals(fn) && type.equals("AWS::OpenSearchService::Domain");
            case ACCOUNT -> target.equals("AWS::AccountId");
            case GROUP -> "Ref".equals(fn) && type.equals("AWS::AutoScaling::AutoScalingGroup");
            default -> false;
        };
    }

    @Test
    void everyAlarmWatchesAnEmittedSeries() throws Exception {
        List<Series> catalog = catalog();
        for (Scenario s : Fixtures.scenarios(template)) {
            List<Use> alarms = alarms(template, s);
            assertThat(unmatched(template, s, alarms, catalog)).isEmpty();
            assertThat(alarms).hasSizeGreaterThanOrEqualTo(9);
        }
    }

    @Test
    void everyDashboardWidgetShowsEmittedSeries() throws Exception {
        List<Series> catalog = catalog();
        for (Scenario s : Fixtures.scenarios(template)) {
            List<Use> widgets = dashboard(template, s);
            assertThat(unmatched(template, s, widgets, catalog)).isEmpty();
            assertThat(widgets).hasSizeGreaterThanOrEqualTo(12);
        }
    }

    @Test
    void theCatalogComesFromTheCode() throws Exception {
        assertThat(kclSeries()).contains(new Series(KCL_NAMESPACE, "MillisBehindLatest", Map.of("Operation", "ApplicationTracker"),
                "KCL " + ProcessTask.class.getName()));
        Set<String> emf = new TreeSet<>();
        embeddedSeries().forEach(x -> emf.add(x.metric() + x.dimensions()));
        assertThat(emf).contains("Records{FunctionName=" + FUNCTION + ", Reaction=all}",
                "Failures{FunctionName=" + FUNCTION + ", Reaction=welcome-email}", "IteratorAgeMs{FunctionName=" + FUNCTION + ", Reaction=all}");
    }

    /** The defect this found: ProcessTask's MillisBehindLatest carries ShardId, so the shard-less alarm never had data. */
    @Test
    void anAlarmOnASeriesNobodyEmitsFails() throws Exception {
        Template bad = template.mutate(r -> Template.map(Template.list(Fixtures.properties(r, "ConsumerLagAlarm").get("Dimensions")).get(0))
                .put("Value", "ProcessTask"));
        Scenario kcl = Fixtures.scenario(bad, "kcl-ec2");
        assertThat(unmatched(bad, kcl, alarms(bad, kcl), catalog()))
                .anyMatch(e -> e.contains("ConsumerLagAlarm: no emitted series " + KCL_NAMESPACE + " MillisBehindLatest [Operation]"));
        Template wrongQueue = template.mutate(r -> Template.map(Template.list(Fixtures.properties(r, "DeadLetterQueueAlarm")
                .get("Dimensions")).get(0)).put("Value", Map.of("Ref", "DeadLetterQueue")));
        assertThat(unmatched(wrongQueue, kcl, alarms(wrongQueue, kcl), catalog()))
                .anyMatch(e -> e.contains("DeadLetterQueueAlarm: no emitted series AWS/SQS"));
    }

    @Test
    void aWidgetOnAMetricNobodyEmitsFails() throws Exception {
        Template bad = template.mutate(r -> {
            List<Object> branches = Template.list(Template.map(Fixtures.properties(r, "Dashboard").get("DashboardBody")).get("Fn::If"));
            Map<String, Object> kclBranch = Template.map(branches.get(1));
            kclBranch.put("Fn::Sub", String.valueOf(kclBranch.get("Fn::Sub")).replace("\"IteratorAge\"", "\"IteratorAgeMillis\""));
        });
        Scenario kcl = Fixtures.scenario(bad, "kcl-ec2");
        assertThat(unmatched(bad, kcl, dashboard(bad, kcl), catalog()))
                .anyMatch(e -> e.contains("no emitted series AWS/Lambda IteratorAgeMillis [FunctionName]"));
    }
}
