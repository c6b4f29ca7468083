package io.userstreams.localsns;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * The flattened parameters of a Query API request ({@code Attributes.entry.1.key=...},
 * {@code PublishBatchRequestEntries.member.1.Id=...}); a list member is a view with a prefix.
 */
final class QueryParams implements ActionInput {

    private final Map<String, String> values;
    private final String prefix;

    private QueryParams(Map<String, String> values, String prefix) {
        this.values = values;
        this.prefix = prefix;
    }

    static QueryParams parse(String... encodedParts) {
        Map<String, String> m = new HashMap<>();
        for (String encoded : encodedParts) {
            if (encoded == null || encoded.isEmpty()) {
                continue;
            }
            for (String pair : encoded.split("&")) {
                if (pair.isEmpty()) {
                    continue;
                }
                int eq = pair.indexOf('=');
                String k = URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8);
                String v = eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
                m.put(k, v);
            }
        }
        return new QueryParams(m, "");
    }

    @Override
    public String string(String name) {
        return values.get(prefix + name);
    }

    /** The sorted indexes N present under {@code path.N.} (path ends with ".entry" or ".member"). */
    private TreeSet<Integer> indexes(String path) {
        TreeSet<Integer> idx = new TreeSet<>();
        String p = path + ".";
        for (String k : values.keySet()) {
            if (k.startsWith(p)) {
                int dot = k.indexOf('.', p.length());
                String n = dot < 0 ? k.substring(p.length()) : k.substring(p.length(), dot);
                try {
                    idx.add(Integer.parseInt(n));
                } catch (NumberFormatException ignored) {
                    // not an index: ignored like any unknown parameter
                }
            }
        }
        return idx;
    }

    /** Sent as {@code name.entry.N.key} / {@code name.entry.N.value}. */
    @Override
    public Map<String, String> stringMap(String name) {
        Map<String, String> m = new LinkedHashMap<>();
        String path = prefix + name + ".entry";
        for (int i : indexes(path)) {
            String base = path + "." + i + ".";
            String k = values.get(base + "key");
            if (k != null) {
                m.put(k, values.getOrDefault(base + "value", ""));
            }
        }
        return m;
    }

    /** Sent as {@code name.entry.N.Name}, {@code .Value.DataType}, {@code .Value.StringValue|BinaryValue}. */
    @Override
    public Map<String, MessageAttribute> messageAttributes(String name) {
        Map<String, MessageAttribute> m = new LinkedHashMap<>();
        String path = prefix + name + ".entry";
        for (int i : indexes(path)) {
            String base = path + "." + i + ".";
            String attr = values.get(base + "Name");
            if (attr == null) {
                throw SnsError.invalidParameterValue("The message attribute name must not be empty.");
            }
            m.put(attr, new MessageAttribute(values.get(base + "Value.DataType"),
                    values.get(base + "Value.StringValue"), decode(attr, values.get(base + "Value.BinaryValue"))));
        }
        return m;
    }

    static byte[] decode(String attribute, String base64) {
        try {
            return base64 == null ? null : Base64.getDecoder().decode(base64);
        } catch (IllegalArgumentException e) {
            throw SnsError.invalidParameterValue("The message attribute '" + attribute + "' has an invalid binary value.");
        }
    }

    /** Members {@code name.member.1.}, {@code name.member.2.}, ... as views. */
    @Override
    public List<ActionInput> list(String name) {
        List<ActionInput> out = new ArrayList<>();
        String path = prefix + name + ".member";
        for (int i : indexes(path)) {
            out.add(new QueryParams(values, path + "." + i + "."));
        }
        return out;
    }
}
