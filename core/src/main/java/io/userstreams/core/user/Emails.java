package io.userstreams.core.user;

/** E-mail helpers; logs never carry a full address. */
public final class Emails {

    private Emails() {
    }

    /** {@code kim@example.com} → {@code k***@example.com}; anything unparseable → {@code ***}. */
    public static String mask(String email) {
        if (email == null) {
            return "***";
        }
        int at = email.lastIndexOf('@');
        if (at <= 0 || at == email.length() - 1) {
            return "***";
        }
        return email.charAt(0) + "***" + email.substring(at);
    }
}
