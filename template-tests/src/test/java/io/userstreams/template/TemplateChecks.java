package io.userstreams.template;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestHandler;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPResponse;
import com.amazonaws.services.lambda.runtime.events.DynamodbEvent;
import com.amazonaws.services.lambda.runtime.events.StreamsEventResponse;
import io.userstreams.core.aws.AwsConnection;
import io.userstreams.core.config.CoreSettings;
import io.userstreams.core.config.ReactionId;
import io.userstreams.kcl.ConsumerSettings;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.Type;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Consistency of template.yaml with the code and with the rules of the team. Each check returns
 * its violations (empty = passes) so the tests can feed it mutated templates and see it fail.
 */
final class TemplateChecks {

    private TemplateChecks() {
    }

    // ================================================================== references

    private static final Pattern SUB_TOKEN = Pattern.compile("\\$\\{([^}!][^}]*)}");

    /** Every Ref, GetAtt (with a known attribute), Sub token, Condition and DependsOn names something real. */
    static List<String> references(Template t, ServiceSpec spec) {
        List<String> errors = new ArrayList<>();
        Set<String> resources = t.resources().keySet();
        Set<String> parameters = t.parameters().keySet();
        Set<String> conditions = t.conditions().keySet();
        Consumer<String> ref = name -> {
            if (!resources.contains(name) && !parameters.contains(name) && !Template.PSEUDO_PARAMETERS.contains(name)) {
                errors.add("Ref to unknown " + name);
            }
        };
        Consumer<List<String>> getAtt = ra -> {
            String id = ra.get(0);
            if (!resources.contains(id)) {
                errors.add("GetAtt of unknown resource " + id);
                return;
            }
            String type = Template.type(t.resource(id));
            if (spec.knowsType(type) && !spec.attributes(type).contains(ra.get(1))) {
                errors.add("GetAtt " + id + "." + ra.get(1) + ": " + type + " has no such attribute (has "
                        + spec.attributes(type) + ")");
            }
        };
        walk(t.root(), value -> {
            String fn = Template.intrinsic(value);
            if (fn == null) {
                return;
            }
            Object arg = Template.intrinsicArgument(value);
            switch (fn) {
                case "Ref" -> ref.accept(String.valueOf(arg));
                case "Fn::GetAtt" -> {
                    List<Object> parts = Template.list(arg);
                    if (parts.size() != 2 || !(parts.get(0) instanceof String) || !(parts.get(1) instanceof String)) {
                        errors.add("malformed GetAtt " + arg);
                    } else {
                        getAtt.accept(List.of((String) parts.get(0), (String) parts.get(1)));
                    }
                }
                case "Fn::Sub" -> {
                    String text;
                    Set<String> local = Set.of();
                    if (arg instanceof String s) {
                        text = s;
                    } else {
                        List<Object> parts = Template.list(arg);
                        text = String.valueOf(parts.get(0));
                        local = Template.map(parts.get(1)).keySet();
                    }
                    Matcher m = SUB_TOKEN.matcher(text);
                    while (m.find()) {
                        String token = m.group(1).trim();
                        if (local.contains(token)) {
                            continue;
                        }
                        int dot = token.indexOf('.');
                        if (dot > 0 && !token.startsWith("AWS::")) {
                            getAtt.accept(List.of(token.substring(0, dot), token.substring(dot + 1)));
                        } else {
                            ref.accept(token);
                        }
                    }
                }
                case "Condition" -> {
                    if (!conditions.contains(String.valueOf(arg))) {
                        errors.add("unknown condition " + arg);
                    }
                }
                case "Fn::If" -> {
                    Object c = Template.list(arg).isEmpty() ? null : Template.list(arg).get(0);
                    if (!conditions.contains(String.valueOf(c))) {
                        errors.add("Fn::If on unknown condition " + c);
                    }
                }
                default -> {
                }
            }
        });
        t.resources().forEach((id, raw) -> {
            Map<String, Object> r = Template.map(raw);
            if (r.containsKey("Condition") && !conditions.contains(String.valueOf(r.get("Condition")))) {
                errors.add(id + ": unknown condition " + r.get("Condition"));
            }
            Object dependsOn = r.get("DependsOn");
            List<Object> deps = dependsOn instanceof List<?> ? Template.list(dependsOn)
                    : dependsOn == null ? List.of() : List.of(dependsOn);
            for (Object d : deps) {
                if (!resources.contains(String.valueOf(d))) {
                    errors.add(id + ": DependsOn unknown " + d);
                }
            }
        });
        Template.map(t.root().get("Outputs")).forEach((id, o) -> {
            Object c = Template.map(o).get("Condition");
            if (c != null && !conditions.contains(String.valueOf(c))) {
                errors.add("output " + id + ": unknown condition " + c);
            }
        });
        return errors;
    }

    /**
     * Resources that depend on each other in a circle (through Ref, GetAtt, Sub or DependsOn):
     * CloudFormation rejects such a template before creating anything.
     */
    static List<String> dependencyCycles(Template t) {
        Set<String> resources = t.resources().keySet();
        Map<String, Set<String>> edges = new LinkedHashMap<>();
        t.resources().forEach((id, raw) -> {
            Map<String, Object> r = Template.map(raw);
            Set<String> out = new TreeSet<>();
            Object dependsOn = r.get("DependsOn");
            (dependsOn instanceof List<?> ? Template.list(dependsOn) : dependsOn == null ? List.of() : List.of(dependsOn))
                    .forEach(d -> out.add(String.valueOf(d)));
            walk(r.get("Properties"), value -> {
                String fn = Template.intrinsic(value);
                Object arg = fn == null ? null : Template.intrinsicArgument(value);
                if ("Ref".equals(fn)) {
                    out.add(String.valueOf(arg));
                } else if ("Fn::GetAtt".equals(fn) && !Template.list(arg).isEmpty()) {
                    out.add(String.valueOf(Template.list(arg).get(0)));
                } else if ("Fn::Sub".equals(fn)) {
                    String text = arg instanceof String str ? str : String.valueOf(Template.list(arg).get(0));
                    Matcher m = SUB_TOKEN.matcher(text);
                    while (m.find()) {
                        String token = m.group(1).trim();
                        out.add(token.contains(".") ? token.substring(0, token.indexOf('.')) : token);
                    }
                }
            });
            out.retainAll(resources);
            edges.put(id, out);
        });
        List<String> errors = new ArrayList<>();
        Map<String, Integer> state = new LinkedHashMap<>(); // 1 = on the path, 2 = done
        for (String id : edges.keySet()) {
            findCycle(id, edges, state, new ArrayList<>(), errors);
        }
        return errors;
    }

