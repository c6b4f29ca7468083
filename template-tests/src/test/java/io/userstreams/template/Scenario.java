package io.userstreams.template;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * One deployment of the template: parameter values (defaults unless overridden), the conditions
 * they make true, the resources that exist, and any value with its {@code Fn::If}s and
 * {@code AWS::NoValue}s resolved. Other intrinsics stay as they are.
 */
final class Scenario {

    private static final Object NO_VALUE = new Object();

    private final Template template;
    private final Map<String, String> parameters = new LinkedHashMap<>();
    private final Map<String, Boolean> conditions = new LinkedHashMap<>();

    Scenario(Template template, Map<String, String> overrides) {
        this.template = template;
        template.parameters().forEach((name, p) -> {
            Object d = Template.map(p).get("Default");
            if (d != null) {
                parameters.put(name, String.valueOf(d));
            }
        });
        overrides.forEach((k, v) -> {
            if (!template.parameters().containsKey(k)) {
                throw new IllegalArgumentException("no parameter " + k);
            }
            parameters.put(k, v);
        });
        for (String name : template.conditions().keySet()) {
            condition(name);
        }
    }

    /** Every value of the parameter's AllowedValues as its own scenario (the rest default). */
    static List<Scenario> forEachValueOf(Template template, String parameter) {
        List<Scenario> out = new ArrayList<>();
        for (Object value : Template.list(Template.map(template.parameters().get(parameter)).get("AllowedValues"))) {
            out.add(new Scenario(template, Map.of(parameter, String.valueOf(value))));
        }
        if (out.isEmpty()) {
            throw new IllegalArgumentException(parameter + " has no AllowedValues");
        }
        return out;
    }

    String parameter(String name) {
        return parameters.get(name);
    }

    boolean condition(String name) {
        Boolean known = conditions.get(name);
        if (known != null) {
            return known;
        }
        Object definition = template.conditions().get(name);
        if (definition == null) {
            throw new IllegalArgumentException("no condition " + name);
        }
        boolean value = evaluate(definition);
        conditions.put(name, value);
        return value;
    }

    /** Whether a resource (or output) with an optional Condition exists in this scenario. */
    boolean exists(Map<String, Object> resourceOrOutput) {
        Object c = resourceOrOutput.get("Condition");
        return c == null || condition(String.valueOf(c));
    }

    /** Logical ids of the resources of a type that exist here. */
    List<String> existing(String type) {
        return template.ofType(type).stream().filter(id -> exists(template.resource(id))).toList();
    }

    /** The value with Fn::If resolved and AWS::NoValue removed (null if the whole value is NoValue). */
    Object resolve(Object value) {
        Object out = resolveInner(value);
        return out == NO_VALUE ? null : out;
    }

    private Object resolveInner(Object value) {
        if (Template.isRef(value, "AWS::NoValue")) {
            return NO_VALUE;
        }
        if ("Fn::If".equals(Template.intrinsic(value))) {
            List<Object> args = Template.list(Template.intrinsicArgument(value));
            return resolveInner(condition(String.valueOf(args.get(0))) ? args.get(1) : args.get(2));
        }
        if (value instanceof Map<?, ?> m) {
            Map<String, Object> kept = new LinkedHashMap<>();
            m.forEach((k, x) -> {
                Object r = resolveInner(x);
                if (r != NO_VALUE) {
                    kept.put(String.valueOf(k), r);
                }
            });
            return kept;
        }
        if (value instanceof List<?> l) {
            List<Object> kept = new ArrayList<>();
            for (Object x : l) {
                Object r = resolveInner(x);
                if (r != NO_VALUE) {
                    kept.add(r);
                }
            }
            return kept;
        }
        return value;
    }

    private boolean evaluate(Object expression) {
        String fn = Template.intrinsic(expression);
        if (fn == null) {
            throw new IllegalArgumentException("not a condition expression: " + expression);
        }
        Object arg = Template.intrinsicArgument(expression);
        List<Object> args = Template.list(arg);
        return switch (fn) {
            case "Condition" -> condition(String.valueOf(arg));
            case "Fn::Not" -> !evaluate(args.get(0));
            case "Fn::And" -> args.stream().allMatch(this::evaluate);
            case "Fn::Or" -> args.stream().anyMatch(this::evaluate);
            case "Fn::Equals" -> Objects.equals(scalar(args.get(0)), scalar(args.get(1)));
            default -> throw new IllegalArgumentException("unsupported in a condition: " + fn);
        };
    }

    private String scalar(Object value) {
        if (Template.intrinsic(value) == null) {
            return String.valueOf(value);
        }
        if ("Ref".equals(Template.intrinsic(value))) {
            String name = String.valueOf(Template.intrinsicArgument(value));
            if (!parameters.containsKey(name) && !template.parameters().containsKey(name)) {
                throw new IllegalArgumentException("condition refers to unknown parameter " + name);
            }
            return parameters.getOrDefault(name, "");
        }
        throw new IllegalArgumentException("unsupported in a condition: " + value);
    }

    @Override
    public String toString() {
        return "scenario " + parameters.get("ChangeReactionsRuntime") + " " + conditions;
    }
}
