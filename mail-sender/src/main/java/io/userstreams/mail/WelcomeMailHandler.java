package io.userstreams.mail;

import io.userstreams.core.aws.CallRecorder;
import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestHandler;
import com.amazonaws.services.lambda.runtime.events.SQSBatchResponse;
import com.amazonaws.services.lambda.runtime.events.SQSEvent;
import com.amazonaws.services.lambda.runtime.events.SQSEvent.SQSMessage;
import io.userstreams.core.user.Emails;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.sesv2.SesV2Client;

/**
 * Lambda entry point behind the FIFO welcome queue (SQS event source with ReportBatchItemFailures).
 * Messages are handled in order; at the first one that must be retried (systemic failure, or a
 * message that cannot be read) it and every later message are reported as batch item failures, as
 * a FIFO queue requires — otherwise a later message of the same group could overtake it. Permanent
 * rejections are recorded in the sends table and logged, and the message is done.
 * One JSON log line per message; addresses masked.
 */
public final class WelcomeMailHandler implements RequestHandler<SQSEvent, SQSBatchResponse>, AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(WelcomeMailHandler.class);

    /** The scope of this function's AWS calls when they are recorded (the template's permission check). */
    public static final String CALL_SCOPE = "mail-sender";

    private final WelcomeMailSender sender;
    private final AutoCloseable[] clients;
    private final List<java.util.function.BiConsumer<WelcomeNotice, WelcomeMailSender.Result>> listeners =
            new java.util.concurrent.CopyOnWriteArrayList<>();

    /** Lambda: configuration from the function's environment. */
    public WelcomeMailHandler() {
        this(MailSettings.fromEnvironment(System.getenv()));
    }

    public WelcomeMailHandler(MailSettings settings) {
        this(settings, clients(settings), Clock.systemUTC());
    }

    private WelcomeMailHandler(MailSettings settings, Object[] clients, Clock clock) {
        this(new WelcomeMailSender(settings, (DynamoDbClient) clients[0], (SesV2Client) clients[1], clock),
                (AutoCloseable) clients[0], (AutoCloseable) clients[1]);
    }

    public WelcomeMailHandler(WelcomeMailSender sender, AutoCloseable... clients) {
        this.sender = Objects.requireNonNull(sender);
        this.clients = clients;
    }

    private static Object[] clients(MailSettings settings) {
        var connection = settings.connection();
        DynamoDbClient dynamoDb = connection.configure(CallRecorder.register(DynamoDbClient.builder()),
                io.userstreams.core.aws.AwsConnection.Service.DYNAMODB)
                .httpClientBuilder(UrlConnectionHttpClient.builder()).build();
        var ses = CallRecorder.register(SesV2Client.builder()).region(connection.region()).credentialsProvider(connection.credentials())
                .httpClientBuilder(UrlConnectionHttpClient.builder());
        settings.sesEndpoint().ifPresent(ses::endpointOverride);
        return new Object[] {dynamoDb, ses.build()};
    }

    /** Called after each message with its outcome (e.g. the local CLI prints one line per mail). */
    public WelcomeMailHandler onResult(java.util.function.BiConsumer<WelcomeNotice, WelcomeMailSender.Result> listener) {
        listeners.add(Objects.requireNonNull(listener));
        return this;
    }

    @Override
    public SQSBatchResponse handleRequest(SQSEvent event, Context context) {
        try (CallRecorder.Scope scope = CallRecorder.scope(CALL_SCOPE)) {
            return handle(event, context);
        }
    }

    private SQSBatchResponse handle(SQSEvent event, Context context) {
        List<SQSBatchResponse.BatchItemFailure> failures = new ArrayList<>();
        List<SQSMessage> records = event.getRecords() == null ? List.of() : event.getRecords();
        boolean stopped = false;
        for (SQSMessage message : records) {
            if (stopped) {
                failures.add(new SQSBatchResponse.BatchItemFailure(message.getMessageId()));
                continue;
            }
            long start = System.nanoTime();
            WelcomeNotice notice;
            try {
                notice = WelcomeNotices.parse(message);
            } catch (WelcomeNotices.MalformedNoticeException e) {
                // Not retried into success: left to the queue's redrive policy, which moves it to the
                // dead-letter queue after maxReceiveCount receives (kept, not dropped).
                log.atError().addKeyValue("messageId", message.getMessageId()).addKeyValue("outcome", "MALFORMED")
                        .addKeyValue("reason", e.getMessage()).log("welcome message unreadable; left for the dead-letter queue");
                failures.add(new SQSBatchResponse.BatchItemFailure(message.getMessageId()));
                stopped = true;
                continue;
            }
            WelcomeMailSender.Result result = sender.send(notice);
            MailOutcome outcome = result.outcome();
            var line = (outcome.kind() == MailOutcome.Kind.SENT || outcome.kind() == MailOutcome.Kind.DUPLICATE
                    || outcome.kind() == MailOutcome.Kind.SKIPPED ? log.atInfo() : log.atWarn())
                    .addKeyValue("messageId", message.getMessageId())
                    .addKeyValue("welcomeKey", notice.welcomeKey())
                    .addKeyValue("userId", notice.userId())
                    .addKeyValue("email", Emails.mask(notice.email()))
                    .addKeyValue("outcome", outcome.kind().name())
                    .addKeyValue("durationMs", (System.nanoTime() - start) / 1_000_000);
            if (outcome.reason() != null) {
                line = line.addKeyValue("reason", outcome.reason());
            }
            if (outcome.detail() != null) {
                line = line.addKeyValue("detail", WelcomeMailSender.scrub(outcome.detail()));
            }
            if (outcome.sesMessageId() != null) {
                line = line.addKeyValue("sesMessageId", outcome.sesMessageId());
            }
            if (result.templateLocale() != null) {
                line = line.addKeyValue("templateLocale", result.templateLocale())
                        .addKeyValue("locale", notice.locale());
            }
            if (context != null) {
                line = line.addKeyValue("requestId", context.getAwsRequestId());
            }
            line.log("welcome mail");
            for (var l : listeners) {
                l.accept(notice, result);
            }
            if (!outcome.done()) {
                failures.add(new SQSBatchResponse.BatchItemFailure(message.getMessageId()));
                stopped = true;
            }
        }
        return SQSBatchResponse.builder().withBatchItemFailures(failures).build();
    }

    @Override
    public void close() {
        for (AutoCloseable c : clients) {
            try {
                c.close();
            } catch (Exception e) {
                // closing clients at shutdown: nothing to do
            }
        }
    }
}
