package io.userstreams.core.user;

import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.OptionalLong;
import java.util.Set;
import java.util.regex.Pattern;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/**
 * Turns a users-table item into a {@link User}, or says precisely why it is not one. Runs once per
 * record on the hot path, so it only uses precompiled patterns and set look-ups.
 */
public final class UserValidator {

    public static final Set<String> PLANS = Set.of("free", "pro", "enterprise");
    /** Far below DynamoDB's 400 KB: a user item is a few hundred bytes, anything this big is abuse or a bug. */
    public static final int MAX_ITEM_BYTES = 64 * 1024;
    public static final int MAX_NAME_CHARS = 256;
    public static final int MAX_USER_ID_CHARS = 128;
    /** Versions share a long with createdAt in the search index's external version (see ExternalVersions). */
    public static final long MAX_VERSION = (1L << 20) - 2;
    /** The search index's external version is {@code createdAtMillis * 2^20 + version}: it must be ≥ 0 ... */
    public static final Instant MIN_CREATED_AT = Instant.EPOCH;
    /** ... and fit a long with every version of the incarnation: createdAtMillis ≤ 2^43 − 1 (2248-09-26). */
    public static final Instant MAX_CREATED_AT = Instant.ofEpochMilli(Long.MAX_VALUE >> 20);

    private static final Set<String> COUNTRIES = Set.of(Locale.getISOCountries());
    private static final Set<String> LANGUAGES = Set.of(Locale.getISOLanguages());
    /** The address grammar {@link #isEmail} implements; kept as the readable definition (and for tests). */
    public static final Pattern EMAIL_PATTERN = Pattern.compile(
            "^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
                    + "(?:\\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+$");
    private static final Pattern LOCALE = Pattern.compile(
            "^([a-z]{2,3})(?:-[A-Z][a-z]{3})?(?:-([A-Z]{2}|[0-9]{3}))?$");

    private UserValidator() {
    }

