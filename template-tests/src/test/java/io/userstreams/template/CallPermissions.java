package io.userstreams.template;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Each runtime's role against the IAM requests of {@link RecordedCalls}: every request allowed by an
 * Allow statement (action, resource ARN, conditions), and every action and resource a statement grants
 * used by some request. The search domain's access policy must admit the role of the runtime that
 * calls it.
 */
final class CallPermissions {

    private CallPermissions() {
    }

    static List<String> check(Template t, Scenario s, Map<String, List<RecordedCalls.Call>> callsByModule) {
        List<String> errors = new ArrayList<>();
        Arns arns = new Arns(t, s);
        for (TemplateChecks.Runtime r : TemplateChecks.runtimes(t, s)) {
            String role = TemplateChecks.roleOf(t, r);
            if (role == null) {
                errors.add(s + " " + r.id() + ": no role found");
                continue;
            }
            List<String> problems = new ArrayList<>();
            String module = RecordedCalls.module(t, r);
            List<RecordedCalls.Call> calls = new ArrayList<>(callsByModule.get(module));
            if (r.kind() != TemplateChecks.Runtime.Kind.LAMBDA_API) {
                // A reaction's calls are core code, the same whichever runtime hosts it: what the other
                // stream runtime's tests recorded for a reaction (e.g. an email contested by two users)
                // this runtime makes too. Runtime-scoped calls stay each runtime's own.
                for (String other : List.of(RecordedCalls.STREAM_HANDLERS, RecordedCalls.KCL_CONSUMER)) {
                    if (!other.equals(module)) {
                        callsByModule.getOrDefault(other, List.of()).stream()
                                .filter(c -> !c.scope().equals(RecordedCalls.RUNTIME_SCOPE)).forEach(calls::add);
                    }
                }
            }
            List<RecordedCalls.Request> requests = RecordedCalls.requests(t, s, r, calls, problems);
            problems.forEach(p -> errors.add(s + " " + r.id() + ": " + p));
            List<Map<String, Object>> allows = allowStatements(t, s, role);
            for (RecordedCalls.Request request : requests) {
                if (allows.stream().noneMatch(st -> allows(st, request, arns))) {
                    errors.add(s + " " + r.id() + ": role " + role + " does not allow " + request.action() + " on "
                            + request.arn() + (request.context().isEmpty() ? "" : " " + request.context())
                            + " (" + request.why() + ")");
                }
            }
            for (Map<String, Object> st : allows) {
                String sid = String.valueOf(st.getOrDefault("Sid", "?"));
                for (String action : strings(st.get("Action"))) {
                    if (requests.stream().noneMatch(q -> Arns.matches(action, q.action()) && allows(st, q, arns))) {
                        errors.add(s + " " + r.id() + ": role " + role + " statement " + sid + " grants " + action
                                + " that no recorded call uses");
                    }
                }
                for (Object resource : values(st.get("Resource"))) {
                    String pattern = arns.eval(resource);
                    boolean used = pattern != null && requests.stream().anyMatch(q -> Arns.matches(pattern, q.arn())
                            && strings(st.get("Action")).stream().anyMatch(a -> Arns.matches(a, q.action())));
                    if (!used) {
                        errors.add(s + " " + r.id() + ": role " + role + " statement " + sid + " grants on " + pattern
                                + " what no recorded call uses");
                    }
                }
            }
            boolean callsSearch = requests.stream().anyMatch(q -> q.action().startsWith("es:"));
            if (callsSearch) {
                String domain = TemplateChecks.only(t, "AWS::OpenSearchService::Domain");
                Object policy = s.resolve(Template.properties(t.resource(domain)).get("AccessPolicies"));
                String roleArn = arns.getAtt(role, "Arn");
                List<Map<String, Object>> domainAllows = new ArrayList<>();
                for (Object st : Template.list(Template.map(policy).get("Statement"))) {
                    Map<String, Object> body = Template.map(st);
                    if ("Allow".equals(body.get("Effect")) && values(Template.map(body.get("Principal")).get("AWS"))
                            .stream().map(arns::eval).anyMatch(roleArn::equals)) {
                        domainAllows.add(body);
                    }
                }
                for (RecordedCalls.Request q : requests) {
                    if (q.action().startsWith("es:") && domainAllows.stream().noneMatch(st -> allows(st, q, arns))) {
                        errors.add(s + " " + r.id() + ": the access policy of " + domain + " does not admit role " + role
                                + " for " + q.action() + " on " + q.arn());
                    }
                }
            }
        }
        return errors;
    }

    static List<Map<String, Object>> allowStatements(Template t, Scenario s, String role) {
        List<Map<String, Object>> out = new ArrayList<>();
        for (Object policy : Template.list(s.resolve(Template.properties(t.resource(role)).get("Policies")))) {
            for (Object st : Template.list(Template.map(Template.map(policy).get("PolicyDocument")).get("Statement"))) {
                if ("Allow".equals(Template.map(st).get("Effect"))) {
                    out.add(Template.map(st));
                }
            }
        }
        return out;
    }

    /** Whether an Allow statement grants the request: an action, a resource and every condition match. */
    static boolean allows(Map<String, Object> st, RecordedCalls.Request q, Arns arns) {
        boolean action = strings(st.get("Action")).stream().anyMatch(a -> Arns.matches(a, q.action()));
        boolean resource = values(st.get("Resource")).stream().map(arns::eval)
                .anyMatch(p -> p != null && Arns.matches(p, q.arn()));
        return action && resource && conditionsHold(Template.map(st.get("Condition")), q.context(), arns);
    }

    /** String/Arn Equals/Like conditions on the request's context; any other operator or missing key fails. */
    static boolean conditionsHold(Map<String, Object> condition, Map<String, String> context, Arns arns) {
        for (Map.Entry<String, Object> op : condition.entrySet()) {
            for (Map.Entry<String, Object> key : Template.map(op.getValue()).entrySet()) {
                String actual = context.get(key.getKey());
                if (actual == null) {
                    return false;
                }
                List<String> expected = values(key.getValue()).stream().map(arns::eval).toList();
                boolean ok = switch (op.getKey()) {
                    case "StringEquals", "ArnEquals" -> expected.contains(actual);
                    case "StringLike", "ArnLike" -> expected.stream().anyMatch(e -> e != null && Arns.matches(e, actual));
                    default -> false;
                };
                if (!ok) {
                    return false;
                }
            }
        }
        return true;
    }

    private static List<Object> values(Object value) {
        return value instanceof List<?> l ? Template.list(l) : value == null ? List.of() : List.of(value);
    }

    private static Set<String> strings(Object value) {
        Set<String> out = new LinkedHashSet<>();
        values(value).forEach(v -> out.add(String.valueOf(v)));
        return out;
    }
}
