package io.userstreams.template;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The CloudFormation resource specification from npm {@code @aws-cdk/aws-service-spec}
 * ({@code db.json.gz}: resources with their properties, attributes and property types), vendored
 * in part under src/test/resources/aws-service-spec (every type name; the definitions of the
 * services the template uses). Checks that
 * each plain CloudFormation resource has a known type, only known properties, every required one,
 * and values of the right simple type; intrinsic functions are accepted where a value is expected,
 * and both branches of an {@code Fn::If} are checked.
 */
final class ServiceSpec {

    /** Keys a resource entry may have besides Type and Properties. */
    static final Set<String> RESOURCE_ATTRIBUTES = Set.of("Type", "Properties", "Metadata", "Condition", "DependsOn",
            "DeletionPolicy", "UpdateReplacePolicy", "CreationPolicy", "UpdatePolicy");

    private final Map<String, JsonNode> resources = new HashMap<>();
    private final Map<String, JsonNode> typeDefinitions = new HashMap<>();

    private final Set<String> allTypes = new java.util.TreeSet<>();
    private final Set<String> services = new java.util.TreeSet<>();

    private ServiceSpec(JsonNode db) {
        JsonNode schema = db.get("schema");
        db.path("resourceTypes").forEach(t -> allTypes.add(t.asText()));
        db.path("services").forEach(t -> services.add(t.asText()));
        for (JsonNode r : schema.path("resource").path("entities")) {
            resources.put(r.get("cloudFormationType").asText(), r);
        }
        for (JsonNode t : schema.path("typeDefinition").path("entities")) {
            typeDefinitions.put(t.get("$id").asText(), t);
        }
        if (allTypes.size() < 1000 || resources.isEmpty()) {
            throw new IllegalStateException("the specification names only " + allTypes.size() + " resource types");
        }
    }

    /** The vendored part of the specification (see src/test/resources/aws-service-spec/README.md). */
    static final String RESOURCE = "/aws-service-spec/resource-spec.json";

