package io.userstreams.mail;

import java.util.Locale;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.core.exception.SdkServiceException;
import software.amazon.awssdk.services.sesv2.model.AccountSuspendedException;
import software.amazon.awssdk.services.sesv2.model.BadRequestException;
import software.amazon.awssdk.services.sesv2.model.LimitExceededException;
import software.amazon.awssdk.services.sesv2.model.MailFromDomainNotVerifiedException;
import software.amazon.awssdk.services.sesv2.model.MessageRejectedException;
import software.amazon.awssdk.services.sesv2.model.NotFoundException;
import software.amazon.awssdk.services.sesv2.model.SendingPausedException;
import software.amazon.awssdk.services.sesv2.model.TooManyRequestsException;

/**
 * SendEmail failures sorted into the two kinds. Systemic (the message is retried, it is not its
 * fault): throttling, quota, paused or suspended sending, a sender or configuration set that is not
 * set up, 5xx, network. Permanent (recorded and not retried): SES refused this message — an address
 * it cannot parse (BadRequestException), a rejected message, another 4xx.
 */
public final class SesErrors {

    private SesErrors() {
    }

    public static MailOutcome classify(Throwable e, String fromAddress) {
        if (e instanceof TooManyRequestsException) {
            return MailOutcome.retry("Throttled", e);
        }
        if (e instanceof LimitExceededException) {
            return MailOutcome.retry("QuotaExceeded", e);
        }
        if (e instanceof SendingPausedException || e instanceof AccountSuspendedException) {
            return MailOutcome.retry("SendingPaused", e);
        }
        if (e instanceof MailFromDomainNotVerifiedException || e instanceof NotFoundException) {
            return MailOutcome.retry("SenderNotSetUp", e);
        }
        if (e instanceof MessageRejectedException rejected) {
            String text = String.valueOf(rejected.awsErrorDetails() == null ? rejected.getMessage()
                    : rejected.awsErrorDetails().errorMessage()).toLowerCase(Locale.ROOT);
            // "not verified ... : <from>" is the sender's identity: every mail would fail the same way.
            if (text.contains("not verified") && fromAddress != null && text.contains(bare(fromAddress))) {
                return MailOutcome.retry("SenderNotVerified", e);
            }
            return MailOutcome.rejected("MessageRejected", detail(rejected));
        }
        if (e instanceof BadRequestException bad) {
            return MailOutcome.rejected("InvalidRequest", detail(bad));
        }
        if (e instanceof SdkServiceException service) {
            int status = service.statusCode();
            if (status == 429 || status >= 500 || service.isThrottlingException()) {
                return MailOutcome.retry(status == 429 ? "Throttled" : "ServiceError", e);
            }
            return MailOutcome.rejected("Refused" + status, detail(service));
        }
        if (e instanceof SdkClientException) {
            return MailOutcome.retry("Unreachable", e);
        }
        return MailOutcome.retry("Unexpected", e);
    }

    private static String detail(SdkServiceException e) {
        if (e instanceof software.amazon.awssdk.awscore.exception.AwsServiceException aws
                && aws.awsErrorDetails() != null && aws.awsErrorDetails().errorMessage() != null) {
            return aws.awsErrorDetails().errorMessage();
        }
        return e.getMessage();
    }

    /** {@code Name <a@b>} → {@code a@b}, lower case. */
    static String bare(String address) {
        int lt = address.indexOf('<');
        int gt = address.indexOf('>');
        String a = lt >= 0 && gt > lt ? address.substring(lt + 1, gt) : address;
        return a.trim().toLowerCase(Locale.ROOT);
    }
}
