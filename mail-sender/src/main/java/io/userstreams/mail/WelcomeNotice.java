package io.userstreams.mail;

import io.userstreams.core.user.Emails;
import java.time.Instant;
import java.util.Optional;

/**
 * What the welcome topic said: a user was created. The sender treats it as a trigger with a key;
 * the mail's content comes from the user's current item (consistent read) so a user deleted or
 * changed meanwhile is handled on what is true now.
 *
 * @param welcomeKey the user creation's key ({@code welcome#<userId>#<createdAt>}), or, from a
 *                   publisher that did not send it, {@code dedup#<MessageDeduplicationId>}
 * @param createdAt  the creation the welcome is for, when the key carries it
 */
public record WelcomeNotice(String messageId, String welcomeKey, String userId, String email, String locale,
                            Optional<Instant> createdAt) {

    @Override
    public String toString() {
        return "WelcomeNotice[messageId=" + messageId + ", key=" + welcomeKey + ", userId=" + userId + ", email="
                + Emails.mask(email) + ", locale=" + locale + "]";
    }
}
