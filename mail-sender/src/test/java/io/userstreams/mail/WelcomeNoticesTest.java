package io.userstreams.mail;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.amazonaws.services.lambda.runtime.events.SQSEvent;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class WelcomeNoticesTest {

    static SQSEvent.MessageAttribute attribute(String value) {
        SQSEvent.MessageAttribute a = new SQSEvent.MessageAttribute();
        a.setDataType("String");
        a.setStringValue(value);
        return a;
    }

    @Test
    void aRawDeliveryCarriesTheAttributesAsMessageAttributes() {
        SQSEvent.SQSMessage m = new SQSEvent.SQSMessage();
        m.setMessageId("m-1");
        m.setBody("Hi Kim, thanks for signing up.");
        Map<String, SQSEvent.MessageAttribute> attrs = new HashMap<>();
        attrs.put("userId", attribute("u-1"));
        attrs.put("email", attribute("kim@example.com"));
        attrs.put("locale", attribute("ko"));
        attrs.put("eventType", attribute("USER_CREATED"));
        attrs.put("welcomeKey", attribute("welcome#u-1#2026-12-01T00:00:00Z"));
        m.setMessageAttributes(attrs);

        WelcomeNotice n = WelcomeNotices.parse(m);

        assertThat(n.welcomeKey()).isEqualTo("welcome#u-1#2026-12-01T00:00:00Z");
        assertThat(n.createdAt()).contains(Instant.parse("2026-12-01T00:00:00Z"));
        assertThat(n.userId()).isEqualTo("u-1");
        assertThat(n.locale()).isEqualTo("ko");
        assertThat(n.toString()).doesNotContain("kim@example.com");
    }

    @Test
    void anEnvelopeWithoutWelcomeKeyFallsBackToTheFifoDeduplicationId() {
        SQSEvent.SQSMessage m = new SQSEvent.SQSMessage();
        m.setMessageId("m-2");
        m.setBody("{\"Type\":\"Notification\",\"MessageId\":\"x\",\"Message\":\"Hi\",\"MessageAttributes\":{"
                + "\"userId\":{\"Type\":\"String\",\"Value\":\"u-2\"},\"email\":{\"Type\":\"String\",\"Value\":\"a@example.com\"},"
                + "\"eventType\":{\"Type\":\"String\",\"Value\":\"USER_CREATED\"}}}");
        m.setAttributes(Map.of("MessageDeduplicationId", "abc123"));

        WelcomeNotice n = WelcomeNotices.parse(m);

        assertThat(n.welcomeKey()).isEqualTo("dedup#abc123");
        assertThat(n.createdAt()).isEmpty();
        assertThat(n.email()).isEqualTo("a@example.com");
    }

    @Test
    void messagesThatAreNotWelcomesAreMalformed() {
        SQSEvent.SQSMessage noAttributes = new SQSEvent.SQSMessage();
        noAttributes.setBody("hello");
        assertThatThrownBy(() -> WelcomeNotices.parse(noAttributes)).isInstanceOf(WelcomeNotices.MalformedNoticeException.class);

        SQSEvent.SQSMessage otherEvent = new SQSEvent.SQSMessage();
        otherEvent.setMessageAttributes(Map.of("eventType", attribute("USER_DELETED"), "userId", attribute("u"),
                "email", attribute("a@example.com"), "welcomeKey", attribute("k")));
        assertThatThrownBy(() -> WelcomeNotices.parse(otherEvent)).hasMessageContaining("USER_DELETED");

        SQSEvent.SQSMessage noKey = new SQSEvent.SQSMessage();
        noKey.setMessageAttributes(Map.of("userId", attribute("u"), "email", attribute("a@example.com")));
        assertThatThrownBy(() -> WelcomeNotices.parse(noKey)).hasMessageContaining("MessageDeduplicationId");
    }
}
