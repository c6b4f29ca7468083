package io.userstreams.localdynamodb.expr;

import java.util.List;

/** A document path: attribute names (String) and list indexes (Integer), e.g. a.b[2].c. */
public record Path(List<Object> elements) {
    public static Path of(String attribute) {
        return new Path(List.of(attribute));
    }

    public String head() {
        return (String) elements.get(0);
    }

    public boolean isTopLevel() {
        return elements.size() == 1;
    }

    /** True when one path is a prefix of (or equal to) the other. */
    public boolean overlaps(Path other) {
        int n = Math.min(elements.size(), other.elements.size());
        return elements.subList(0, n).equals(other.elements.subList(0, n));
    }

    /** DynamoDB's rendering in error messages: [a, b, [2]]. */
    public String describe() {
        StringBuilder out = new StringBuilder("[");
        for (int i = 0; i < elements.size(); i++) {
            if (i > 0) {
                out.append(", ");
            }
            Object e = elements.get(i);
            out.append(e instanceof Integer ? "[" + e + "]" : e);
        }
        return out.append(']').toString();
    }

    @Override
    public String toString() {
        StringBuilder out = new StringBuilder();
        for (Object e : elements) {
            if (e instanceof Integer) {
                out.append('[').append(e).append(']');
            } else {
                if (out.length() > 0) {
                    out.append('.');
                }
                out.append(e);
            }
        }
        return out.toString();
    }
}