    private static void findCycle(String id, Map<String, Set<String>> edges, Map<String, Integer> state,
                                  List<String> path, List<String> errors) {
        Integer st = state.get(id);
        if (st != null && st == 2) {
            return;
        }
        if (st != null && st == 1) {
            List<String> cycle = new ArrayList<>(path.subList(path.indexOf(id), path.size()));
            cycle.add(id);
            errors.add("circular dependency: " + String.join(" -> ", cycle));
            return;
        }
        state.put(id, 1);
        path.add(id);
        for (String next : edges.getOrDefault(id, Set.of())) {
            findCycle(next, edges, state, path, errors);
        }
        path.remove(path.size() - 1);
        state.put(id, 2);
    }

    private static void walk(Object value, Consumer<Object> visitor) {
        visitor.accept(value);
        if (value instanceof Map<?, ?> m) {
            m.values().forEach(v -> walk(v, visitor));
        } else if (value instanceof List<?> l) {
            l.forEach(v -> walk(v, visitor));
        }
    }

    // ================================================================== handlers

    /** The event and response types a handler must take for the events its function receives. */
    record Signature(Class<?> input, Class<?> output) {
    }

    static final Map<String, Signature> SIGNATURE_BY_EVENT = Map.of(
            "DynamoDB", new Signature(DynamodbEvent.class, StreamsEventResponse.class),
            "HttpApi", new Signature(APIGatewayV2HTTPEvent.class, APIGatewayV2HTTPResponse.class),
            "SQS", new Signature(com.amazonaws.services.lambda.runtime.events.SQSEvent.class,
                    com.amazonaws.services.lambda.runtime.events.SQSBatchResponse.class),
            "SNS", new Signature(com.amazonaws.services.lambda.runtime.events.SNSEvent.class, Integer.class));

    /** Functions of the welcome mail path (fed by SQS / SNS, configured by MailSettings), not stream or API runtimes. */
    static boolean isMailPath(Template t, String functionId) {
        return Template.map(Template.properties(t.resource(functionId)).get("Events")).values().stream()
                .map(Template::map).anyMatch(e -> "SQS".equals(e.get("Type")) || "SNS".equals(e.get("Type")));
    }

    /**
     * Every function's Handler names a concrete public class with a public no-argument constructor
     * that implements {@code RequestHandler<In, Out>} for its events, and the named method takes
     * {@code (In, Context)} and returns {@code Out}.
     */
    static List<String> handlers(Template t, ClassLoader loader) {
        List<String> errors = new ArrayList<>();
        for (String id : t.ofType("AWS::Serverless::Function")) {
            Object handler = t.functionProperty(id, "Handler");
            if (!(handler instanceof String h) || !h.contains("::")) {
                errors.add(id + ": Handler must be a literal 'package.Class::method', was " + handler);
                continue;
            }
            Set<Signature> expected = new LinkedHashSet<>();
            Template.map(Template.properties(t.resource(id)).get("Events")).forEach((name, e) -> {
                String type = String.valueOf(Template.map(e).get("Type"));
                Signature s = SIGNATURE_BY_EVENT.get(type);
                if (s == null) {
                    errors.add(id + ": event " + name + " of type " + type + " has no known handler signature");
                } else {
                    expected.add(s);
                }
            });
            if (expected.size() != 1) {
                errors.add(id + ": a function must receive exactly one kind of event, has " + expected);
                continue;
            }
            Signature want = expected.iterator().next();
            String className = h.substring(0, h.indexOf("::"));
            String methodName = h.substring(h.indexOf("::") + 2);
            Class<?> type;
            try {
                type = Class.forName(className, false, loader);
            } catch (ClassNotFoundException e) {
                errors.add(id + ": handler class " + className + " does not exist");
                continue;
            }
            if (!Modifier.isPublic(type.getModifiers()) || Modifier.isAbstract(type.getModifiers()) || type.isInterface()) {
                errors.add(id + ": " + className + " must be a public concrete class");
            }
            try {
                if (!Modifier.isPublic(type.getConstructor().getModifiers())) {
                    errors.add(id + ": " + className + " needs a public no-argument constructor");
                }
            } catch (NoSuchMethodException e) {
                errors.add(id + ": " + className + " needs a public no-argument constructor (Lambda creates it)");
            }
            Type[] args = requestHandlerTypeArguments(type);
            if (args == null) {
                errors.add(id + ": " + className + " does not implement RequestHandler");
            } else if (!args[0].equals(want.input()) || !args[1].equals(want.output())) {
                errors.add(id + ": " + className + " is RequestHandler<" + args[0].getTypeName() + ", "
                        + args[1].getTypeName() + ">, its events need RequestHandler<" + want.input().getSimpleName()
                        + ", " + want.output().getSimpleName() + ">");
            }
            try {
                Method m = type.getMethod(methodName, want.input(), Context.class);
                if (!m.getReturnType().equals(want.output()) || Modifier.isStatic(m.getModifiers())) {
                    errors.add(id + ": " + className + "." + methodName + " must be an instance method returning "
                            + want.output().getSimpleName() + ", returns " + m.getReturnType().getSimpleName());
                }
            } catch (NoSuchMethodException e) {
                errors.add(id + ": " + className + " has no public " + methodName + "("
                        + want.input().getSimpleName() + ", Context)");
            }
        }
        return errors;
    }

