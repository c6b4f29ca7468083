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

    /** A template split at its placeholders once, so rendering is one pass without searching. */
    private record Compiled(Template template, String[] subject, String[] body) {
        static Compiled of(Template t) {
            return new Compiled(t, split(t.subject()), split(t.body()));
        }
    }

    private static final String[] PLACEHOLDERS = {"{{name}}", "{{plan}}", "{{userId}}"};

    /** Literal, placeholder, literal, placeholder, ... (placeholders as their names). */
    private static String[] split(String text) {
        java.util.List<String> parts = new java.util.ArrayList<>();
        int from = 0;
        while (true) {
            int best = -1;
            String which = null;
            for (String p : PLACEHOLDERS) {
                int at = text.indexOf(p, from);
                if (at >= 0 && (best < 0 || at < best)) {
                    best = at;
                    which = p;
                }
            }
            if (best < 0) {
                parts.add(text.substring(from));
                return parts.toArray(String[]::new);
            }
            parts.add(text.substring(from, best));
            parts.add(which);
            from = best + which.length();
        }
    }

    private static String render(String[] parts, User user) {
        int size = 0;
        for (String p : parts) {
            size += p.length();
        }
        StringBuilder b = new StringBuilder(size + 64);
        for (int i = 0; i < parts.length; i++) {
            if ((i & 1) == 0) {
                b.append(parts[i]);
            } else {
                b.append(switch (parts[i]) {
                    case "{{name}}" -> user.name();
                    case "{{plan}}" -> user.plan();
                    default -> user.userId();
                });
            }
        }
        return b.toString();
    }

    /** A rendered message. */
    public record Rendered(String locale, String subject, String body) {
    }

    private final Map<String, Compiled> byTag = new ConcurrentHashMap<>();
    private final Compiled fallback;

    public WelcomeTemplates() {
        Template en = load(FALLBACK);
        if (en == null) {
            throw new IllegalStateException("the fallback welcome template " + PREFIX + FALLBACK + ".txt is missing");
        }
        this.fallback = Compiled.of(en);
    }

    /** The template used for a user's locale tag. */
    public Template forLocale(String tag) {
        return compiled(tag).template();
    }

    private Compiled compiled(String tag) {
        if (tag == null || tag.isBlank()) {
            return fallback;
        }
        Compiled c = byTag.get(tag);
        return c != null ? c : byTag.computeIfAbsent(tag, t -> {
            Template resolved = resolve(t);
            return resolved == fallback.template() ? fallback : Compiled.of(resolved);
        });
    }

    public Rendered render(User user) {
        Compiled c = compiled(user.locale());
        return new Rendered(c.template().locale(), render(c.subject(), user), render(c.body(), user));
    }

    /** The fallback (English) subject for a user. */
    public String renderFallbackSubject(User user) {
        return render(fallback.subject(), user);
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
        return lower != null ? lower : fallback.template();
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
