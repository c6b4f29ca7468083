package io.userstreams.template;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.UnaryOperator;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.AbstractConstruct;
import org.yaml.snakeyaml.constructor.SafeConstructor;
import org.yaml.snakeyaml.nodes.MappingNode;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.ScalarNode;
import org.yaml.snakeyaml.nodes.SequenceNode;

/**
 * template.yaml as plain maps and lists, with every short-form intrinsic ({@code !Ref X},
 * {@code !GetAtt A.B}, {@code !Sub ...}) turned into its long JSON form ({@code {Ref: X}},
 * {@code {Fn::GetAtt: [A, B]}}, ...) exactly as CloudFormation reads it. An unknown tag fails the
 * parse, as it fails a deployment.
 */
final class Template {

    /** Short-form tags CloudFormation knows, mapped to their long form key. */
    static final Map<String, String> SHORT_FORMS = Map.ofEntries(
            Map.entry("!Ref", "Ref"),
            Map.entry("!Condition", "Condition"),
            Map.entry("!Base64", "Fn::Base64"),
            Map.entry("!Cidr", "Fn::Cidr"),
            Map.entry("!FindInMap", "Fn::FindInMap"),
            Map.entry("!GetAtt", "Fn::GetAtt"),
            Map.entry("!GetAZs", "Fn::GetAZs"),
            Map.entry("!ImportValue", "Fn::ImportValue"),
            Map.entry("!Join", "Fn::Join"),
            Map.entry("!Select", "Fn::Select"),
            Map.entry("!Split", "Fn::Split"),
            Map.entry("!Sub", "Fn::Sub"),
            Map.entry("!Transform", "Fn::Transform"),
            Map.entry("!And", "Fn::And"),
            Map.entry("!Equals", "Fn::Equals"),
            Map.entry("!If", "Fn::If"),
            Map.entry("!Not", "Fn::Not"),
            Map.entry("!Or", "Fn::Or"),
            Map.entry("!ToJsonString", "Fn::ToJsonString"),
            Map.entry("!Length", "Fn::Length"));

    static final Set<String> PSEUDO_PARAMETERS = Set.of("AWS::AccountId", "AWS::NotificationARNs", "AWS::NoValue",
            "AWS::Partition", "AWS::Region", "AWS::StackId", "AWS::StackName", "AWS::URLSuffix");

    private final Map<String, Object> root;

    private Template(Map<String, Object> root) {
        this.root = root;
    }

