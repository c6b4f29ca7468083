package io.userstreams.core.processing;

/**
 * SQS accepts only XML 1.0 characters in a message body (#x9, #xA, #xD, #x20-#xD7FF, #xE000-#xFFFD,
 * #x10000-#x10FFFF) and rejects the whole message otherwise (InvalidMessageContents). Bad input is
 * exactly what a dead letter carries (lone surrogates from undecodable bytes, U+FFFF), so JSON
 * bodies are made safe by escaping such characters as JSON does ({@code \\uXXXX}): the body stays
 * the same JSON value and nothing of the record is lost.
 */
final class SqsMessageBodies {

    private SqsMessageBodies() {
    }

    /** {@code json} with every character SQS refuses written as a JSON escape (they only occur inside strings). */
    static String sqsSafe(String json) {
        int i = 0;
        while (i < json.length() && allowed(json, i)) {
            i += Character.charCount(json.codePointAt(i));
        }
        if (i == json.length()) {
            return json;
        }
        StringBuilder out = new StringBuilder(json.length() + 16).append(json, 0, i);
        while (i < json.length()) {
            if (allowed(json, i)) {
                int cp = json.codePointAt(i);
                out.appendCodePoint(cp);
                i += Character.charCount(cp);
            } else {
                out.append(String.format("\\u%04x", (int) json.charAt(i)));
                i++;
            }
        }
        return out.toString();
    }

    private static boolean allowed(String s, int i) {
        char c = s.charAt(i);
        if (Character.isHighSurrogate(c)) {
            return i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1));
        }
        return c == 0x9 || c == 0xA || c == 0xD || (c >= 0x20 && c <= 0xD7FF) || (c >= 0xE000 && c <= 0xFFFD);
    }
}