    private static Type[] requestHandlerTypeArguments(Class<?> type) {
        for (Class<?> c = type; c != null && c != Object.class; c = c.getSuperclass()) {
            for (Type i : c.getGenericInterfaces()) {
                if (i instanceof ParameterizedType p && p.getRawType() == RequestHandler.class) {
                    return p.getActualTypeArguments();
                }
            }
        }
        return null;
    }

    // ================================================================== environment

    /**
     * Variables every stream runtime needs whatever it hosts (the idempotency table also records
     * which dead letters were sent, once per eventID and reaction).
     */
    static final Set<String> STREAM_RUNTIME_BASE = Set.of(CoreSettings.USERS_TABLE, CoreSettings.DEAD_LETTER_QUEUE_URL,
            CoreSettings.REACTIONS, CoreSettings.MAX_ATTEMPTS, CoreSettings.IDEMPOTENCY_TABLE);

    /** What each reaction reads on top (its sinks). */
    static final Map<ReactionId, Set<String>> NEEDS = new EnumMap<>(Map.of(
            ReactionId.WELCOME_EMAIL, Set.of(CoreSettings.WELCOME_TOPIC_ARN, CoreSettings.IDEMPOTENCY_TABLE),
            ReactionId.DERIVED_TABLES, Set.of(CoreSettings.USERS_BY_EMAIL_TABLE, CoreSettings.USER_STATS_TABLE,
                    CoreSettings.IDEMPOTENCY_TABLE),
            ReactionId.SEARCH_INDEX, Set.of(CoreSettings.OPENSEARCH_ENDPOINT, CoreSettings.OPENSEARCH_INDEX)));

    /** Set by Lambda itself; a function's Environment may not set them. */
    static final Set<String> LAMBDA_RESERVED = Set.of("_HANDLER", "_X_AMZN_TRACE_ID", "AWS_DEFAULT_REGION", "AWS_REGION",
            "AWS_EXECUTION_ENV", "AWS_LAMBDA_FUNCTION_NAME", "AWS_LAMBDA_FUNCTION_MEMORY_SIZE",
            "AWS_LAMBDA_FUNCTION_VERSION", "AWS_LAMBDA_INITIALIZATION_TYPE", "AWS_LAMBDA_LOG_GROUP_NAME",
            "AWS_LAMBDA_LOG_STREAM_NAME", "AWS_ACCESS_KEY", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY",
            "AWS_SESSION_TOKEN", "AWS_LAMBDA_RUNTIME_API", "LAMBDA_TASK_ROOT", "LAMBDA_RUNTIME_DIR");

    /** Where the KCL consumer's environment is written in the launch template's user data. */
    static final String CONSUMER_ENV_FILE = "/etc/user-streams/consumer.env";

    /** Budget for one function's variables: Lambda's limit is 4 KB, "well under" is half of it. */
    static final int ENVIRONMENT_BUDGET_BYTES = 2048;

    /** Unresolved values (ARNs, URLs, names) are counted at this many bytes each. */
    static final int UNRESOLVED_VALUE_BYTES = 256;

    /** A runtime that reads the users stream or serves the API, and its environment. */
    record Runtime(String id, Kind kind, Map<String, Object> environment) {
        enum Kind { LAMBDA_STREAM, LAMBDA_API, KCL }
    }

    /** The stream and API runtimes that exist in a scenario. */
    static List<Runtime> runtimes(Template t, Scenario s) {
        List<Runtime> out = new ArrayList<>();
        String usersTable = usersTableId(t);
        for (String id : s.existing("AWS::Serverless::Function")) {
            if (isMailPath(t, id)) {
                continue; // checked by MailPathTemplateTest
            }
            Map<String, Object> env = new LinkedHashMap<>();
            Map<String, Object> globals = Template.map(t.section("Globals").get("Function"));
            env.putAll(Template.map(s.resolve(Template.map(globals.get("Environment")).get("Variables"))));
            env.putAll(Template.map(s.resolve(Template.map(Template.properties(t.resource(id)).get("Environment"))
                    .get("Variables"))));
            boolean stream = Template.map(Template.properties(t.resource(id)).get("Events")).values().stream()
                    .map(Template::map)
                    .anyMatch(e -> "DynamoDB".equals(e.get("Type"))
                            && isUsersStream(Template.map(e.get("Properties")).get("Stream"), usersTable));
            out.add(new Runtime(id, stream ? Runtime.Kind.LAMBDA_STREAM : Runtime.Kind.LAMBDA_API, env));
        }
        for (String asg : s.existing("AWS::AutoScaling::AutoScalingGroup")) {
            Object lt = Template.map(Template.properties(t.resource(asg)).get("LaunchTemplate")).get("LaunchTemplateId");
            if ("Ref".equals(Template.intrinsic(lt))) {
                String ltId = String.valueOf(Template.intrinsicArgument(lt));
                Map<String, Object> env = consumerEnvironment(t, ltId);
                if (!env.isEmpty()) {
                    out.add(new Runtime(asg, Runtime.Kind.KCL, env));
                }
            }
        }
        return out;
    }

    /** The KEY=value lines the user data writes to {@link #CONSUMER_ENV_FILE}; {@code ${X}} stays as text. */
    static Map<String, Object> consumerEnvironment(Template t, String launchTemplateId) {
        String script = userData(t, launchTemplateId);
        Map<String, Object> env = new LinkedHashMap<>();
        if (script == null || !script.contains("EnvironmentFile=" + CONSUMER_ENV_FILE)) {
            return env;
        }
        String[] lines = script.split("\n");
        boolean inside = false;
        for (String line : lines) {
            if (!inside && line.startsWith("cat > " + CONSUMER_ENV_FILE + " <<")) {
                inside = true;
            } else if (inside && line.trim().equals("EOF")) {
                break;
            } else if (inside && line.contains("=")) {
                env.put(line.substring(0, line.indexOf('=')).trim(), line.substring(line.indexOf('=') + 1));
            }
        }
        return env;
    }

