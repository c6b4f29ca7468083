package io.userstreams.template;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.networknt.schema.JsonSchema;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.SpecVersion;
import com.networknt.schema.ValidationMessage;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The vendored AWS SAM JSON Schema (draft-04, src/test/resources/schemas/sam.schema.json). Checks the
 * whole template with the schema's root, and each {@code AWS::Serverless::*} resource and
 * {@code Globals} with their own definitions, which give precise messages.
 */
final class SamSchema {

    static final String RESOURCE = "schemas/sam.schema.json";
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final JsonSchemaFactory FACTORY = JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V4);

    private final JsonNode schema;
    private final JsonSchema root;
    private final JsonSchema globals;
    private final Map<String, JsonSchema> byType = new LinkedHashMap<>();

    private SamSchema(JsonNode schema) {
        this.schema = schema;
        this.root = FACTORY.getSchema(schema);
        this.globals = definition("__main____Globals");
        Iterator<Map.Entry<String, JsonNode>> it = schema.get("definitions").fields();
        while (it.hasNext()) {
            Map.Entry<String, JsonNode> d = it.next();
            JsonNode type = d.getValue().path("properties").path("Type").path("enum");
            if (d.getKey().endsWith("__Resource") && type.size() == 1
                    && type.get(0).asText().startsWith("AWS::Serverless::")) {
                byType.put(type.get(0).asText(), definition(d.getKey()));
            }
        }
    }

    static SamSchema load() {
        try (InputStream in = SamSchema.class.getClassLoader().getResourceAsStream(RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException(RESOURCE + " is not on the test class path");
            }
            return new SamSchema(JSON.readTree(in));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    Set<String> serverlessTypes() {
        return byType.keySet();
    }

    /** Every violation, prefixed by where it is; empty when the template is valid. */
    List<String> validate(Template template) {
        List<String> errors = new ArrayList<>();
        for (ValidationMessage m : root.validate(JSON.valueToTree(template.root()))) {
            errors.add("template: " + m.getMessage());
        }
        Object g = template.root().get("Globals");
        if (g != null) {
            for (ValidationMessage m : globals.validate(JSON.valueToTree(g))) {
                errors.add("Globals: " + m.getMessage());
            }
        }
        template.resources().forEach((id, r) -> {
            String type = Template.type(Template.map(r));
            if (type.startsWith("AWS::Serverless::")) {
                JsonSchema s = byType.get(type);
                if (s == null) {
                    errors.add(id + ": unknown SAM resource type " + type);
                    return;
                }
                for (ValidationMessage m : s.validate(JSON.valueToTree(r))) {
                    errors.add(id + ": " + m.getMessage());
                }
            }
        });
        return errors;
    }

    /** A schema that is the root document pointing at one of its definitions. */
    private JsonSchema definition(String name) {
        if (!schema.get("definitions").has(name)) {
            throw new IllegalStateException("the SAM schema has no definition " + name);
        }
        ObjectNode wrapper = JSON.createObjectNode();
        wrapper.put("$schema", schema.get("$schema").asText());
        wrapper.set("definitions", schema.get("definitions"));
        wrapper.put("$ref", "#/definitions/" + name);
        return FACTORY.getSchema(wrapper);
    }
}
