package io.userstreams.localsns;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.MissingNode;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The parameters of an AWS JSON protocol request body. */
final class JsonInput implements ActionInput {

    private final JsonNode node;

    JsonInput(JsonNode node) {
        this.node = node == null ? MissingNode.getInstance() : node;
    }

    @Override
    public String string(String name) {
        JsonNode v = node.get(name);
        return v == null || v.isNull() ? null : v.asText();
    }

    @Override
    public Map<String, String> stringMap(String name) {
        Map<String, String> m = new LinkedHashMap<>();
        JsonNode v = node.get(name);
        if (v != null && v.isObject()) {
            for (Iterator<Map.Entry<String, JsonNode>> it = v.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                m.put(e.getKey(), e.getValue().isNull() ? "" : e.getValue().asText());
            }
        }
        return m;
    }

    @Override
    public Map<String, MessageAttribute> messageAttributes(String name) {
        Map<String, MessageAttribute> m = new LinkedHashMap<>();
        JsonNode v = node.get(name);
        if (v != null && v.isObject()) {
            for (Iterator<Map.Entry<String, JsonNode>> it = v.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                JsonInput a = new JsonInput(e.getValue());
                m.put(e.getKey(), new MessageAttribute(a.string("DataType"), a.string("StringValue"),
                        QueryParams.decode(e.getKey(), a.string("BinaryValue"))));
            }
        }
        return m;
    }

    @Override
    public List<ActionInput> list(String name) {
        List<ActionInput> out = new ArrayList<>();
        JsonNode v = node.get(name);
        if (v != null && v.isArray()) {
            v.forEach(member -> out.add(new JsonInput(member)));
        }
        return out;
    }
}
