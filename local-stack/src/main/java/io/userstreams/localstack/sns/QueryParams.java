package io.userstreams.localstack.sns;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/** The flattened parameters of a Query API request ({@code a.entry.1.key=...}, {@code a.member.1.X=...}). */
final class QueryParams {

    private final Map<String, String> values;

    QueryParams(Map<String, String> values) {
        this.values = values;
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
        return new QueryParams(m);
    }

    String get(String name) {
        return values.get(name);
    }

    /** The sorted indexes N present under {@code prefix.N.} (prefix ends with ".entry" or ".member"). */
    private TreeSet<Integer> indexes(String prefix) {
        TreeSet<Integer> idx = new TreeSet<>();
        String p = prefix + ".";
        for (String k : values.keySet()) {
            if (k.startsWith(p)) {
                int dot = k.indexOf('.', p.length());
                String n = dot < 0 ? k.substring(p.length()) : k.substring(p.length(), dot);
                try {
                    idx.add(Integer.parseInt(n));
                } catch (NumberFormatException ignored) {
                    // not an index: ignore like the service ignores unknown parameters
                }
            }
        }
        return idx;
    }

    /** A string map sent as {@code prefix.entry.N.<keyName>} / {@code prefix.entry.N.<valueName>}. */
    Map<String, String> map(String prefix, String keyName, String valueName) {
        Map<String, String> m = new LinkedHashMap<>();
        for (int i : indexes(prefix + ".entry")) {
            String base = prefix + ".entry." + i + ".";
            String k = values.get(base + keyName);
            if (k != null) {
                m.put(k, values.getOrDefault(base + valueName, ""));
            }
        }
        return m;
    }

    /** The SNS message attribute map: {@code prefix.entry.N.Name}, {@code .Value.DataType}, {@code .Value.StringValue|BinaryValue}. */
    Map<String, MessageAttribute> messageAttributes(String prefix) {
        Map<String, MessageAttribute> m = new LinkedHashMap<>();
        for (int i : indexes(prefix + ".entry")) {
            String base = prefix + ".entry." + i + ".";
            String name = values.get(base + "Name");
            if (name == null) {
                throw SnsError.invalidParameterValue("The message attribute name must not be empty.");
            }
            String binary = values.get(base + "Value.BinaryValue");
            byte[] bytes;
            try {
                bytes = binary == null ? null : Base64.getDecoder().decode(binary);
            } catch (IllegalArgumentException e) {
                throw SnsError.invalidParameterValue("The message attribute '" + name + "' has an invalid binary value.");
            }
            m.put(name, new MessageAttribute(values.get(base + "Value.DataType"),
                    values.get(base + "Value.StringValue"), bytes));
        }
        return m;
    }

    /** The member prefixes of a list: {@code prefix.member.1}, {@code prefix.member.2}, ... */
    List<String> members(String prefix) {
        List<String> out = new ArrayList<>();
        for (int i : indexes(prefix + ".member")) {
            out.add(prefix + ".member." + i);
        }
        return out;
    }
}
