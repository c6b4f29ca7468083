package io.userstreams.core.user;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.OptionalLong;
import java.util.Set;

/**
 * Users as plain JSON for the API, with validation that reports every field at fault at once
 * (the core's validator stops at the first, so each field is checked on its own).
 */
public final class UserJson {

    public static final Set<String> FIELDS = Set.of("userId", "email", "name", "plan", "country", "locale",
            "createdAt", "version", "expiresAt");
    public static final Set<String> UPDATABLE = Set.of("email", "name", "plan", "country", "locale", "expiresAt");

    /** One field's problem, as the API returns it. */
    public record FieldError(String field, String reason) {
    }

    /** Thrown with every field error found. */
    public static final class InvalidFieldsException extends RuntimeException {
        private final List<FieldError> errors;

        public InvalidFieldsException(List<FieldError> errors) {
            super(describe(errors), null, false, false);
            this.errors = List.copyOf(errors);
        }

        public List<FieldError> errors() {
            return errors;
        }

        private static String describe(List<FieldError> errors) {
            StringBuilder sb = new StringBuilder("invalid user: ");
            for (int i = 0; i < errors.size(); i++) {
                if (i > 0) sb.append("; ");
                sb.append(errors.get(i).field()).append(": ").append(errors.get(i).reason());
            }
            return sb.toString();
        }
    }

    private static final User VALID = new User("u-valid", "valid@example.com", "Valid", "free", "US", "en",
            Instant.EPOCH, 1, OptionalLong.empty());

    private UserJson() {
    }

    public static ObjectNode toJson(User u) {
        ObjectNode n = JsonNodeFactory.instance.objectNode();
        n.put("userId", u.userId());
        n.put("email", u.email());
        n.put("name", u.name());
        n.put("plan", u.plan());
        n.put("country", u.country());
        n.put("locale", u.locale());
        n.put("createdAt", u.createdAt().toString());
        n.put("version", u.version());
        u.expiresAt().ifPresent(e -> n.put("expiresAt", e));
        return n;
    }

    /** A new user from a create request: every field but createdAt (default now) is required. */
    public static User forCreate(JsonNode body, Instant now) {
        List<FieldError> errors = new ArrayList<>();
        if (body == null || !body.isObject()) {
            throw new InvalidFieldsException(List.of(new FieldError("body", "expected a JSON object")));
        }
        unknownFields(body, FIELDS, errors);
        String userId = text(body, "userId", true, errors);
        String email = text(body, "email", true, errors);
        String name = text(body, "name", true, errors);
        String plan = text(body, "plan", true, errors);
        String country = text(body, "country", true, errors);
        String locale = text(body, "locale", true, errors);
        String createdAtText = text(body, "createdAt", false, errors);
        Instant createdAt = now;
        if (createdAtText != null) {
            try {
                createdAt = Instant.parse(createdAtText);
                UserValidator.checkCreatedAt(createdAt);
            } catch (InvalidUserException e) {
                errors.add(new FieldError(e.field(), e.reason()));
            } catch (DateTimeParseException e) {
                errors.add(new FieldError("createdAt", "'" + createdAtText + "' is not an ISO-8601 instant"));
            }
        }
        OptionalLong expiresAt = number(body, "expiresAt", errors);
        if (body.has("version") && !(body.get("version").canConvertToLong() && body.get("version").asLong() == 1)) {
            errors.add(new FieldError("version", "a new user starts at version 1; leave it out"));
        }
        checkEach(userId, email, name, plan, country, locale, errors);
        if (!errors.isEmpty()) {
            throw new InvalidFieldsException(errors);
        }
        return new User(userId, email, name, plan, country, locale, createdAt, 1, expiresAt);
    }

