package io.userstreams.core.search;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.AbstractConstruct;
import org.yaml.snakeyaml.constructor.SafeConstructor;
import org.yaml.snakeyaml.nodes.MappingNode;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.ScalarNode;
import org.yaml.snakeyaml.nodes.SequenceNode;

/**
 * The users index as template.yaml defines it ({@code Resources.SearchDomain.Metadata.UserStreams.Index}):
 * template.yaml is the one source of truth, shipped in the core jar as
 * {@code io/userstreams/core/template.yaml}. CloudFormation tags ({@code !Ref}, {@code !GetAtt},
 * {@code !Sub}...) are read as opaque values.
 */
public record IndexDefinition(String name, Map<String, Object> settings, Map<String, Object> mappings) {

    public static final String TEMPLATE_RESOURCE = "io/userstreams/core/template.yaml";

    /** The definition from the template in the core jar. */
    public static IndexDefinition fromTemplate() {
        try (InputStream in = IndexDefinition.class.getClassLoader().getResourceAsStream(TEMPLATE_RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException(TEMPLATE_RESOURCE + " is missing from the classpath");
            }
            return fromTemplate(new String(in.readAllBytes(), StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @SuppressWarnings("unchecked")
    public static IndexDefinition fromTemplate(String yaml) {
        Map<String, Object> root = (Map<String, Object>) loadTemplate(yaml);
        Map<String, Object> index = path(root, "Resources", "SearchDomain", "Metadata", "UserStreams", "Index");
        Object name = index.get("Name");
        if (!(name instanceof String s) || s.isBlank()) {
            throw new IllegalStateException("template.yaml: SearchDomain's UserStreams.Index.Name is missing");
        }
        return new IndexDefinition(s, (Map<String, Object>) index.getOrDefault("Settings", Map.of()),
                (Map<String, Object>) index.getOrDefault("Mappings", Map.of()));
    }

    /** Parses a CloudFormation template; intrinsic-function tags become {@code {"!Tag": value}}. */
    public static Object loadTemplate(String yaml) {
        LoaderOptions options = new LoaderOptions();
        return new Yaml(new CloudFormationConstructor(options)).load(yaml);
    }

    public static Object loadTemplate(Reader reader) {
        return new Yaml(new CloudFormationConstructor(new LoaderOptions())).load(reader);
    }

    /** The create-index body: {@code {"settings": ..., "mappings": ..., "aliases": {live alias}}}. */
    public String createBody() {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("settings", settings);
        body.put("mappings", mappings);
        body.put("aliases", Map.of(liveAlias(), liveAliasDefinition()));
        return json(body);
    }

    /**
     * The alias searches use: the index without its tombstones (deleted users are tombstone
     * documents, {@code deleted: true}, kept so deletes survive node restarts).
     */
    public String liveAlias() {
        return name + "-live";
    }

    /** {@code {"filter": not deleted}}: the live alias's definition. */
    public static Map<String, Object> liveAliasDefinition() {
        return Map.of("filter", Map.of("bool", Map.of("must_not", Map.of("term", Map.of("deleted", true)))));
    }

    /** Fields added since the first template: an index created before them gets them on start. */
    public static final java.util.List<String> ADDED_FIELDS = java.util.List.of("deleted", "changedAt");

    /** The body of {@code PUT <index>/_mapping}: only the fields added since (the others cannot change). */
    @SuppressWarnings("unchecked")
    public String mappingBody() {
        Map<String, Object> properties = (Map<String, Object>) mappings.getOrDefault("properties", Map.of());
        Map<String, Object> added = new LinkedHashMap<>();
        for (String field : ADDED_FIELDS) {
            if (properties.containsKey(field)) {
                added.put(field, properties.get(field));
            }
        }
        return json(Map.of("properties", added));
    }

    /** The body of {@code PUT <index>/_alias/<live alias>}. */
    public String liveAliasBody() {
        return json(liveAliasDefinition());
    }

    private static String json(Object body) {
        try {
            return new ObjectMapper().writeValueAsString(body);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /** An index definition with another name (e.g. per-test indexes). */
    public IndexDefinition withName(String otherName) {
        return new IndexDefinition(otherName, settings, mappings);
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> path(Map<String, Object> root, String... keys) {
        Object at = root;
        StringBuilder where = new StringBuilder();
        for (String k : keys) {
            where.append(where.length() == 0 ? "" : ".").append(k);
            if (!(at instanceof Map<?, ?> m) || !m.containsKey(k)) {
                throw new IllegalStateException("template.yaml has no " + where);
            }
            at = ((Map<String, Object>) m).get(k);
        }
        if (!(at instanceof Map<?, ?>)) {
            throw new IllegalStateException("template.yaml: " + where + " is not a mapping");
        }
        return (Map<String, Object>) at;
    }

    private static final class CloudFormationConstructor extends SafeConstructor {
        CloudFormationConstructor(LoaderOptions options) {
            super(options);
            this.yamlMultiConstructors.put("!", new Opaque());
        }

        private final class Opaque extends AbstractConstruct {
            @Override
            public Object construct(Node node) {
                Object value;
                if (node instanceof ScalarNode s) {
                    value = constructScalar(s);
                } else if (node instanceof SequenceNode s) {
                    value = constructSequence(s);
                } else if (node instanceof MappingNode m) {
                    value = constructMapping(m);
                } else {
                    value = List.of();
                }
                return Map.of(node.getTag().getValue(), value);
            }
        }
    }
}
