package io.userstreams.core.welcome;

import io.userstreams.core.user.User;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Welcome subject and plain-text body per locale, from resources
 * {@code io/userstreams/core/welcome/welcome_<tag>.txt}: first line {@code Subject: ...}, a blank
 * line, then the body; placeholders {@code {{name}}}, {@code {{plan}}}, {@code {{userId}}}.
 * Lookup: the exact tag (en-US), then its language (en), then {@code en}.
 */
public final class WelcomeTemplates {

    public static final String FALLBACK = "en";
    private static final String PREFIX = "io/userstreams/core/welcome/welcome_";

    /** One parsed template. */
    public record Template(String locale, String subject, String body) {
    }

    /** A rendered message. */
    public record Rendered(String locale, String subject, String body) {
    }

    private final Map<String, Template> byTag = new ConcurrentHashMap<>();
    private final Template fallback;

    public WelcomeTemplates() {
        Template en = load(FALLBACK);
        if (en == null) {
            throw new IllegalStateException("the fallback welcome template " + PREFIX + FALLBACK + ".txt is missing");
        }
        this.fallback = en;
    }

    /** The template used for a user's locale tag. */
    public Template forLocale(String tag) {
        if (tag == null || tag.isBlank()) {
            return fallback;
        }
        return byTag.computeIfAbsent(tag, this::resolve);
    }

    public Rendered render(User user) {
        Template t = forLocale(user.locale());
        return new Rendered(t.locale(), fill(t.subject(), user), fill(t.body(), user));
    }

    /** The fallback (English) subject for a user. */
    public String renderFallbackSubject(User user) {
        return fill(fallback.subject(), user);
    }

    private Template resolve(String tag) {
        Template exact = load(tag);
        if (exact != null) {
            return exact;
        }
        int dash = tag.indexOf('-');
        if (dash > 0) {
            Template language = load(tag.substring(0, dash).toLowerCase(Locale.ROOT));
            if (language != null) {
                return language;
            }
        }
        Template lower = load(tag.toLowerCase(Locale.ROOT));
        return lower != null ? lower : fallback;
    }

    private static String fill(String text, User user) {
        return text.replace("{{name}}", user.name()).replace("{{plan}}", user.plan()).replace("{{userId}}", user.userId());
    }

    private static Template load(String tag) {
        if (!tag.matches("[A-Za-z0-9-]{1,35}")) {
            return null;
        }
        try (InputStream in = WelcomeTemplates.class.getClassLoader().getResourceAsStream(PREFIX + tag + ".txt")) {
            if (in == null) {
                return null;
            }
            String text = new String(in.readAllBytes(), StandardCharsets.UTF_8).replace("\r\n", "\n");
            int nl = text.indexOf('\n');
            String first = nl < 0 ? text : text.substring(0, nl);
            if (!first.startsWith("Subject:")) {
                throw new IllegalStateException("welcome template " + tag + " must start with 'Subject: '");
            }
            String body = nl < 0 ? "" : text.substring(nl + 1);
            if (body.startsWith("\n")) {
                body = body.substring(1);
            }
            return new Template(tag, first.substring("Subject:".length()).trim(), body);
        } catch (IOException e) {
            throw new UncheckedIOException("reading welcome template " + tag, e);
        }
    }
}
