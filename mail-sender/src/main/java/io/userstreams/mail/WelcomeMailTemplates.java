package io.userstreams.mail;

import io.userstreams.core.user.User;
import io.userstreams.core.welcome.WelcomeTemplates;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The welcome mail in the user's language: subject and text body from the core's templates
 * ({@code welcome_<tag>.txt}, the same text the topic carries), the HTML body from
 * {@code io/userstreams/mail/welcome_<tag>.html} of the same locale. A locale without a template
 * falls back as the core does (the language, then English) and the mail says which it used.
 * Values are HTML-escaped in the HTML body; control characters in a name become spaces (no header
 * injection through the subject); a name longer than {@link #MAX_NAME_CHARS} is refused.
 */
public final class WelcomeMailTemplates {

    /** Longer names are refused: a subject is no place for a paragraph (or for spam in a name). */
    public static final int MAX_NAME_CHARS = 100;
    private static final String HTML_PREFIX = "io/userstreams/mail/welcome_";

    /** A rendered mail. {@code locale} is the template used; {@code requestedLocale} the user's. */
    public record WelcomeMail(String requestedLocale, String locale, String subject, String text, String html) {
        public boolean fellBack() {
            return !locale.equalsIgnoreCase(requestedLocale);
        }
    }

    /** The user's data cannot make a mail (a permanent rejection, not retried). */
    public static final class UnrenderableException extends RuntimeException {
        private final String reason;

        UnrenderableException(String reason, String message) {
            super(message);
            this.reason = reason;
        }

        public String reason() {
            return reason;
        }
    }

    private final WelcomeTemplates texts = new WelcomeTemplates();
    private final Map<String, String> html = new ConcurrentHashMap<>();

    public WelcomeMail render(User user) {
        if (user.name().codePointCount(0, user.name().length()) > MAX_NAME_CHARS) {
            throw new UnrenderableException("NameTooLong", "the name of user " + user.userId() + " has more than "
                    + MAX_NAME_CHARS + " characters");
        }
        User safe = new User(user.userId(), user.email(), withoutControls(user.name()).strip(), user.plan(),
                user.country(), user.locale(), user.createdAt(), user.version(), user.expiresAt());
        WelcomeTemplates.Rendered text = texts.render(safe);
        String template = html.computeIfAbsent(text.locale(), WelcomeMailTemplates::loadHtml);
        String body = template.replace("{{name}}", escape(safe.name())).replace("{{plan}}", escape(safe.plan()))
                .replace("{{userId}}", escape(safe.userId())).replace("{{subject}}", escape(text.subject()))
                .replace("{{lang}}", escape(text.locale()));
        return new WelcomeMail(user.locale(), text.locale(), text.subject(), text.body(), body);
    }

    static String withoutControls(String s) {
        StringBuilder b = new StringBuilder(s.length());
        s.codePoints().forEach(cp -> b.appendCodePoint(Character.isISOControl(cp)
                || Character.getType(cp) == Character.LINE_SEPARATOR
                || Character.getType(cp) == Character.PARAGRAPH_SEPARATOR ? ' ' : cp));
        return b.toString();
    }

    static String escape(String s) {
        StringBuilder b = new StringBuilder(s.length() + 16);
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '<' -> b.append("&lt;");
                case '>' -> b.append("&gt;");
                case '&' -> b.append("&amp;");
                case '"' -> b.append("&quot;");
                case '\'' -> b.append("&#39;");
                default -> b.append(c);
            }
        }
        return b.toString();
    }

    private static String loadHtml(String locale) {
        String name = HTML_PREFIX + locale + ".html";
        try (InputStream in = WelcomeMailTemplates.class.getClassLoader().getResourceAsStream(name)) {
            if (in == null) {
                throw new IllegalStateException("the HTML welcome template " + name + " is missing: every text template"
                        + " (core welcome_<tag>.txt) needs its HTML twin");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("reading " + name, e);
        }
    }
}
