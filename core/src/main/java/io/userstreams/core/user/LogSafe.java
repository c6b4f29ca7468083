package io.userstreams.core.user;

import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Text for logs and dead-letter reasons without personal data. Anything a person may have typed
 * (a name, an address, a plan or country value another application wrote, a value a sink quotes
 * back in its error) is replaced by its shape; the record itself travels in the dead letter, in
 * the access-controlled queue, not in the logs.
 */
public final class LogSafe {

    /** Words OpenSearch puts in brackets that are not data: our mapped fields and its types. */
    private static final Set<String> SAFE_BRACKETED = Set.of("userId", "email", "name", "name.raw", "plan", "country",
            "locale", "createdAt", "version", "expiresAt", "deleted", "changedAt", "text", "keyword", "long", "date",
            "boolean", "integer", "strict_date_optional_time||epoch_millis", "_doc");
    private static final Pattern QUOTED = Pattern.compile("'[^']*'|\"[^\"]*\"");
    private static final Pattern BRACKETED = Pattern.compile("\\[([^\\[\\]]*)]");
    private static final Pattern EMAIL_LIKE = Pattern.compile("[^\\s'\"\\[\\]()<>,;:]+@[^\\s'\"\\[\\]()<>,;:]+");
    private static final Pattern PREVIEW = Pattern.compile("(?i)(preview of field's value:).*$");

    private LogSafe() {
    }

    /** A value's shape, never its content: {@code a value of 4 characters}. */
    public static String describe(String value) {
        if (value == null) {
            return "no value";
        }
        return value.isEmpty() ? "an empty value" : "a value of " + value.length() + " characters";
    }

    /**
     * A sink's error text (OpenSearch reason, SNS or DynamoDB message) with quoted and bracketed
     * values and anything that looks like an address replaced by {@code ***}; field and type names
     * OpenSearch brackets are kept, so the reason still says what failed.
     */
    public static String redact(String text) {
        if (text == null) {
            return null;
        }
        String out = PREVIEW.matcher(text).replaceAll("$1 ***");
        out = EMAIL_LIKE.matcher(out).replaceAll(m -> Matcher.quoteReplacement(Emails.mask(m.group())));
        out = QUOTED.matcher(out).replaceAll("'***'");
        out = BRACKETED.matcher(out).replaceAll(m -> SAFE_BRACKETED.contains(m.group(1)) ? Matcher.quoteReplacement(m.group())
                : "[***]");
        return out;
    }
}