    /** The launch template's user data script: Fn::Base64 of a Fn::Sub string. */
    static String userData(Template t, String launchTemplateId) {
        Object ud = Template.map(Template.properties(t.resource(launchTemplateId)).get("LaunchTemplateData")).get("UserData");
        if (!"Fn::Base64".equals(Template.intrinsic(ud))) {
            return null;
        }
        Object inner = Template.intrinsicArgument(ud);
        if ("Fn::Sub".equals(Template.intrinsic(inner))) {
            Object arg = Template.intrinsicArgument(inner);
            return arg instanceof String s ? s : String.valueOf(Template.list(arg).get(0));
        }
        return inner instanceof String s ? s : null;
    }

    /**
     * In one scenario: every runtime sets what its reactions read and nothing the code does not read,
     * values name the right resources, each reaction runs in exactly one runtime, Lambda's reserved
     * names stay unset, and each function's variables stay well under Lambda's 4 KB.
     */
    static List<String> environment(Template t, Scenario s) {
        List<String> errors = new ArrayList<>();
        Map<ReactionId, List<String>> hosts = new EnumMap<>(ReactionId.class);
        Map<String, Expected> expected = expectedValues(t);
        for (Runtime r : runtimes(t, s)) {
            Set<String> keys = r.environment().keySet();
            Set<String> allowed = new TreeSet<>(CoreSettings.VARIABLES);
            // Optional override the core reads besides CoreSettings (SigV4 is detected from the endpoint).
            allowed.add(io.userstreams.core.search.OpenSearchClients.SIGV4_VARIABLE);
            Set<String> required = new TreeSet<>();
            if (r.kind() == Runtime.Kind.LAMBDA_API) {
                required.add(CoreSettings.USERS_TABLE);
            } else {
                required.addAll(STREAM_RUNTIME_BASE);
                Object reactions = r.environment().get(CoreSettings.REACTIONS);
                if (!(reactions instanceof String list)) {
                    errors.add(s + " " + r.id() + ": REACTIONS must be a literal list, was " + reactions);
                } else {
                    try {
                        for (ReactionId reaction : ReactionId.parseList(list)) {
                            required.addAll(NEEDS.get(reaction));
                            hosts.computeIfAbsent(reaction, k -> new ArrayList<>()).add(r.id());
                        }
                    } catch (IllegalArgumentException e) {
                        errors.add(s + " " + r.id() + ": " + e.getMessage());
                    }
                }
            }
            if (r.kind() == Runtime.Kind.KCL) {
                allowed.addAll(ConsumerSettings.VARIABLES);
                allowed.add(AwsConnection.AWS_REGION); // the SDK's standard variable; reserved only in Lambda
                required.addAll(ConsumerSettings.VARIABLES);
                required.add(AwsConnection.AWS_REGION);
            } else {
                for (String key : keys) {
                    if (LAMBDA_RESERVED.contains(key)) {
                        errors.add(s + " " + r.id() + ": " + key + " is reserved by Lambda and must not be set");
                    }
                }
                int bytes = environmentBytes(r.environment());
                if (bytes > ENVIRONMENT_BUDGET_BYTES) {
                    errors.add(s + " " + r.id() + ": environment ~" + bytes + " bytes, budget "
                            + ENVIRONMENT_BUDGET_BYTES + " (Lambda's limit is 4 KB)");
                }
            }
            for (String key : keys) {
                if (!allowed.contains(key) && !LAMBDA_RESERVED.contains(key)) {
                    errors.add(s + " " + r.id() + ": sets " + key + ", which the code never reads");
                }
            }
            for (String key : required) {
                if (!keys.contains(key)) {
                    errors.add(s + " " + r.id() + ": does not set " + key + ", which it needs");
                }
            }
            r.environment().forEach((key, value) -> {
                Expected e = expected.get(key);
                if (e != null && !e.matches(value, r.kind() == Runtime.Kind.KCL)) {
                    errors.add(s + " " + r.id() + ": " + key + " must be " + e.describe() + ", was " + value);
                }
            });
        }
        for (ReactionId reaction : ReactionId.values()) {
            List<String> where = hosts.getOrDefault(reaction, List.of());
            if (where.size() != 1) {
                errors.add(s + ": reaction " + reaction.id() + " must run in exactly one runtime, runs in " + where);
            }
        }
        return errors;
    }

    static int environmentBytes(Map<String, Object> env) {
        int bytes = 0;
        for (Map.Entry<String, Object> e : env.entrySet()) {
            bytes += e.getKey().length();
            bytes += e.getValue() instanceof String v ? v.length() : UNRESOLVED_VALUE_BYTES;
        }
        return bytes;
    }

    /** What a variable's value must be: a Ref / ${X} / ${X.Attr} of a resource, or a literal. */
    record Expected(String resource, String attribute, String literal, String prefix) {
        boolean matches(Object value, boolean inUserData) {
            if (literal != null) {
                return literal.equals(value);
            }
            String token = "${" + resource + (attribute == null ? "" : "." + attribute) + "}";
            if (inUserData) {
                return (prefix + token).equals(value);
            }
            if (attribute == null && prefix.isEmpty() && Template.isRef(value, resource)) {
                return true;
            }
            return "Fn::Sub".equals(Template.intrinsic(value))
                    && (prefix + token).equals(Template.intrinsicArgument(value));
        }

        String describe() {
            return literal != null ? "'" + literal + "'" : prefix + "${" + resource + (attribute == null ? "" : "." + attribute) + "}";
        }
    }