    /**
     * A lone surrogate is what undecodable bytes become when a Lambda event or a capture file is
     * parsed; no sink can encode it (JSON and UTF-8 writers throw), so it is refused here, as bad input.
     */
    static void checkUnicode(String field, String value) {
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (Character.isHighSurrogate(c) && i + 1 < value.length() && Character.isLowSurrogate(value.charAt(i + 1))) {
                i++;
            } else if (Character.isSurrogate(c)) {
                throw new InvalidUserException(field, "is not valid Unicode (a lone surrogate at character " + i
                        + ": the source was not UTF-8)");
            }
        }
    }

    /** Parses and validates an item; throws the first problem found. */
    public static User parse(Map<String, AttributeValue> item) {
        UserImage image = parseFields(item);
        if (!image.problems().isEmpty()) {
            throw image.problems().values().iterator().next();
        }
        return image.user();
    }

    /**
     * Parses an item field by field: the user (a field that cannot be used holds a placeholder —
     * empty text, the epoch, {@link User#NO_VERSION}, no TTL) and every problem, by field, in the
     * item's field order. Reactions use this to check only the fields they use.
     */
    public static UserImage parseFields(Map<String, AttributeValue> item) {
        if (item == null || item.isEmpty()) {
            throw new InvalidUserException("item", "image is missing or empty");
        }
        Map<String, InvalidUserException> problems = new LinkedHashMap<>(2);
        try {
            checkDepth(item);
            // UTF-8 is at most 3 bytes per char: only items that could be too big are measured exactly.
            int size = roughSizeBound(item) <= MAX_ITEM_BYTES ? 0 : itemSize(item);
            if (size > MAX_ITEM_BYTES) {
                throw new InvalidUserException(UserImage.ITEM, "item is " + size + " bytes, more than the "
                        + MAX_ITEM_BYTES + " allowed for a user");
            }
        } catch (InvalidUserException e) {
            problems.put(UserImage.ITEM, e);
        }
        String userId = text(item, "userId", problems);
        String email = text(item, "email", problems);
        String name = text(item, "name", problems);
        String plan = text(item, "plan", problems);
        String country = text(item, "country", problems);
        String locale = text(item, "locale", problems);
        Instant createdAt = Instant.EPOCH;
        String createdAtText = text(item, "createdAt", problems);
        if (!problems.containsKey("createdAt")) {
            try {
                createdAt = parseInstant(createdAtText);
                checkCreatedAt(createdAt);
            } catch (InvalidUserException e) {
                problems.put("createdAt", e);
                createdAt = Instant.EPOCH;
            }
        }
        long version = User.NO_VERSION;
        if (item.containsKey("version")) {
            try {
                version = number(item, "version");
                checkVersion(version);
            } catch (InvalidUserException e) {
                problems.put("version", e);
                version = User.NO_VERSION;
            }
        }
        OptionalLong expiresAt = OptionalLong.empty();
        if (item.containsKey("expiresAt")) {
            try {
                long e = number(item, "expiresAt");
                checkExpiresAt(e);
                expiresAt = OptionalLong.of(e);
            } catch (InvalidUserException e) {
                problems.put("expiresAt", e);
            }
        }
        check(problems, "userId", userId, UserValidator::checkUserId);
        check(problems, "email", email, UserValidator::checkEmail);
        check(problems, "name", name, UserValidator::checkName);
        check(problems, "plan", plan, UserValidator::checkPlan);
        check(problems, "country", country, UserValidator::checkCountry);
        check(problems, "locale", locale, UserValidator::checkLocale);
        User user = new User(usable(problems, "userId", userId), usable(problems, "email", email),
                usable(problems, "name", name), usable(problems, "plan", plan), usable(problems, "country", country),
                usable(problems, "locale", locale), createdAt, version, expiresAt);
        return new UserImage(user, problems);
    }

    private static String text(Map<String, AttributeValue> item, String field, Map<String, InvalidUserException> problems) {
        try {
            return string(item, field);
        } catch (InvalidUserException e) {
            problems.put(field, e);
            return "";
        }
    }

    private static void check(Map<String, InvalidUserException> problems, String field, String value,
                              java.util.function.Consumer<String> check) {
        if (problems.containsKey(field)) {
            return;
        }
        try {
            check.accept(value);
        } catch (InvalidUserException e) {
            problems.put(field, e);
        }
    }

    private static String usable(Map<String, InvalidUserException> problems, String field, String value) {
        return problems.containsKey(field) ? "" : value;
    }

    /** Checks field values; writers call this before they write. */
    public static void validate(User user) {
        checkUserId(user.userId());
        checkEmail(user.email());
        checkName(user.name());
        checkPlan(user.plan());
        checkCountry(user.country());
        checkLocale(user.locale());
        checkCreatedAt(user.createdAt());
        checkVersion(user.version());
        if (user.expiresAt().isPresent()) {
            checkExpiresAt(user.expiresAt().getAsLong());
        }
    }

    public static void checkUserId(String userId) {
        if (userId.isBlank() || userId.length() > MAX_USER_ID_CHARS) {
            throw new InvalidUserException("userId", "must be 1-" + MAX_USER_ID_CHARS + " characters");
        }
        checkUnicode("userId", userId);
    }

    public static void checkName(String name) {
        checkUnicode("name", name);
        if (name.isBlank()) {
            throw new InvalidUserException("name", "must not be blank");
        }
        if (name.length() > MAX_NAME_CHARS) {
            throw new InvalidUserException("name", "is " + name.length() + " characters, more than " + MAX_NAME_CHARS);
        }
    }

    public static void checkPlan(String plan) {
        if (!PLANS.contains(plan)) {
            throw new InvalidUserException("plan", "unknown plan (" + LogSafe.describe(plan) + "), expected one of free, pro, enterprise");
        }
    }

    public static void checkCountry(String country) {
        if (!COUNTRIES.contains(country)) {
            throw new InvalidUserException("country", LogSafe.describe(country)
                    + " is not an ISO 3166 alpha-2 code (upper case, e.g. KR)");
        }
    }

    public static void checkVersion(long version) {
        if (version < 0 || version > MAX_VERSION) {
            throw new InvalidUserException("version", "must be between 1 and " + MAX_VERSION + ", was " + version);
        }
    }

    public static void checkExpiresAt(long expiresAt) {
        if (expiresAt < 0) {
            throw new InvalidUserException("expiresAt", "must be epoch seconds, was " + expiresAt);
        }
    }

    /** createdAt must fit the version scheme (see MIN_CREATED_AT, MAX_CREATED_AT); writers and the users API call this too. */
    public static void checkCreatedAt(Instant createdAt) {
        if (createdAt.isBefore(MIN_CREATED_AT) || createdAt.isAfter(MAX_CREATED_AT)) {
            throw new InvalidUserException("createdAt", "must be between " + MIN_CREATED_AT + " and " + MAX_CREATED_AT
                    + " (the search index's version is createdAt millis * 2^20 + version)");
        }
    }

    public static void checkEmail(String email) {
        if (email.length() > 254) {
            throw new InvalidUserException("email", "longer than 254 characters");
        }
        if (!isEmail(email)) {
            throw new InvalidUserException("email", "'" + Emails.mask(email) + "' is not a valid address");
        }
    }

    /**
     * The same grammar as {@link #EMAIL_PATTERN} (local part of RFC 5322 atext and dots, up to 64
     * characters; two or more DNS labels), by hand: the regex costs about a microsecond per record.
     */
    public static boolean isEmail(String email) {
        int at = email.indexOf('@');
        if (at <= 0 || at > 64 || at == email.length() - 1) {
            return false;
        }
        for (int i = 0; i < at; i++) {
            if (!isLocalChar(email.charAt(i))) {
                return false;
            }
        }
        int labels = 0;
        int start = at + 1;
        int n = email.length();
        while (start <= n) {
            int end = email.indexOf('.', start);
            if (end < 0) {
                end = n;
            }
            int len = end - start;
            if (len < 1 || len > 63 || email.charAt(start) == '-' || email.charAt(end - 1) == '-') {
                return false;
            }
            for (int i = start; i < end; i++) {
                char c = email.charAt(i);
                if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-')) {
                    return false;
                }
            }
            labels++;
            start = end + 1;
        }
        return labels >= 2;
    }

    private static boolean isLocalChar(char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
                || ".!#$%&'*+/=?^_`{|}~-".indexOf(c) >= 0;
    }

    /**
     * ISO-8601 instant. The usual {@code 2026-11-25T10:00:00Z} / {@code ...00.123Z} forms are
     * parsed by hand (Instant.parse costs over a microsecond); anything else goes to Instant.parse.
     */
    public static Instant parseInstant(String text) {
        Instant fast = fastInstant(text);
        if (fast != null) {
            return fast;
        }
        try {
            return Instant.parse(text);
        } catch (DateTimeParseException e) {
            throw new InvalidUserException("createdAt", LogSafe.describe(text) + " is not an ISO-8601 instant like 2026-11-25T10:00:00Z");
        }
    }

    private static Instant fastInstant(String t) {
        int n = t.length();
        if (n < 20 || n > 30 || t.charAt(n - 1) != 'Z' || t.charAt(4) != '-' || t.charAt(7) != '-'
                || t.charAt(10) != 'T' || t.charAt(13) != ':' || t.charAt(16) != ':') {
            return null;
        }
        int year = digits(t, 0, 4);
        int month = digits(t, 5, 2);
        int day = digits(t, 8, 2);
        int hour = digits(t, 11, 2);
        int minute = digits(t, 14, 2);
        int second = digits(t, 17, 2);
        int nano = 0;
        if (n > 20) {
            if (t.charAt(19) != '.' || n - 21 > 9 || n - 21 < 1) {
                return null;
            }
            int fraction = digits(t, 20, n - 21);
            if (fraction < 0) {
                return null;
            }
            nano = fraction;
            for (int i = n - 21; i < 9; i++) {
                nano *= 10;
            }
        } else if (t.charAt(19) != 'Z') {
            return null;
        }
        if ((year | month | day | hour | minute | second) < 0) {
            return null;
        }
        try {
            return java.time.LocalDateTime.of(year, month, day, hour, minute, second, nano)
                    .toInstant(java.time.ZoneOffset.UTC);
        } catch (java.time.DateTimeException e) {
            return null; // out of range: let Instant.parse report it
        }
    }

    /** The number in {@code t[from, from+len)}, or -1 when a character is not a digit. */
    private static int digits(String t, int from, int len) {
        int v = 0;
        for (int i = from; i < from + len; i++) {
            char c = t.charAt(i);
            if (c < '0' || c > '9') {
                return -1;
            }
            v = v * 10 + (c - '0');
        }
        return v;
    }

    public static void checkLocale(String locale) {
        var m = LOCALE.matcher(locale);
        if (!m.matches()) {
            throw new InvalidUserException("locale", LogSafe.describe(locale) + " is not a BCP-47 tag like en, ko or en-US");
        }
        String language = m.group(1);
        if (language.length() == 2 && !LANGUAGES.contains(language)) {
            throw new InvalidUserException("locale", "unknown language (" + LogSafe.describe(language) + ")");
        }
        String region = m.group(2);
        if (region != null && region.length() == 2 && !COUNTRIES.contains(region)) {
            throw new InvalidUserException("locale", "unknown region (" + LogSafe.describe(region) + ")");
        }
    }

    private static String string(Map<String, AttributeValue> item, String field) {
        AttributeValue v = item.get(field);
        if (v == null) {
            throw new InvalidUserException(field, "missing");
        }
        if (v.s() == null) {
            throw new InvalidUserException(field, "expected a string (S), got " + typeOf(v));
        }
        return v.s();
    }

    private static long number(Map<String, AttributeValue> item, String field) {
        AttributeValue v = item.get(field);
        if (v.n() == null) {
            throw new InvalidUserException(field, "expected a number (N), got " + typeOf(v));
        }
        try {
            return Long.parseLong(v.n());
        } catch (NumberFormatException e) {
            throw new InvalidUserException(field, LogSafe.describe(v.n()) + " is not a whole number");
        }
    }

    /** The attribute's DynamoDB type letter(s), for error messages. */
    public static String typeOf(AttributeValue v) {
        return switch (v.type()) {
            case S -> "S";
            case N -> "N";
            case B -> "B";
            case SS -> "SS";
            case NS -> "NS";
            case BS -> "BS";
            case M -> "M";
            case L -> "L";
            case BOOL -> "BOOL";
            case NUL -> "NULL";
            default -> "unknown";
        };
    }

    /** DynamoDB stores at most 32 levels of nested documents: anything deeper did not come from a table. */
    public static final int MAX_DEPTH = 32;

    private static void checkDepth(Map<String, AttributeValue> item) {
        for (Map.Entry<String, AttributeValue> e : item.entrySet()) {
            if (depth(e.getValue(), 0) > MAX_DEPTH) {
                throw new InvalidUserException(e.getKey(), "nests deeper than the " + MAX_DEPTH
                        + " levels DynamoDB allows");
            }
        }
    }

    /** Levels of documents (maps, lists) in {@code v}; stops once past the limit, so hostile input cannot recurse deeply. */
    private static int depth(AttributeValue v, int above) {
        if (!v.hasM() && !v.hasL()) {
            return above;
        }
        int level = above + 1;
        if (level > MAX_DEPTH) {
            return level;
        }
        int max = level;
        for (AttributeValue child : v.hasM() ? v.m().values() : v.l()) {
            max = Math.max(max, depth(child, level));
        }
        return max;
    }

    /** An upper bound of {@link #itemSize}, cheap: string lengths times 3, nested values measured exactly. */
    static int roughSizeBound(Map<String, AttributeValue> item) {
        long bound = 0;
        for (Map.Entry<String, AttributeValue> e : item.entrySet()) {
            AttributeValue v = e.getValue();
            bound += 3L * e.getKey().length();
            if (v.s() != null) {
                bound += 3L * v.s().length();
            } else if (v.n() != null) {
                bound += v.n().length();
            } else {
                bound += valueSize(v);
            }
        }
        return (int) Math.min(Integer.MAX_VALUE, bound);
    }

    /** Approximates DynamoDB's item size rules (names + values, UTF-8). Cheap: no encoding for ASCII. */
    public static int itemSize(Map<String, AttributeValue> item) {
        int size = 0;
        for (Map.Entry<String, AttributeValue> e : item.entrySet()) {
            size += utf8Length(e.getKey()) + valueSize(e.getValue());
        }
        return size;
    }

    private static int valueSize(AttributeValue v) {
        switch (v.type()) {
            case S:
                return utf8Length(v.s());
            case N:
                return (v.n().length() + 1) / 2 + 1;
            case B:
                return v.b().asByteArrayUnsafe().length;
            case BOOL:
            case NUL:
                return 1;
            case SS: {
                int s = 0;
                for (String x : v.ss()) s += utf8Length(x);
                return s;
            }
            case NS: {
                int s = 0;
                for (String x : v.ns()) s += (x.length() + 1) / 2 + 1;
                return s;
            }
            case BS: {
                int s = 0;
                for (SdkBytes x : v.bs()) s += x.asByteArrayUnsafe().length;
                return s;
            }
            case L: {
                int s = 3;
                for (AttributeValue x : v.l()) s += 1 + valueSize(x);
                return s;
            }
            case M: {
                int s = 3;
                for (Map.Entry<String, AttributeValue> e : v.m().entrySet()) {
                    s += 1 + utf8Length(e.getKey()) + valueSize(e.getValue());
                }
                return s;
            }
            default:
                return 0;
        }
    }

    private static int utf8Length(String s) {
        int n = s.length();
        int bytes = n;
        for (int i = 0; i < n; i++) {
            char c = s.charAt(i);
            if (c >= 0x80) {
                bytes += c >= 0x800 && !Character.isSurrogate(c) ? 2 : 1;
            }
        }
        return bytes;
    }
}
