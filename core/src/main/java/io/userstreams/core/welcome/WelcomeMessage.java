package io.userstreams.core.welcome;

import io.userstreams.core.user.Emails;
import java.util.Map;

/**
 * One welcome message for the topic.
 *
 * @param attributes message attributes (email, locale, userId, eventType) so subscriptions can filter
 */
public record WelcomeMessage(String userId, String email, String subject, String body, Map<String, String> attributes) {

    public WelcomeMessage {
        attributes = Map.copyOf(attributes);
    }

    @Override
    public String toString() {
        return "WelcomeMessage[userId=" + userId + ", email=" + Emails.mask(email) + ", subject=" + subject + "]";
    }
}
