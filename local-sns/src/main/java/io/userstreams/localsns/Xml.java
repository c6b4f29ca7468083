package io.userstreams.localsns;

/** Just enough XML writing for Query API responses. */
final class Xml {

    static final String NAMESPACE = "http://sns.amazonaws.com/doc/2010-03-31/";

    private final StringBuilder sb = new StringBuilder(256);

    Xml open(String tag) {
        sb.append('<').append(tag).append('>');
        return this;
    }

    Xml openRoot(String tag) {
        sb.append('<').append(tag).append(" xmlns=\"").append(NAMESPACE).append("\">");
        return this;
    }

    Xml close(String tag) {
        sb.append("</").append(tag).append('>');
        return this;
    }

    /** Appends a fragment another {@link Xml} built (already escaped). */
    Xml raw(Xml fragment) {
        sb.append(fragment.sb);
        return this;
    }

    Xml leaf(String tag, String value) {
        if (value == null) {
            return this;
        }
        sb.append('<').append(tag).append('>');
        escape(value);
        sb.append("</").append(tag).append('>');
        return this;
    }

    private void escape(String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '<' -> sb.append("&lt;");
                case '>' -> sb.append("&gt;");
                case '&' -> sb.append("&amp;");
                case '"' -> sb.append("&quot;");
                case '\'' -> sb.append("&apos;");
                case '\r' -> sb.append("&#xD;");
                default -> sb.append(c);
            }
        }
    }

    @Override
    public String toString() {
        return sb.toString();
    }
}
