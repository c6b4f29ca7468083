package io.userstreams.mail;

import io.userstreams.core.user.InvalidUserException;
import io.userstreams.core.user.User;
import io.userstreams.core.user.UserItems;
import java.time.Clock;
import java.time.Instant;
import java.util.Map;
import java.util.Objects;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.sesv2.SesV2Client;
import software.amazon.awssdk.services.sesv2.model.SendEmailRequest;
import software.amazon.awssdk.services.sesv2.model.SendEmailResponse;

/**
 * Sends one welcome mail per user creation. Per message: claim the welcome key → read the user
 * (consistent) → check the suppression list → render → SES SendEmail → record the outcome.
 *
 * <p>A user deleted before the mail goes out gets none (SKIPPED): the welcome is for an account that
 * no longer exists, and mailing it would contact someone who asked to leave. A user deleted and
 * created again (another createdAt) is skipped too: the new creation has its own welcome. The
 * address, name, plan and locale are the user's current ones.
 */
public final class WelcomeMailSender {

    /** Called after SES accepted a mail and before the claim is finished; a test's crash point. */
    interface AfterAccepted {
        void run(WelcomeNotice notice, String sesMessageId);
    }

    private static final int FINISH_ATTEMPTS = 3;
    private static final Pattern EMAIL = Pattern.compile("[^\\s<>:;,\"']+@[^\\s<>:;,\"']+");

    private final MailSettings settings;
    private final DynamoDbClient dynamoDb;
    private final SesV2Client ses;
    private final SendClaims claims;
    private final SuppressionList suppressions;
    private final WelcomeMailTemplates templates;
    private final Clock clock;
    private final AfterAccepted afterAccepted;

    public WelcomeMailSender(MailSettings settings, DynamoDbClient dynamoDb, SesV2Client ses, Clock clock) {
        this(settings, dynamoDb, ses, clock, (n, id) -> { });
    }

    WelcomeMailSender(MailSettings settings, DynamoDbClient dynamoDb, SesV2Client ses, Clock clock,
                      AfterAccepted afterAccepted) {
        this.settings = Objects.requireNonNull(settings);
        this.dynamoDb = Objects.requireNonNull(dynamoDb);
        this.ses = Objects.requireNonNull(ses);
        this.clock = Objects.requireNonNull(clock);
        this.claims = new SendClaims(dynamoDb, settings.sendsTable(), settings.claimLease(), settings.retention());
        this.suppressions = new SuppressionList(dynamoDb, settings.suppressionTable());
        this.templates = new WelcomeMailTemplates();
        this.afterAccepted = afterAccepted;
    }

    /** The outcome of one notice, with the template locale used (for the log line). */
    public record Result(MailOutcome outcome, String templateLocale) {
    }