    static ServiceSpec load() {
        try (InputStream in = ServiceSpec.class.getResourceAsStream(RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException(RESOURCE + " is missing from the test classpath");
            }
            return new ServiceSpec(new ObjectMapper().readTree(in));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Every resource type CloudFormation knows (the vendored definitions cover {@link #services} only). */
    int resourceTypeCount() {
        return allTypes.size();
    }

    boolean knowsType(String type) {
        return allTypes.contains(type);
    }

    /** The attributes {@code Fn::GetAtt} can read from a resource type. */
    Set<String> attributes(String type) {
        JsonNode r = resources.get(type);
        Set<String> out = new java.util.TreeSet<>();
        if (r != null) {
            r.path("attributes").fieldNames().forEachRemaining(out::add);
        }
        return out;
    }

    /** Every violation in the plain CloudFormation resources of the template. */
    List<String> validate(Template template) {
        List<String> errors = new ArrayList<>();
        template.resources().forEach((id, raw) -> {
            Map<String, Object> resource = Template.map(raw);
            String type = Template.type(resource);
            if (type.startsWith("AWS::Serverless::") || type.startsWith("Custom::")) {
                return; // SAM resources: SamSchema; custom resources have free-form properties
            }
            for (String key : resource.keySet()) {
                if (!RESOURCE_ATTRIBUTES.contains(key)) {
                    errors.add(id + ": unknown resource attribute " + key);
                }
            }
            JsonNode spec = resources.get(type);
            if (spec == null) {
                errors.add(allTypes.contains(type)
                        ? id + ": " + type + " is not in the vendored specification (services " + services
                                + "): add its service to src/build/vendor-service-spec.py and regenerate"
                        : id + ": unknown resource type " + type);
                return;
            }
            checkProperties(id + ".Properties", Template.properties(resource), spec.path("properties"), errors);
        });
        return errors;
    }

    /**
     * The SAM schema types most function and event properties as "pass through" (anything goes):
     * check those values against the CloudFormation resources SAM passes them to, a function's
     * against AWS::Lambda::Function (Globals.Function merged in) and a DynamoDB event's against
     * AWS::Lambda::EventSourceMapping.
     */
    List<String> validateSamPassThrough(Template template) {
        List<String> errors = new ArrayList<>();
        JsonNode function = resources.get("AWS::Lambda::Function").path("properties");
        JsonNode mapping = resources.get("AWS::Lambda::EventSourceMapping").path("properties");
        Map<String, Object> globals = Template.map(template.section("Globals").get("Function"));
        for (String id : template.ofType("AWS::Serverless::Function")) {
            Map<String, Object> merged = new java.util.LinkedHashMap<>(globals);
            merged.putAll(Template.properties(template.resource(id)));
            merged.forEach((key, value) -> {
                if (function.has(key)) {
                    checkValue(id + ".Properties." + key, value, function.get(key).get("type"), errors);
                }
            });
            Template.map(merged.get("Events")).forEach((name, raw) -> {
                Map<String, Object> event = Template.map(raw);
                if (!"DynamoDB".equals(event.get("Type"))) {
                    return;
                }
                Map<String, Object> props = Template.deepCopy(Template.map(event.get("Properties")));
                props.put("EventSourceArn", props.remove("Stream"));
                // SAM's OnFailure adds a Type (SQS, SNS, ...) that it resolves itself.
                Template.map(Template.map(props.get("DestinationConfig")).get("OnFailure")).remove("Type");
                props.put("FunctionName", "checked-by-sam");
                checkProperties(id + ".Events." + name + ".Properties", props, mapping, errors);
            });
        }
        return errors;
    }

    private void checkProperties(String path, Map<String, Object> values, JsonNode props, List<String> errors) {
        for (Map.Entry<String, Object> e : values.entrySet()) {
            JsonNode prop = props.get(e.getKey());
            if (prop == null) {
                errors.add(path + ": unknown property " + e.getKey());
                continue;
            }
            checkValue(path + "." + e.getKey(), e.getValue(), prop.get("type"), errors);
        }
        Iterator<Map.Entry<String, JsonNode>> it = props.fields();
        while (it.hasNext()) {
            Map.Entry<String, JsonNode> p = it.next();
            if (p.getValue().path("required").asBoolean(false) && !values.containsKey(p.getKey())) {
                errors.add(path + ": missing required property " + p.getKey());
            }
        }
    }

    private void checkValue(String path, Object value, JsonNode type, List<String> errors) {
        String fn = Template.intrinsic(value);
        if (fn != null) {
            if (fn.equals("Fn::If")) {
                List<Object> args = Template.list(Template.intrinsicArgument(value));
                for (int branch = 1; branch < args.size(); branch++) {
                    if (!Template.isRef(args.get(branch), "AWS::NoValue")) {
                        checkValue(path + "[If:" + branch + "]", args.get(branch), type, errors);
                    }
                }
            }
            return; // evaluated at deploy time: its result cannot be typed here
        }
        String kind = type.path("type").asText();
        switch (kind) {
            case "string" -> {
                if (!(value instanceof String || value instanceof Number || value instanceof Boolean)) {
                    errors.add(path + ": expected a string, was " + describe(value));
                }
            }
            case "integer", "number" -> {
                if (!(value instanceof Number) && !(value instanceof String s && s.matches("-?\\d+(\\.\\d+)?"))) {
                    errors.add(path + ": expected " + kind + ", was " + describe(value));
                } else if (kind.equals("integer") && (value instanceof Double || value instanceof Float
                        || value instanceof String s2 && s2.contains("."))) {
                    errors.add(path + ": expected an integer, was " + value);
                }
            }
            case "boolean" -> {
                if (!(value instanceof Boolean) && !("true".equals(value) || "false".equals(value))) {
                    errors.add(path + ": expected boolean, was " + describe(value));
                }
            }
            case "array" -> {
                if (!(value instanceof List<?> list)) {
                    errors.add(path + ": expected a list, was " + describe(value));
                } else {
                    for (int i = 0; i < list.size(); i++) {
                        checkValue(path + "[" + i + "]", list.get(i), type.get("element"), errors);
                    }
                }
            }
            case "map" -> {
                if (!(value instanceof Map<?, ?> map)) {
                    errors.add(path + ": expected a map, was " + describe(value));
                } else {
                    map.forEach((k, v) -> checkValue(path + "." + k, v, type.get("element"), errors));
                }
            }
            case "tag" -> {
                Map<String, Object> tag = Template.map(value);
                if (!tag.containsKey("Key") || !tag.containsKey("Value") || tag.size() != 2) {
                    errors.add(path + ": expected a tag {Key, Value}, was " + describe(value));
                }
            }
            case "ref" -> {
                JsonNode def = typeDefinitions.get(type.path("reference").path("$ref").asText());
                if (def == null) {
                    return; // a type the specification does not describe: nothing to check
                }
                if (!(value instanceof Map<?, ?>)) {
                    errors.add(path + ": expected a " + def.path("name").asText() + " object, was " + describe(value));
                    return;
                }
                checkProperties(path, Template.map(value), def.path("properties"), errors);
            }
            case "union" -> {
                List<String> best = null;
                for (JsonNode alternative : type.path("types")) {
                    List<String> attempt = new ArrayList<>();
                    checkValue(path, value, alternative, attempt);
                    if (attempt.isEmpty()) {
                        return;
                    }
                    if (best == null || attempt.size() < best.size()) {
                        best = attempt;
                    }
                }
                if (best != null) {
                    errors.addAll(best);
                }
            }
            default -> {
                // json, date-time, null and any future kind: free-form
            }
        }
    }

    private static String describe(Object value) {
        if (value == null) {
            return "null";
        }
        String kind = value instanceof Map<?, ?> ? "map" : value instanceof List<?> ? "list"
                : value.getClass().getSimpleName();
        return kind + " " + value;
    }
}
