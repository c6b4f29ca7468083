package io.userstreams.mail;

import static org.assertj.core.api.Assertions.assertThat;

import io.userstreams.mail.MailOutcome.Kind;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.awscore.exception.AwsErrorDetails;
import software.amazon.awssdk.awscore.exception.AwsServiceException;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.services.sesv2.model.AccountSuspendedException;
import software.amazon.awssdk.services.sesv2.model.BadRequestException;
import software.amazon.awssdk.services.sesv2.model.LimitExceededException;
import software.amazon.awssdk.services.sesv2.model.MailFromDomainNotVerifiedException;
import software.amazon.awssdk.services.sesv2.model.MessageRejectedException;
import software.amazon.awssdk.services.sesv2.model.NotFoundException;
import software.amazon.awssdk.services.sesv2.model.SendingPausedException;
import software.amazon.awssdk.services.sesv2.model.SesV2Exception;
import software.amazon.awssdk.services.sesv2.model.TooManyRequestsException;

class SesErrorsTest {

    static final String FROM = "User Streams <welcome@mail.example.com>";

    static <T extends AwsServiceException.Builder> AwsServiceException build(T b, int status, String code, String message) {
        b.statusCode(status).awsErrorDetails(AwsErrorDetails.builder().errorCode(code).errorMessage(message).build())
                .message(message);
        return b.build();
    }

    static Kind kind(Throwable e) {
        return SesErrors.classify(e, FROM).kind();
    }

    @Test
    void throttlingQuotaPausesAndSetupProblemsAreSystemic() {
        assertThat(kind(build(TooManyRequestsException.builder(), 429, "TooManyRequestsException", "Maximum sending rate exceeded.")))
                .isEqualTo(Kind.RETRY);
        assertThat(SesErrors.classify(build(TooManyRequestsException.builder(), 429, "TooManyRequestsException", "x"), FROM)
                .reason()).isEqualTo("Throttled");
        assertThat(kind(build(LimitExceededException.builder(), 400, "LimitExceededException", "Daily message quota exceeded.")))
                .isEqualTo(Kind.RETRY);
        assertThat(kind(build(SendingPausedException.builder(), 400, "SendingPausedException", "paused"))).isEqualTo(Kind.RETRY);
        assertThat(kind(build(AccountSuspendedException.builder(), 400, "AccountSuspendedException", "suspended"))).isEqualTo(Kind.RETRY);
        assertThat(kind(build(MailFromDomainNotVerifiedException.builder(), 400, "MailFromDomainNotVerifiedException", "x")))
                .isEqualTo(Kind.RETRY);
        assertThat(kind(build(NotFoundException.builder(), 404, "NotFoundException", "Configuration set <x> does not exist.")))
                .isEqualTo(Kind.RETRY);
        assertThat(kind(build(SesV2Exception.builder(), 500, "InternalFailure", "boom"))).isEqualTo(Kind.RETRY);
        assertThat(kind(build(SesV2Exception.builder(), 503, "ServiceUnavailable", "later"))).isEqualTo(Kind.RETRY);
        assertThat(kind(SdkClientException.create("connection refused"))).isEqualTo(Kind.RETRY);
        assertThat(kind(new IllegalStateException("?"))).isEqualTo(Kind.RETRY);
    }

    @Test
    void anUnverifiedSenderIsSystemicButARejectedRecipientIsPermanent() {
        assertThat(kind(build(MessageRejectedException.builder(), 400, "MessageRejected",
                "Email address is not verified. The following identities failed the check in region US-EAST-1: welcome@mail.example.com")))
                .isEqualTo(Kind.RETRY);
        MailOutcome recipient = SesErrors.classify(build(MessageRejectedException.builder(), 400, "MessageRejected",
                "Email address is not verified. The following identities failed the check in region US-EAST-1: kim@example.org"), FROM);
        assertThat(recipient.kind()).isEqualTo(Kind.REJECTED);
        assertThat(recipient.reason()).isEqualTo("MessageRejected");
    }

    @Test
    void addressesSesCannotParseAndOther4xxArePermanent() {
        MailOutcome bad = SesErrors.classify(build(BadRequestException.builder(), 400, "BadRequestException",
                "Missing final '@domain'"), FROM);
        assertThat(bad.kind()).isEqualTo(Kind.REJECTED);
        assertThat(bad.reason()).isEqualTo("InvalidRequest");
        assertThat(bad.detail()).isEqualTo("Missing final '@domain'");
        assertThat(kind(build(SesV2Exception.builder(), 413, "PayloadTooLarge", "too big"))).isEqualTo(Kind.REJECTED);
        assertThat(kind(build(SesV2Exception.builder(), 429, "Whatever", "slow down"))).isEqualTo(Kind.RETRY);
    }

    @Test
    void addressesAreMaskedInDetails() {
        assertThat(WelcomeMailSender.scrub("identities failed the check in region US-EAST-1: kim@example.org"))
                .isEqualTo("identities failed the check in region US-EAST-1: k***@example.org");
    }
}