    public Result send(WelcomeNotice notice) {
        SendClaims.Claim claim;
        try {
            claim = claims.claim(notice.welcomeKey(), notice.userId(), clock.instant());
        } catch (RuntimeException e) {
            return new Result(MailOutcome.retry("ClaimFailed", e), null);
        }
        if (!claim.claimed()) {
            return new Result(claim.existing() == SendClaims.Status.IN_PROGRESS
                    ? MailOutcome.retry("InProgressElsewhere", null)
                    : MailOutcome.duplicate(claim.existing().name()), null);
        }
        String token = claim.token();
        User user;
        String templateLocale = null;
        SendEmailRequest request;
        try {
            Map<String, AttributeValue> item = dynamoDb.getItem(r -> r.tableName(settings.usersTable())
                    .key(UserItems.key(notice.userId())).consistentRead(true)).item();
            if (item == null || item.isEmpty()) {
                return finish(notice, token, MailOutcome.skipped("UserDeleted"), null);
            }
            try {
                user = UserItems.fromItem(item);
            } catch (InvalidUserException e) {
                return finish(notice, token, MailOutcome.rejected("InvalidUser", e.getMessage()), null);
            }
            if (notice.createdAt().isPresent() && !notice.createdAt().get().equals(user.createdAt())) {
                return finish(notice, token, MailOutcome.skipped("UserRecreated"), null);
            }
            var suppressed = suppressions.reason(user.email());
            if (suppressed.isPresent()) {
                return finish(notice, token, MailOutcome.rejected("Suppressed", suppressed.get()), null);
            }
            WelcomeMailTemplates.WelcomeMail mail;
            try {
                mail = templates.render(user);
            } catch (WelcomeMailTemplates.UnrenderableException e) {
                return finish(notice, token, MailOutcome.rejected(e.reason(), e.getMessage()), null);
            }
            templateLocale = mail.locale();
            request = request(user, mail, notice);
        } catch (RuntimeException e) {
            claims.releaseQuietly(notice.welcomeKey(), token);
            return new Result(MailOutcome.retry("ReadFailed", e), templateLocale);
        }
        SendEmailResponse response;
        try {
            response = ses.sendEmail(request);
        } catch (RuntimeException e) {
            MailOutcome outcome = SesErrors.classify(e, settings.fromAddress());
            if (outcome.done()) {
                return finish(notice, token, outcome, templateLocale);
            }
            // SES did not take it (or we cannot know): give the claim back so the retry need not wait.
            claims.releaseQuietly(notice.welcomeKey(), token);
            return new Result(outcome, templateLocale);
        }
        afterAccepted.run(notice, response.messageId());
        return finish(notice, token, MailOutcome.sent(response.messageId()), templateLocale);
    }

    private SendEmailRequest request(User user, WelcomeMailTemplates.WelcomeMail mail, WelcomeNotice notice) {
        SendEmailRequest.Builder b = SendEmailRequest.builder()
                .fromEmailAddress(settings.fromAddress())
                .destination(d -> d.toAddresses(user.email()))
                .content(c -> c.simple(m -> m
                        .subject(s -> s.data(mail.subject()).charset("UTF-8"))
                        .body(body -> body.text(t -> t.data(mail.text()).charset("UTF-8"))
                                .html(h -> h.data(mail.html()).charset("UTF-8")))))
                .emailTags(t -> t.name("kind").value("welcome"), t -> t.name("locale").value(tag(mail.locale())));
        settings.configurationSet().ifPresent(b::configurationSetName);
        return b.build();
    }

    private static String tag(String locale) {
        return locale.replaceAll("[^A-Za-z0-9_-]", "_");
    }

    /** Records a final outcome; a mail SES accepted is never reported as failed (no second send by redelivery). */
    private Result finish(WelcomeNotice notice, String token, MailOutcome outcome, String templateLocale) {
        SendClaims.Status status = switch (outcome.kind()) {
            case SENT -> SendClaims.Status.SENT;
            case SKIPPED -> SendClaims.Status.SKIPPED;
            default -> SendClaims.Status.REJECTED;
        };
        RuntimeException last = null;
        for (int attempt = 1; attempt <= FINISH_ATTEMPTS; attempt++) {
            try {
                Instant now = clock.instant();
                claims.finish(notice.welcomeKey(), token, status, outcome.reason(), outcome.sesMessageId(), now);
                return new Result(outcome, templateLocale);
            } catch (RuntimeException e) {
                last = e;
            }
        }
        if (outcome.kind() == MailOutcome.Kind.SENT) {
            // Sent but not recorded: deleting the message is right (a redelivery would mail again once
            // the lease expires); the log line says so.
            return new Result(new MailOutcome(MailOutcome.Kind.SENT, "SentNotRecorded", scrub(last.getMessage()),
                    outcome.sesMessageId(), last), templateLocale);
        }
        claims.releaseQuietly(notice.welcomeKey(), token);
        return new Result(MailOutcome.retry("RecordFailed", last), templateLocale);
    }

    /** Masks every address in a text before it reaches a log. */
    static String scrub(String text) {
        if (text == null) {
            return null;
        }
        Matcher m = EMAIL.matcher(text);
        StringBuilder b = new StringBuilder();
        while (m.find()) {
            m.appendReplacement(b, Matcher.quoteReplacement(io.userstreams.core.user.Emails.mask(m.group())));
        }
        m.appendTail(b);
        return b.toString();
    }
}