    /** The resource each variable must name, found the way the local stack finds it (by LocalName). */
    static Map<String, Expected> expectedValues(Template t) {
        CoreSettings local = CoreSettings.fromEnvironment(Map.of());
        Map<String, Expected> out = new LinkedHashMap<>();
        out.put(CoreSettings.USERS_TABLE, new Expected(byLocalName(t, "AWS::DynamoDB::Table", local.usersTable()), null, null, ""));
        out.put(CoreSettings.USERS_BY_EMAIL_TABLE, new Expected(byLocalName(t, "AWS::DynamoDB::Table", local.usersByEmailTable()), null, null, ""));
        out.put(CoreSettings.USER_STATS_TABLE, new Expected(byLocalName(t, "AWS::DynamoDB::Table", local.userStatsTable()), null, null, ""));
        out.put(CoreSettings.IDEMPOTENCY_TABLE, new Expected(byLocalName(t, "AWS::DynamoDB::Table", local.idempotencyTable()), null, null, ""));
        out.put(CoreSettings.WELCOME_TOPIC_ARN, new Expected(byLocalName(t, "AWS::SNS::Topic",
                io.userstreams.core.UserStreamsCore.LOCAL_TOPIC_NAME), null, null, ""));
        out.put(CoreSettings.DEAD_LETTER_QUEUE_URL, new Expected(deadLetterQueueId(t), null, null, ""));
        String domain = only(t, "AWS::OpenSearchService::Domain");
        out.put(CoreSettings.OPENSEARCH_ENDPOINT, new Expected(domain, "DomainEndpoint", null, "https://"));
        out.put(CoreSettings.OPENSEARCH_INDEX, new Expected(null, null, indexName(t, domain), ""));
        out.put(ConsumerSettings.STREAM_ARN, new Expected(usersTableId(t), "StreamArn", null, ""));
        return out;
    }

    /** The dead-letter queue, by its local name: the welcome topic's delivery queue is an SQS queue too. */
    static String deadLetterQueueId(Template t) {
        return byLocalName(t, "AWS::SQS::Queue", "user-streams-dlq");
    }

    static String usersTableId(Template t) {
        return byLocalName(t, "AWS::DynamoDB::Table", CoreSettings.fromEnvironment(Map.of()).usersTable());
    }

    static String byLocalName(Template t, String type, String localName) {
        for (String id : t.ofType(type)) {
            Object name = Template.map(Template.map(t.resource(id).get("Metadata")).get("UserStreams")).get("LocalName");
            if (localName.equals(name)) {
                return id;
            }
        }
        throw new IllegalStateException("no " + type + " with Metadata.UserStreams.LocalName " + localName);
    }

    static String only(Template t, String type) {
        List<String> ids = t.ofType(type);
        if (ids.size() != 1) {
            throw new IllegalStateException("expected exactly one " + type + ", found " + ids);
        }
        return ids.get(0);
    }

    static String indexName(Template t, String domainId) {
        Object name = Template.map(Template.map(Template.map(t.resource(domainId).get("Metadata")).get("UserStreams"))
                .get("Index")).get("Name");
        if (!(name instanceof String s)) {
            throw new IllegalStateException(domainId + " has no Metadata.UserStreams.Index.Name");
        }
        return s;
    }

    // ================================================================== tables

    /** Key schema, TTL and stream settings the code relies on, per table (found by LocalName). */
    record TableContract(String localName, String hashKey, String ttlAttribute, String streamView) {
    }

    static List<TableContract> tableContracts() {
        CoreSettings local = CoreSettings.fromEnvironment(Map.of());
        String usersKey = io.userstreams.core.user.UserItems.key("u").keySet().iterator().next();
        return List.of(
                new TableContract(local.usersTable(), usersKey, "expiresAt", "NEW_AND_OLD_IMAGES"),
                new TableContract(local.usersByEmailTable(), "email", null, null),
                new TableContract(local.userStatsTable(), "statKey", null, null),
                new TableContract(local.idempotencyTable(), "idempotencyKey", "expiresAt", null));
    }

    static List<String> tables(Template t) {
        List<String> errors = new ArrayList<>();
        for (TableContract c : tableContracts()) {
            String id;
            try {
                id = byLocalName(t, "AWS::DynamoDB::Table", c.localName());
            } catch (IllegalStateException e) {
                errors.add(e.getMessage());
                continue;
            }
            Map<String, Object> p = Template.properties(t.resource(id));
            List<Object> keys = Template.list(p.get("KeySchema"));
            if (keys.size() != 1 || !c.hashKey().equals(Template.map(keys.get(0)).get("AttributeName"))
                    || !"HASH".equals(Template.map(keys.get(0)).get("KeyType"))) {
                errors.add(id + ": key schema must be the single HASH key " + c.hashKey() + ", was " + keys);
            }
            List<Object> attributes = Template.list(p.get("AttributeDefinitions"));
            if (attributes.size() != 1 || !c.hashKey().equals(Template.map(attributes.get(0)).get("AttributeName"))
                    || !"S".equals(Template.map(attributes.get(0)).get("AttributeType"))) {
                errors.add(id + ": AttributeDefinitions must define exactly " + c.hashKey() + " as S, was " + attributes);
            }
            Map<String, Object> ttl = Template.map(p.get("TimeToLiveSpecification"));
            if (c.ttlAttribute() != null && (!c.ttlAttribute().equals(ttl.get("AttributeName"))
                    || !Boolean.TRUE.equals(ttl.get("Enabled")))) {
                errors.add(id + ": TTL must be enabled on " + c.ttlAttribute() + ", was " + ttl);
            }
            Object view = Template.map(p.get("StreamSpecification")).get("StreamViewType");
            if (c.streamView() != null && !c.streamView().equals(view)) {
                errors.add(id + ": stream must be " + c.streamView() + ", was " + view);
            }
            if (!Boolean.TRUE.equals(Template.map(p.get("SSESpecification")).get("SSEEnabled"))) {
                errors.add(id + ": SSESpecification.SSEEnabled must be true (KMS encryption at rest)");
            }
        }
        String users = usersTableId(t);
        Object pitr = Template.map(Template.properties(t.resource(users)).get("PointInTimeRecoverySpecification"))
                .get("PointInTimeRecoveryEnabled");
        if (!Boolean.TRUE.equals(pitr)) {
            errors.add(users + ": point-in-time recovery must be enabled");
        }
        return errors;
    }

