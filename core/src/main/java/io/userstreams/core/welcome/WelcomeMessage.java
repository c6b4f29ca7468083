package io.userstreams.core.welcome;

import io.userstreams.core.user.Emails;
import java.util.Map;

/**
 * One welcome message for the topic.
 *
 * @param attributes     message attributes (email, locale, userId, eventType) so subscriptions can filter
 * @param idempotencyKey the user creation's key ({@code welcome#<userId>#<createdAt>}): the same for
 *                       every retry of this message, so a FIFO topic deduplicates a re-publish
 */
public record WelcomeMessage(String userId, String email, String subject, String body, Map<String, String> attributes,
                             String idempotencyKey) {

    public WelcomeMessage {
        attributes = Map.copyOf(attributes);
    }

    @Override
    public String toString() {
        return "WelcomeMessage[userId=" + userId + ", email=" + Emails.mask(email) + ", subject=" + subject
                + ", key=" + idempotencyKey + "]";
    }
}