    /** Applies an update request's fields to the current user; the version is set by the store. */
    public static User applyUpdate(User current, JsonNode body) {
        List<FieldError> errors = new ArrayList<>();
        if (body == null || !body.isObject()) {
            throw new InvalidFieldsException(List.of(new FieldError("body", "expected a JSON object")));
        }
        for (Iterator<String> it = body.fieldNames(); it.hasNext(); ) {
            String f = it.next();
            if (!UPDATABLE.contains(f) && !f.equals("version") && !f.equals("userId")) {
                errors.add(new FieldError(f, FIELDS.contains(f) ? "cannot be changed" : "unknown field"));
            }
        }
        if (body.has("userId") && !current.userId().equals(body.get("userId").asText())) {
            errors.add(new FieldError("userId", "cannot be changed"));
        }
        String email = orElse(text(body, "email", false, errors), current.email());
        String name = orElse(text(body, "name", false, errors), current.name());
        String plan = orElse(text(body, "plan", false, errors), current.plan());
        String country = orElse(text(body, "country", false, errors), current.country());
        String locale = orElse(text(body, "locale", false, errors), current.locale());
        OptionalLong expiresAt = body.has("expiresAt") ? number(body, "expiresAt", errors) : current.expiresAt();
        checkEach(current.userId(), email, name, plan, country, locale, errors);
        if (!errors.isEmpty()) {
            throw new InvalidFieldsException(errors);
        }
        return new User(current.userId(), email, name, plan, country, locale, current.createdAt(), current.version(),
                expiresAt);
    }

    /** The expected version from a request body, if it has one. */
    public static OptionalLong expectedVersion(JsonNode body) {
        if (body != null && body.has("version") && body.get("version").canConvertToLong()) {
            return OptionalLong.of(body.get("version").asLong());
        }
        return OptionalLong.empty();
    }

    /** Validates each present field on its own, so all bad fields are reported together. */
    static void checkEach(String userId, String email, String name, String plan, String country, String locale,
                          List<FieldError> errors) {
        if (userId != null) check(() -> UserValidator.validate(new User(userId, VALID.email(), VALID.name(),
                VALID.plan(), VALID.country(), VALID.locale(), VALID.createdAt(), 1, OptionalLong.empty())), errors);
        if (email != null) check(() -> UserValidator.checkEmail(email), errors);
        if (name != null) check(() -> UserValidator.validate(new User(VALID.userId(), VALID.email(), name,
                VALID.plan(), VALID.country(), VALID.locale(), VALID.createdAt(), 1, OptionalLong.empty())), errors);
        if (plan != null) check(() -> UserValidator.validate(new User(VALID.userId(), VALID.email(), VALID.name(),
                plan, VALID.country(), VALID.locale(), VALID.createdAt(), 1, OptionalLong.empty())), errors);
        if (country != null) check(() -> UserValidator.validate(new User(VALID.userId(), VALID.email(), VALID.name(),
                VALID.plan(), country, VALID.locale(), VALID.createdAt(), 1, OptionalLong.empty())), errors);
        if (locale != null) check(() -> UserValidator.checkLocale(locale), errors);
    }

    private static void check(Runnable r, List<FieldError> errors) {
        try {
            r.run();
        } catch (InvalidUserException e) {
            errors.add(new FieldError(e.field(), e.reason()));
        }
    }

    private static void unknownFields(JsonNode body, Set<String> allowed, List<FieldError> errors) {
        for (Iterator<String> it = body.fieldNames(); it.hasNext(); ) {
            String f = it.next();
            if (!allowed.contains(f)) {
                errors.add(new FieldError(f, "unknown field"));
            }
        }
    }

    private static String text(JsonNode body, String field, boolean required, List<FieldError> errors) {
        JsonNode v = body.get(field);
        if (v == null || v.isNull()) {
            if (required) {
                errors.add(new FieldError(field, "missing"));
            }
            return null;
        }
        if (!v.isTextual()) {
            errors.add(new FieldError(field, "expected a string"));
            return null;
        }
        return v.asText();
    }

    private static OptionalLong number(JsonNode body, String field, List<FieldError> errors) {
        JsonNode v = body.get(field);
        if (v == null || v.isNull()) {
            return OptionalLong.empty();
        }
        if (!v.canConvertToLong() || !v.isIntegralNumber() || v.asLong() < 0) {
            errors.add(new FieldError(field, "expected epoch seconds (a whole number)"));
            return OptionalLong.empty();
        }
        return OptionalLong.of(v.asLong());
    }

    private static String orElse(String value, String fallback) {
        return value != null ? value : fallback;
    }
}