    // ================================================================== stream readers

    /** DynamoDB Streams throttles a shard read by more than two readers. */
    static final int MAX_READERS_PER_SHARD = 2;

    /**
     * The readers of the users stream in a scenario: each DynamoDB event / event source mapping on it,
     * and each distinct KCL application (a lease gives a shard to one worker of an application,
     * however many instances run).
     */
    static List<String> usersStreamReaders(Template t, Scenario s) {
        String users = usersTableId(t);
        List<String> readers = new ArrayList<>();
        for (String id : s.existing("AWS::Serverless::Function")) {
            Template.map(Template.properties(t.resource(id)).get("Events")).forEach((name, e) -> {
                Map<String, Object> event = Template.map(e);
                if ("DynamoDB".equals(event.get("Type"))
                        && isUsersStream(Template.map(event.get("Properties")).get("Stream"), users)) {
                    readers.add(id + "." + name);
                }
            });
        }
        for (String id : s.existing("AWS::Lambda::EventSourceMapping")) {
            if (isUsersStream(Template.properties(t.resource(id)).get("EventSourceArn"), users)) {
                readers.add(id);
            }
        }
        Set<Object> kclApplications = new LinkedHashSet<>();
        for (Runtime r : runtimes(t, s)) {
            if (r.kind() == Runtime.Kind.KCL
                    && ("${" + users + ".StreamArn}").equals(r.environment().get(ConsumerSettings.STREAM_ARN))) {
                if (kclApplications.add(r.environment().get(ConsumerSettings.APPLICATION_NAME))) {
                    readers.add(r.id() + " (KCL " + r.environment().get(ConsumerSettings.APPLICATION_NAME) + ")");
                }
            }
        }
        return readers;
    }

    static boolean isUsersStream(Object value, String usersTableId) {
        if ("Fn::GetAtt".equals(Template.intrinsic(value))) {
            List<Object> parts = Template.list(Template.intrinsicArgument(value));
            return parts.size() == 2 && usersTableId.equals(parts.get(0)) && "StreamArn".equals(parts.get(1));
        }
        return "Fn::Sub".equals(Template.intrinsic(value))
                && ("${" + usersTableId + ".StreamArn}").equals(Template.intrinsicArgument(value));
    }

    static List<String> streamReaders(Template t, Scenario s) {
        List<String> readers = usersStreamReaders(t, s);
        return readers.size() <= MAX_READERS_PER_SHARD ? List.of()
                : List.of(s + ": " + readers.size() + " readers of the users stream " + readers + ", at most "
                        + MAX_READERS_PER_SHARD + " per shard");
    }

    // ================================================================== stream mappings

    /** The stream event names each reaction must see (a filter may not hide them). */
    static final Map<ReactionId, Set<String>> EVENTS_NEEDED = new EnumMap<>(Map.of(
            ReactionId.WELCOME_EMAIL, Set.of("INSERT"),
            ReactionId.DERIVED_TABLES, Set.of("INSERT", "MODIFY", "REMOVE"),
            ReactionId.SEARCH_INDEX, Set.of("INSERT", "MODIFY", "REMOVE")));

    private static final com.fasterxml.jackson.databind.ObjectMapper JSON = new com.fasterxml.jackson.databind.ObjectMapper();

    /**
     * What the stream handler's contract needs from each Lambda mapping on the users stream:
     * ReportBatchItemFailures (it reports the first unfinished record), bounded retries with
     * bisection, failures to the dead-letter queue, TRIM_HORIZON (nothing retained is skipped),
     * record age within the stream's 24 h, one batch per shard at a time (order), and a filter that
     * lets through every event its reactions need.
     */
    static List<String> streamMappings(Template t, Scenario s) {
        List<String> errors = new ArrayList<>();
        String users = usersTableId(t);
        String dlq = deadLetterQueueId(t);
        for (Runtime r : runtimes(t, s)) {
            if (r.kind() != Runtime.Kind.LAMBDA_STREAM) {
                continue;
            }
            Set<ReactionId> reactions;
            try {
                reactions = ReactionId.parseList(String.valueOf(r.environment().get(CoreSettings.REACTIONS)));
            } catch (IllegalArgumentException e) {
                continue; // reported by environment()
            }
            Map<String, Object> events = Template.map(Template.properties(t.resource(r.id())).get("Events"));
            for (Map.Entry<String, Object> e : events.entrySet()) {
                Map<String, Object> event = Template.map(e.getValue());
                Map<String, Object> p = Template.map(s.resolve(event.get("Properties")));
                if (!"DynamoDB".equals(event.get("Type")) || !isUsersStream(p.get("Stream"), users)) {
                    continue;
                }
                String where = r.id() + "." + e.getKey();
                if (!Template.list(p.get("FunctionResponseTypes")).contains("ReportBatchItemFailures")) {
                    errors.add(where + ": FunctionResponseTypes must include ReportBatchItemFailures (the handler reports the first unfinished record)");
                }
                if (!"TRIM_HORIZON".equals(p.get("StartingPosition"))) {
                    errors.add(where + ": StartingPosition must be TRIM_HORIZON, was " + p.get("StartingPosition"));
                }
                if (!Boolean.TRUE.equals(p.get("BisectBatchOnFunctionError"))) {
                    errors.add(where + ": BisectBatchOnFunctionError must be true");
                }
                // Lambda counts a reported batch item failure as a retry and discards the batch (a
                // pointer to the on-failure queue, no record) once a bound is reached: any bound loses
                // records in a long enough sink outage. The handler parks records before the stream's
                // 24 h retention instead (docs/failure-semantics.md).
                Object retries = p.get("MaximumRetryAttempts");
                if (!Integer.valueOf(-1).equals(retries)) {
                    errors.add(where + ": MaximumRetryAttempts must be -1 (a bound discards records during a sink outage), was " + retries);
                }
                Object age = p.get("MaximumRecordAgeInSeconds");
                if (!Integer.valueOf(-1).equals(age)) {
                    errors.add(where + ": MaximumRecordAgeInSeconds must be -1 (the handler parks records before the stream's 24 h), was " + age);
                }
                Object parallel = p.getOrDefault("ParallelizationFactor", 1);
                if (!Integer.valueOf(1).equals(parallel)) {
                    errors.add(where + ": ParallelizationFactor must be 1 (records of a shard in order), was " + parallel);
                }
                Object destination = Template.map(Template.map(p.get("DestinationConfig")).get("OnFailure")).get("Destination");
                if (!"Fn::GetAtt".equals(Template.intrinsic(destination))
                        || !List.of(dlq, "Arn").equals(Template.list(Template.intrinsicArgument(destination)))) {
                    errors.add(where + ": DestinationConfig.OnFailure must be the dead-letter queue " + dlq + ", was " + destination);
                }
                Set<String> passes = filteredEventNames(where, p.get("FilterCriteria"), errors);
                for (ReactionId reaction : reactions) {
                    for (String needed : EVENTS_NEEDED.get(reaction)) {
                        if (!passes.contains(needed)) {
                            errors.add(where + ": its filter drops " + needed + " records, which " + reaction.id() + " needs");
                        }
                    }
                }
            }
        }
        return errors;
    }