    /** The repository's template.yaml (path from the build, else relative to the module). */
    static Template load() {
        String configured = System.getProperty("userstreams.template");
        Path path = configured != null ? Path.of(configured) : Path.of("..", "template.yaml");
        try {
            return parse(Files.readString(path, StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new IllegalStateException("cannot read " + path.toAbsolutePath() + ": " + e.getMessage(), e);
        }
    }

    @SuppressWarnings("unchecked")
    static Template parse(String yaml) {
        LoaderOptions options = new LoaderOptions();
        options.setAllowDuplicateKeys(false);
        options.setCodePointLimit(10 * 1024 * 1024);
        Object root = new Yaml(new CfnConstructor(options)).load(yaml);
        if (!(root instanceof Map<?, ?>)) {
            throw new IllegalArgumentException("a template is a mapping");
        }
        return new Template((Map<String, Object>) root);
    }

    /** A deep copy changed by {@code edit}: the negative tests feed mutated templates to the checks. */
    Template mutate(java.util.function.Consumer<Map<String, Object>> edit) {
        Map<String, Object> copy = deepCopy(root);
        edit.accept(copy);
        return new Template(copy);
    }

    Map<String, Object> root() {
        return root;
    }

    Map<String, Object> section(String name) {
        return map(root.get(name));
    }

    Map<String, Object> resources() {
        return section("Resources");
    }

    Map<String, Object> resource(String logicalId) {
        Map<String, Object> r = map(resources().get(logicalId));
        if (r.isEmpty()) {
            throw new IllegalArgumentException("no resource " + logicalId);
        }
        return r;
    }

    Map<String, Object> parameters() {
        return section("Parameters");
    }

    Map<String, Object> conditions() {
        return section("Conditions");
    }

    static String type(Map<String, Object> resource) {
        return String.valueOf(resource.get("Type"));
    }

    static Map<String, Object> properties(Map<String, Object> resource) {
        return map(resource.get("Properties"));
    }

    /** Logical ids of resources of a type, in template order. */
    List<String> ofType(String type) {
        List<String> ids = new ArrayList<>();
        resources().forEach((id, r) -> {
            if (type.equals(type(map(r)))) {
                ids.add(id);
            }
        });
        return ids;
    }

    /** A function's property, falling back to Globals.Function as SAM does. */
    Object functionProperty(String logicalId, String property) {
        Object own = properties(resource(logicalId)).get(property);
        return own != null ? own : map(section("Globals").get("Function")).get(property);
    }

    // ------------------------------------------------------------ helpers

    @SuppressWarnings("unchecked")
    static Map<String, Object> map(Object value) {
        return value instanceof Map<?, ?> m ? (Map<String, Object>) m : Map.of();
    }

    @SuppressWarnings("unchecked")
    static List<Object> list(Object value) {
        return value instanceof List<?> l ? (List<Object>) l : List.of();
    }

    /** The long-form intrinsic name of a value ({@code Ref}, {@code Fn::Sub}, ...), or null. */
    static String intrinsic(Object value) {
        if (value instanceof Map<?, ?> m && m.size() == 1) {
            String key = String.valueOf(m.keySet().iterator().next());
            if (key.equals("Ref") || key.equals("Condition") || key.startsWith("Fn::")) {
                return key;
            }
        }
        return null;
    }

    static Object intrinsicArgument(Object value) {
        return ((Map<?, ?>) value).values().iterator().next();
    }

    static boolean isRef(Object value, String target) {
        return "Ref".equals(intrinsic(value)) && target.equals(intrinsicArgument(value));
    }

    @SuppressWarnings("unchecked")
    static <T> T deepCopy(T value) {
        if (value instanceof Map<?, ?> m) {
            Map<String, Object> out = new LinkedHashMap<>();
            m.forEach((k, v) -> out.put(String.valueOf(k), deepCopy(v)));
            return (T) out;
        }
        if (value instanceof List<?> l) {
            List<Object> out = new ArrayList<>();
            l.forEach(v -> out.add(deepCopy(v)));
            return (T) out;
        }
        return value;
    }

    /** Rebuilds a tree bottom-up through {@code f} (used to resolve conditions). */
    static Object transform(Object value, UnaryOperator<Object> f) {
        if (value instanceof Map<?, ?> m) {
            Map<String, Object> out = new LinkedHashMap<>();
            m.forEach((k, v) -> out.put(String.valueOf(k), transform(v, f)));
            return f.apply(out);
        }
        if (value instanceof List<?> l) {
            List<Object> out = new ArrayList<>();
            l.forEach(v -> out.add(transform(v, f)));
            return f.apply(out);
        }
        return f.apply(value);
    }

    /** Safe YAML plus CloudFormation's short-form tags, read into their long form. */
    private static final class CfnConstructor extends SafeConstructor {
        CfnConstructor(LoaderOptions options) {
            super(options);
            this.yamlConstructors.put(null, new AbstractConstruct() {
                @Override
                public Object construct(Node node) {
                    String tag = node.getTag().getValue();
                    String longForm = SHORT_FORMS.get(tag);
                    if (longForm == null) {
                        throw new IllegalArgumentException("unknown tag " + tag + " at " + node.getStartMark());
                    }
                    Object value;
                    if (node instanceof ScalarNode s) {
                        value = constructScalar(s);
                        if (longForm.equals("Fn::GetAtt")) {
                            // !GetAtt Resource.Attribute.With.Dots → [Resource, Attribute.With.Dots]
                            String text = (String) value;
                            int dot = text.indexOf('.');
                            if (dot < 1) {
                                throw new IllegalArgumentException("!GetAtt needs Resource.Attribute, was " + text);
                            }
                            value = List.of(text.substring(0, dot), text.substring(dot + 1));
                        }
                    } else if (node instanceof SequenceNode s) {
                        value = constructSequence(s);
                    } else {
                        value = constructMapping((MappingNode) node);
                    }
                    Map<String, Object> out = new LinkedHashMap<>();
                    out.put(longForm, value);
                    return out;
                }
            });
        }
    }
}
