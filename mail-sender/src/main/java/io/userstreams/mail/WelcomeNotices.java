package io.userstreams.mail;

import com.amazonaws.services.lambda.runtime.events.SQSEvent.MessageAttribute;
import com.amazonaws.services.lambda.runtime.events.SQSEvent.SQSMessage;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.userstreams.core.welcome.WelcomeEmailReaction;
import java.io.IOException;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;
import java.util.Optional;

/**
 * Reads the welcome message the core publishes, delivered raw (RawMessageDelivery: the attributes
 * arrive as SQS message attributes) or inside the SNS JSON envelope ({@code MessageAttributes} with
 * {@code Type}/{@code Value}).
 */
public final class WelcomeNotices {

    private static final ObjectMapper JSON = new ObjectMapper();

    private WelcomeNotices() {
    }

    /** A message that is not a welcome the sender can act on. */
    public static final class MalformedNoticeException extends RuntimeException {
        MalformedNoticeException(String message) {
            super(message);
        }
    }

    public static WelcomeNotice parse(SQSMessage message) {
        Map<String, String> attributes = new HashMap<>();
        if (message.getMessageAttributes() != null) {
            for (Map.Entry<String, MessageAttribute> e : message.getMessageAttributes().entrySet()) {
                if (e.getValue() != null && e.getValue().getStringValue() != null) {
                    attributes.put(e.getKey(), e.getValue().getStringValue());
                }
            }
        }
        String body = message.getBody();
        if (attributes.isEmpty() && body != null && body.startsWith("{")) {
            attributes.putAll(envelopeAttributes(body));
        }
        String eventType = attributes.get("eventType");
        if (eventType != null && !WelcomeEmailReaction.EVENT_TYPE.equals(eventType)) {
            throw new MalformedNoticeException("not a welcome: eventType " + eventType);
        }
        String userId = required(attributes, "userId");
        String email = required(attributes, "email");
        String locale = attributes.getOrDefault("locale", "");
        String key = attributes.get("welcomeKey");
        if (key == null) {
            String dedup = message.getAttributes() == null ? null : message.getAttributes().get("MessageDeduplicationId");
            if (dedup == null) {
                throw new MalformedNoticeException("the message has neither a welcomeKey attribute nor a"
                        + " MessageDeduplicationId (FIFO) to claim the send under");
            }
            key = "dedup#" + dedup;
        }
        return new WelcomeNotice(message.getMessageId(), key, userId, email, locale, createdAt(key, userId));
    }

    /** {@code welcome#<userId>#<createdAt>} → createdAt. */
    static Optional<Instant> createdAt(String key, String userId) {
        String prefix = "welcome#" + userId + "#";
        if (!key.startsWith(prefix)) {
            return Optional.empty();
        }
        try {
            return Optional.of(Instant.parse(key.substring(prefix.length())));
        } catch (DateTimeParseException e) {
            return Optional.empty();
        }
    }

    private static Map<String, String> envelopeAttributes(String body) {
        JsonNode envelope;
        try {
            envelope = JSON.readTree(body);
        } catch (IOException e) {
            throw new MalformedNoticeException("the body is neither raw text with attributes nor an SNS envelope");
        }
        if (!"Notification".equals(envelope.path("Type").asText())) {
            throw new MalformedNoticeException("SNS envelope of type '" + envelope.path("Type").asText()
                    + "', not a Notification");
        }
        Map<String, String> out = new HashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = envelope.path("MessageAttributes").fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            JsonNode value = e.getValue().get("Value");
            if (value != null && value.isTextual()) {
                out.put(e.getKey(), value.asText());
            }
        }
        return out;
    }

    private static String required(Map<String, String> attributes, String name) {
        String v = attributes.get(name);
        if (v == null || v.isBlank()) {
            throw new MalformedNoticeException("the welcome message has no '" + name + "' attribute");
        }
        return v;
    }
}