    /** The eventName values a FilterCriteria lets through (all three without a filter). */
    static Set<String> filteredEventNames(String where, Object criteria, List<String> errors) {
        Set<String> all = Set.of("INSERT", "MODIFY", "REMOVE");
        List<Object> filters = Template.list(Template.map(criteria).get("Filters"));
        if (filters.isEmpty()) {
            return all;
        }
        Set<String> passes = new TreeSet<>();
        for (Object f : filters) {
            Object pattern = Template.map(f).get("Pattern");
            try {
                com.fasterxml.jackson.databind.JsonNode node = JSON.readTree(String.valueOf(pattern));
                com.fasterxml.jackson.databind.JsonNode names = node.get("eventName");
                if (names == null) {
                    passes.addAll(all); // filters on other fields only: every event name may pass
                } else if (!names.isArray()) {
                    errors.add(where + ": eventName in a filter pattern must be a list, was " + names);
                } else {
                    names.forEach(n -> passes.add(n.asText()));
                }
            } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
                errors.add(where + ": filter pattern is not JSON: " + pattern);
            }
        }
        return passes;
    }

    // ================================================================== runtimes' roles (CallPermissions checks them)

    /** The IAM role a runtime runs as: a function's Role, or the instance profile's role of a launch template. */
    static String roleOf(Template t, Runtime r) {
        if (r.kind() == Runtime.Kind.KCL) {
            Object lt = Template.map(Template.properties(t.resource(r.id())).get("LaunchTemplate")).get("LaunchTemplateId");
            String ltId = String.valueOf(Template.intrinsicArgument(lt));
            Object profile = Template.map(Template.map(Template.properties(t.resource(ltId)).get("LaunchTemplateData"))
                    .get("IamInstanceProfile")).get("Arn");
            String profileId = String.valueOf(Template.list(Template.intrinsicArgument(profile)).get(0));
            Object role = Template.list(Template.properties(t.resource(profileId)).get("Roles")).get(0);
            return String.valueOf(Template.intrinsicArgument(role));
        }
        Object role = Template.properties(t.resource(r.id())).get("Role");
        if (!"Fn::GetAtt".equals(Template.intrinsic(role))) {
            return null;
        }
        return String.valueOf(Template.list(Template.intrinsicArgument(role)).get(0));
    }

    // ================================================================== IAM

    /**
     * Actions that may have {@code Resource: "*"}, with the reason: AWS offers no resource-level
     * permission for them.
     */
    static final String VPC_REASON = "Lambda manages a VPC function's network interfaces with its execution role;"
            + " these EC2 actions take no resource ARNs (the set of the AWS managed AWSLambdaVPCAccessExecutionRole)";

    static final Map<String, String> STAR_RESOURCE_ALLOWLIST = Map.ofEntries(
            Map.entry("cloudwatch:PutMetricData", "CloudWatch has no resource-level permissions for PutMetricData; "
                    + "the statement must narrow it with a cloudwatch:namespace condition"),
            Map.entry("ec2:CreateNetworkInterface", VPC_REASON),
            Map.entry("ec2:DescribeNetworkInterfaces", VPC_REASON),
            Map.entry("ec2:DescribeSubnets", VPC_REASON),
            Map.entry("ec2:DeleteNetworkInterface", VPC_REASON),
            Map.entry("ec2:AssignPrivateIpAddresses", VPC_REASON),
            Map.entry("ec2:UnassignPrivateIpAddresses", VPC_REASON),
            Map.entry("xray:PutTraceSegments", "X-Ray has no resource-level permissions (active tracing)"),
            Map.entry("xray:PutTelemetryRecords", "X-Ray has no resource-level permissions (active tracing)"));


    enum PolicyKind { IDENTITY, TRUST, KEY_POLICY, RESOURCE_POLICY }

    record Statement(String where, PolicyKind kind, Map<String, Object> body) {
    }

    /** Every policy statement of the template, both branches of any Fn::If included. */
    static List<Statement> statements(Template t, List<String> errors) {
        List<Statement> out = new ArrayList<>();
        t.resources().forEach((id, raw) -> {
            Map<String, Object> p = Template.properties(Template.map(raw));
            switch (Template.type(Template.map(raw))) {
                case "AWS::IAM::Role" -> {
                    collect(id + ".AssumeRolePolicyDocument", PolicyKind.TRUST, p.get("AssumeRolePolicyDocument"), out);
                    List<Object> policies = Template.list(p.get("Policies"));
                    for (int i = 0; i < policies.size(); i++) {
                        collect(id + ".Policies[" + i + "]", PolicyKind.IDENTITY,
                                Template.map(policies.get(i)).get("PolicyDocument"), out);
                    }
                    if (p.containsKey("ManagedPolicyArns")) {
                        errors.add(id + ": ManagedPolicyArns cannot be checked here; inline the statements");
                    }
                }
                case "AWS::IAM::Policy", "AWS::IAM::ManagedPolicy" ->
                        collect(id, PolicyKind.IDENTITY, p.get("PolicyDocument"), out);
                case "AWS::KMS::Key" -> collect(id + ".KeyPolicy", PolicyKind.KEY_POLICY, p.get("KeyPolicy"), out);
                case "AWS::SQS::QueuePolicy", "AWS::SNS::TopicPolicy", "AWS::S3::BucketPolicy" ->
                        collect(id, PolicyKind.RESOURCE_POLICY, p.get("PolicyDocument"), out);
                case "AWS::OpenSearchService::Domain" ->
                        collect(id + ".AccessPolicies", PolicyKind.RESOURCE_POLICY, p.get("AccessPolicies"), out);
                case "AWS::Serverless::Function", "AWS::Serverless::StateMachine" -> {
                    // Without an explicit Role SAM creates one with AWS managed policies (Resource "*").
                    if (!p.containsKey("Role")) {
                        errors.add(id + ": needs an explicit Role so every permission is in this template");
                    }
                    if (p.containsKey("Policies")) {
                        errors.add(id + ": Policies (SAM policy templates / managed policies) cannot be checked; "
                                + "put the statements in the Role");
                    }
                }
                default -> {
                }
            }
        });
        return out;
    }

    private static void collect(String where, PolicyKind kind, Object document, List<Statement> out) {
        Object statement = Template.map(document).get("Statement");
        List<Object> list = statement instanceof List<?> ? Template.list(statement)
                : statement == null ? List.of() : List.of(statement);
        for (int i = 0; i < list.size(); i++) {
            for (Object branch : branches(list.get(i))) {
                out.add(new Statement(where + ".Statement[" + i + "]", kind, Template.map(branch)));
            }
        }
    }

    /** A value, or both branches of a Fn::If (recursively), without AWS::NoValue. */
    private static List<Object> branches(Object value) {
        if (value == null || Template.isRef(value, "AWS::NoValue")) {
            return List.of();
        }
        if ("Fn::If".equals(Template.intrinsic(value))) {
            List<Object> args = Template.list(Template.intrinsicArgument(value));
            List<Object> out = new ArrayList<>(branches(args.get(1)));
            out.addAll(branches(args.get(2)));
            return out;
        }
        return List.of(value);
    }

    private static List<Object> values(Object value) {
        List<Object> out = new ArrayList<>();
        for (Object v : branches(value)) {
            if (v instanceof List<?> l) {
                l.forEach(x -> out.addAll(branches(x)));
            } else {
                out.add(v);
            }
        }
        return out;
    }

    /**
     * No action with a wildcard, no NotAction/NotResource/NotPrincipal, no Allow for everyone, and
     * {@code Resource: "*"} only in key policies (where it means the key) or for allowlisted actions.
     */
    static List<String> iam(Template t) {
        List<String> errors = new ArrayList<>();
        for (Statement st : statements(t, errors)) {
            Map<String, Object> b = st.body();
            String where = st.where();
            for (String inverted : List.of("NotAction", "NotResource", "NotPrincipal")) {
                if (b.containsKey(inverted)) {
                    errors.add(where + ": " + inverted + " grants everything else; list what is meant");
                }
            }
            Object effect = b.get("Effect");
            if (!"Allow".equals(effect) && !"Deny".equals(effect)) {
                errors.add(where + ": Effect must be Allow or Deny, was " + effect);
            }
            List<String> actions = new ArrayList<>();
            for (Object a : values(b.get("Action"))) {
                if (!(a instanceof String s)) {
                    errors.add(where + ": action " + a + " must be a literal");
                } else {
                    actions.add(s);
                    // A Deny may be broad (e.g. sqs:* without TLS); only what is allowed must be exact.
                    if (s.contains("*") && "Allow".equals(effect)) {
                        errors.add(where + ": action " + s + " has a wildcard");
                    }
                }
            }
            if (actions.isEmpty() && !b.containsKey("NotAction")) {
                errors.add(where + ": no Action");
            }
            if ("Allow".equals(effect)) {
                Object principal = b.get("Principal");
                if ("*".equals(principal) || values(Template.map(principal).get("AWS")).contains("*")) {
                    errors.add(where + ": allows everyone (Principal *)");
                }
            }
            boolean starResource = values(b.get("Resource")).contains("*");
            if (starResource && "Allow".equals(effect) && st.kind() != PolicyKind.KEY_POLICY) {
                for (String action : actions) {
                    if (!STAR_RESOURCE_ALLOWLIST.containsKey(action)) {
                        errors.add(where + ": " + action + " on Resource \"*\" (allowed only for "
                                + new TreeSet<>(STAR_RESOURCE_ALLOWLIST.keySet()) + ")");
                    }
                }
                if (actions.contains("cloudwatch:PutMetricData")
                        && !Template.map(Template.map(b.get("Condition")).get("StringEquals")).containsKey("cloudwatch:namespace")) {
                    errors.add(where + ": cloudwatch:PutMetricData on \"*\" needs a cloudwatch:namespace condition");
                }
            }
            if (st.kind() == PolicyKind.IDENTITY && !b.containsKey("Resource")) {
                errors.add(where + ": an identity policy statement needs a Resource");
            }
        }
        return errors;
    }
}
