package io.userstreams.localstack;

import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.Reader;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.AbstractConstruct;
import org.yaml.snakeyaml.constructor.SafeConstructor;
import org.yaml.snakeyaml.nodes.MappingNode;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.ScalarNode;
import org.yaml.snakeyaml.nodes.SequenceNode;

/**
 * A read-only view of a CloudFormation/SAM template. Tolerant on purpose: any resource type, any
 * property and every short-form intrinsic ({@code !Ref}, {@code !GetAtt}, {@code !Sub}, ...) are
 * accepted; intrinsics come back as opaque {@link Intrinsic} values. The local stack only reads the
 * data, messaging and search resources, so the deployable parts of the file can grow freely.
 */
final class CloudFormationTemplate {

    /** A short-form intrinsic function such as {@code !Ref Foo}, kept unevaluated. */
    record Intrinsic(String tag, Object value) {
        /** The logical id of {@code !Ref X} or {@code !GetAtt X.Attr}, when that is what this is. */
        Optional<String> referencedLogicalId() {
            if (tag.equals("!Ref") && value instanceof String s) {
                return Optional.of(s);
            }
            if (tag.equals("!GetAtt")) {
                if (value instanceof String s && s.contains(".")) {
                    return Optional.of(s.substring(0, s.indexOf('.')));
                }
                if (value instanceof List<?> l && !l.isEmpty() && l.get(0) instanceof String s) {
                    return Optional.of(s);
                }
            }
            return Optional.empty();
        }
    }

    /** One entry of {@code Resources}. */
    record Resource(String logicalId, String type, Map<String, Object> properties, Map<String, Object> metadata) {

        /** {@code Metadata.UserStreams.LocalName}, else the logical id. */
        String localName() {
            Object userStreams = metadata.get("UserStreams");
            if (userStreams instanceof Map<?, ?> m && m.get("LocalName") instanceof String name && !name.isBlank()) {
                return name;
            }
            return logicalId;
        }

        /** {@code Metadata.UserStreams} as a map (empty when absent). */
        Map<String, Object> userStreamsMetadata() {
            return asMap(metadata.get("UserStreams"));
        }
    }

    private final Map<String, Resource> resources;

    private CloudFormationTemplate(Map<String, Resource> resources) {
        this.resources = Collections.unmodifiableMap(resources);
    }

    static CloudFormationTemplate load(URL url) {
        try (InputStream in = url.openStream()) {
            return parse(new InputStreamReader(in, StandardCharsets.UTF_8), url.toString());
        } catch (IOException e) {
            throw new IllegalStateException("cannot read the template " + url + ": " + e.getMessage(), e);
        }
    }

    static CloudFormationTemplate parse(Reader reader, String source) {
        LoaderOptions options = new LoaderOptions();
        options.setAllowDuplicateKeys(false);
        Object root;
        try {
            root = new Yaml(new CfnConstructor(options)).load(reader);
        } catch (RuntimeException e) {
            throw new IllegalStateException("the template " + source + " is not valid YAML: " + e.getMessage(), e);
        }
        if (!(root instanceof Map<?, ?> top)) {
            throw new IllegalStateException("the template " + source + " is not a mapping with a Resources section");
        }
        Object rawResources = top.get("Resources");
        if (!(rawResources instanceof Map<?, ?> resourceMap)) {
            throw new IllegalStateException("the template " + source + " has no Resources mapping");
        }
        Map<String, Resource> resources = new LinkedHashMap<>();
        for (Map.Entry<?, ?> e : resourceMap.entrySet()) {
            String id = String.valueOf(e.getKey());
            Map<String, Object> body = asMap(e.getValue());
            Object type = body.get("Type");
            resources.put(id, new Resource(id, type instanceof String t ? t : "", asMap(body.get("Properties")),
                    asMap(body.get("Metadata"))));
        }
        return new CloudFormationTemplate(resources);
    }

    Map<String, Resource> resources() {
        return resources;
    }

    Optional<Resource> resource(String logicalId) {
        return Optional.ofNullable(resources.get(logicalId));
    }

    List<Resource> ofType(String type) {
        List<Resource> out = new ArrayList<>();
        for (Resource r : resources.values()) {
            if (r.type().equals(type)) {
                out.add(r);
            }
        }
        return out;
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> asMap(Object value) {
        if (value instanceof Map<?, ?> m) {
            Map<String, Object> out = new LinkedHashMap<>();
            m.forEach((k, v) -> out.put(String.valueOf(k), v));
            return out;
        }
        return Map.of();
    }

    static List<Object> asList(Object value) {
        if (value instanceof List<?> l) {
            return new ArrayList<>(l);
        }
        return List.of();
    }

    /** A plain string, or empty when absent or an intrinsic the local stack cannot evaluate. */
    static Optional<String> string(Map<String, Object> map, String key) {
        Object v = map.get(key);
        if (v instanceof String || v instanceof Number || v instanceof Boolean) {
            return Optional.of(String.valueOf(v));
        }
        return Optional.empty();
    }

    /**
     * Safe YAML plus every unknown local tag ({@code !Anything}) as an {@link Intrinsic}, whatever
     * its node kind, so new intrinsics never break parsing.
     */
    private static final class CfnConstructor extends SafeConstructor {
        CfnConstructor(LoaderOptions options) {
            super(options);
            this.yamlConstructors.put(null, new AbstractConstruct() {
                @Override
                public Object construct(Node node) {
                    String tag = node.getTag().getValue();
                    Object value;
                    if (node instanceof ScalarNode s) {
                        value = constructScalar(s);
                    } else if (node instanceof SequenceNode s) {
                        value = constructSequence(s);
                    } else if (node instanceof MappingNode m) {
                        value = constructMapping(m);
                    } else {
                        value = null;
                    }
                    return new Intrinsic(tag, value);
                }
            });
        }
    }
}
