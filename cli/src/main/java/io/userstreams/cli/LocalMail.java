package io.userstreams.cli;

import io.userstreams.localdefaults.LocalDefaults;
import io.userstreams.core.aws.AwsConnection;
import io.userstreams.core.user.Emails;
import io.userstreams.localstack.LocalResources;
import io.userstreams.localstack.LocalStack;
import io.userstreams.mail.MailOutcome;
import io.userstreams.mail.MailSettings;
import io.userstreams.mail.WelcomeMailHandler;
import io.userstreams.mail.local.WelcomeQueuePoller;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import software.amazon.awssdk.services.sqs.SqsClient;

/**
 * The welcome mail path of `consume` in local mode: the mail sender's Lambda handler, fed from the
 * local FIFO welcome queue as Lambda's SQS event source would feed it, sending through the local
 * SES endpoint into the local mail server. One terminal line per mail (address masked).
 */
final class LocalMail implements AutoCloseable {

    private final WelcomeMailHandler handler;
    private final WelcomeQueuePoller poller;
    private final SqsClient sqs;

    private LocalMail(WelcomeMailHandler handler, WelcomeQueuePoller poller, SqsClient sqs) {
        this.handler = handler;
        this.poller = poller;
        this.sqs = sqs;
    }

    /** The variables of a stack started by `user-streams stack` on the standard ports. */
    static Map<String, String> runningStackEnvironment(String sqsEndpoint, String account) {
        Map<String, String> env = new HashMap<>();
        env.put("AWS_ENDPOINT_URL_SESV2", LocalDefaults.endpoint(LocalDefaults.SES_PORT).toString());
        env.put("WELCOME_QUEUE_URL", sqsEndpoint + "/" + account + "/" + LocalDefaults.WELCOME_QUEUE);
        env.put(MailSettings.MAIL_FROM_ADDRESS, LocalResources.LOCAL_FROM_ADDRESS);
        env.put(MailSettings.MAIL_CONFIGURATION_SET, LocalDefaults.MAIL_CONFIGURATION_SET);
        return env;
    }

    /** Starts the sender on the local welcome queue; null (with a note) when the stack has none. */
    static LocalMail start(Map<String, String> env, LocalStack stack, PrintStream console, PrintWriter out) {
        String queueUrl = env.get("WELCOME_QUEUE_URL");
        if (queueUrl == null || env.get("AWS_ENDPOINT_URL_SESV2") == null) {
            out.println("welcome mails: off (this local stack has no welcome queue or SES endpoint)");
            out.flush();
            return null;
        }
        WelcomeMailHandler handler = new WelcomeMailHandler(MailSettings.fromEnvironment(env));
        if (console != null) {
            handler.onResult((notice, result) -> {
                MailOutcome o = result.outcome();
                String line = switch (o.kind()) {
                    case SENT -> "MAIL " + notice.userId() + " → delivered to " + Emails.mask(notice.email())
                            + " (template " + result.templateLocale() + ")";
                    case DUPLICATE -> null;
                    case SKIPPED -> "MAIL " + notice.userId() + " → not sent: " + o.reason();
                    case REJECTED -> "MAIL " + notice.userId() + " → not sent: " + o.reason() + " (recorded, not retried)";
                    case RETRY -> "MAIL " + notice.userId() + " → will retry: " + o.reason();
                };
                if (line != null) {
                    console.println(line);
                    console.flush();
                }
            });
        }
        SqsClient sqs = stack != null ? null : AwsConnection.fromEnvironment(env)
                .configure(SqsClient.builder(), AwsConnection.Service.SQS).build();
        SqsClient client = stack != null ? stack.sqs() : sqs;
        WelcomeQueuePoller poller = new WelcomeQueuePoller(client, queueUrl, env.getOrDefault("AWS_REGION", LocalDefaults.REGION),
                handler, Duration.ofSeconds(2)).start();
        out.println("welcome mails: sent through the local SES endpoint " + env.get("AWS_ENDPOINT_URL_SESV2")
                + (stack != null && stack.mailServer() != null
                        ? "; read them over IMAP at 127.0.0.1:" + stack.mailServer().imapPort() + " (user = the address, any password)"
                        : ""));
        out.flush();
        return new LocalMail(handler, poller, sqs);
    }

    @Override
    public void close() {
        poller.close();
        handler.close();
        if (sqs != null) {
            sqs.close();
        }
    }
}
