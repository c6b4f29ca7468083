package io.userstreams.mail;

import io.userstreams.core.aws.CallRecorder;
import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestHandler;
import com.amazonaws.services.lambda.runtime.events.SNSEvent;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.userstreams.core.user.Emails;
import java.io.IOException;
import java.time.Clock;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;

/**
 * Feeds the suppression list from the configuration set's event destination (SES → SNS → this
 * function): a permanent bounce suppresses each bounced recipient, a complaint each complaining
 * one. Transient bounces and other events change nothing. A failed write throws: SNS retries the
 * invocation (Lambda's asynchronous retries, then the function's dead-letter target).
 */
public final class SesEventHandler implements RequestHandler<SNSEvent, Integer> {

    private static final Logger log = LoggerFactory.getLogger(SesEventHandler.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    /** The scope of this function's AWS calls when they are recorded (the template's permission check). */
    public static final String CALL_SCOPE = "ses-events";

    private final SuppressionList suppressions;
    private final Clock clock;

    public SesEventHandler() {
        this(MailSettings.fromEnvironment(System.getenv()));
    }

    public SesEventHandler(MailSettings settings) {
        this(new SuppressionList(settings.connection().configure(CallRecorder.register(DynamoDbClient.builder()),
                io.userstreams.core.aws.AwsConnection.Service.DYNAMODB)
                .httpClientBuilder(UrlConnectionHttpClient.builder()).build(), settings.suppressionTable()),
                Clock.systemUTC());
    }

    public SesEventHandler(SuppressionList suppressions, Clock clock) {
        this.suppressions = Objects.requireNonNull(suppressions);
        this.clock = Objects.requireNonNull(clock);
    }

    /** Returns how many addresses were suppressed. */
    @Override
    public Integer handleRequest(SNSEvent event, Context context) {
        try (CallRecorder.Scope scope = CallRecorder.scope(CALL_SCOPE)) {
            return handle(event);
        }
    }

    private int handle(SNSEvent event) {
        int suppressed = 0;
        for (SNSEvent.SNSRecord record : event.getRecords()) {
            suppressed += apply(record.getSNS().getMessageId(), record.getSNS().getMessage());
        }
        return suppressed;
    }

    int apply(String messageId, String message) {
        JsonNode e;
        try {
            e = JSON.readTree(message);
        } catch (IOException ex) {
            log.atError().addKeyValue("messageId", messageId).log("SES event is not JSON; ignored");
            return 0;
        }
        // Event publishing says eventType; the identity's feedback notifications say notificationType.
        String type = e.hasNonNull("eventType") ? e.get("eventType").asText() : e.path("notificationType").asText();
        int count = 0;
        switch (type) {
            case "Bounce" -> {
                String bounceType = e.path("bounce").path("bounceType").asText();
                if ("Permanent".equals(bounceType)) {
                    for (JsonNode r : e.path("bounce").path("bouncedRecipients")) {
                        count += suppress(messageId, r.path("emailAddress").asText(), "BOUNCE",
                                e.path("bounce").path("bounceSubType").asText());
                    }
                }
            }
            case "Complaint" -> {
                for (JsonNode r : e.path("complaint").path("complainedRecipients")) {
                    count += suppress(messageId, r.path("emailAddress").asText(), "COMPLAINT",
                            e.path("complaint").path("complaintFeedbackType").asText());
                }
            }
            default -> {
                // Send, Delivery, Reject, ... : nothing to suppress
            }
        }
        log.atInfo().addKeyValue("messageId", messageId).addKeyValue("eventType", type)
                .addKeyValue("suppressed", count).log("SES event");
        return count;
    }

    private int suppress(String messageId, String email, String reason, String detail) {
        if (email == null || email.isBlank()) {
            return 0;
        }
        suppressions.suppress(email, reason, detail, clock.instant());
        log.atInfo().addKeyValue("messageId", messageId).addKeyValue("email", Emails.mask(email))
                .addKeyValue("reason", reason).log("address suppressed");
        return 1;
    }
}
