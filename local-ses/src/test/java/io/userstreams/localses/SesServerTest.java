package io.userstreams.localses;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import jakarta.mail.internet.MimeMessage;
import jakarta.mail.internet.MimeMultipart;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.retry.RetryMode;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.sesv2.SesV2Client;
import software.amazon.awssdk.services.sesv2.model.BadRequestException;
import software.amazon.awssdk.services.sesv2.model.MessageRejectedException;
import software.amazon.awssdk.services.sesv2.model.NotFoundException;
import software.amazon.awssdk.services.sesv2.model.SendEmailRequest;
import software.amazon.awssdk.services.sesv2.model.TooManyRequestsException;

/** The local SES endpoint with the real SDK v2 client, relaying into a real GreenMail SMTP server. */
class SesServerTest {

    static LocalMailServer mail;
    static SesServer ses;
    static SesV2Client client;
    final List<SesServer.RelayedMail> relayed = Collections.synchronizedList(new ArrayList<>());

    @BeforeAll
    static void start() {
        mail = LocalMailServer.start("127.0.0.1", 0, 0);
        ses = SesServer.start(new SesServer.Config("127.0.0.1", 0, "us-east-1", "127.0.0.1", mail.smtpPort(),
                Set.of("mail.example.com"), Set.of("welcome-set")));
        client = SesV2Client.builder().region(Region.US_EAST_1).endpointOverride(ses.endpoint())
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("local", "local")))
                .httpClientBuilder(UrlConnectionHttpClient.builder())
                .overrideConfiguration(o -> o.retryStrategy(RetryMode.STANDARD))
                .build();
    }

    @AfterAll
    static void stop() {
        if (client != null) {
            client.close();
        }
        if (ses != null) {
            ses.close();
        }
        if (mail != null) {
            mail.close();
        }
    }

    @BeforeEach
    void reset() {
        mail.purge();
        ses.faults().clear();
        ses.onRelayed(relayed::add);
    }

    static SendEmailRequest.Builder mailTo(String to, String subject) {
        return SendEmailRequest.builder().fromEmailAddress("User Streams <welcome@mail.example.com>")
                .destination(d -> d.toAddresses(to)).configurationSetName("welcome-set")
                .content(c -> c.simple(m -> m.subject(s -> s.data(subject).charset("UTF-8"))
                        .body(b -> b.text(t -> t.data("안녕하세요, 민지님").charset("UTF-8"))
                                .html(h -> h.data("<p>안녕하세요, <b>민지</b>님</p>").charset("UTF-8")))));
    }

    @Test
    void aUtf8MailArrivesWithAnEncodedSubjectAndBothBodies() throws Exception {
        String id = client.sendEmail(mailTo("minji@example.org", "민지님, 환영합니다!").build()).messageId();

        assertThat(id).isNotBlank();
        List<MimeMessage> received = mail.receivedMessages();
        assertThat(received).hasSize(1);
        MimeMessage m = received.get(0);
        assertThat(m.getHeader("Subject")[0]).startsWith("=?UTF-8?").doesNotContain("민지");
        assertThat(m.getSubject()).isEqualTo("민지님, 환영합니다!");
        assertThat(m.getHeader("Message-ID")[0]).isEqualTo("<" + id + "@email.amazonses.com>");
        MimeMultipart alternative = (MimeMultipart) m.getContent();
        assertThat(alternative.getContentType()).startsWith("multipart/alternative");
        assertThat(alternative.getBodyPart(0).getContent()).isEqualTo("안녕하세요, 민지님");
        assertThat((String) alternative.getBodyPart(1).getContent()).contains("<b>민지</b>");
        assertThat(relayed).singleElement().satisfies(r -> {
            assertThat(r.messageId()).isEqualTo(id);
            assertThat(r.recipients()).containsExactly("minji@example.org");
        });
    }

    @Test
    void addressesSesCannotParseAreBadRequestsAndNothingIsRelayed() {
        assertThatThrownBy(() -> client.sendEmail(mailTo("kim..lee@example.org", "Hi").build()))
                .isInstanceOf(BadRequestException.class).hasMessageContaining("dot-dot");
        assertThatThrownBy(() -> client.sendEmail(mailTo("no-domain", "Hi").build()))
                .isInstanceOf(BadRequestException.class).hasMessageContaining("Missing final '@domain'");
        assertThatThrownBy(() -> client.sendEmail(mailTo("민지@example.org", "Hi").build()))
                .isInstanceOf(BadRequestException.class);
        assertThat(mail.receivedMessages()).isEmpty();
        assertThat(relayed).isEmpty();
    }

    @Test
    void whatSesRefusesLocallyToo() {
        assertThatThrownBy(() -> client.sendEmail(mailTo("a@example.org", "Hi").configurationSetName("nope").build()))
                .isInstanceOf(NotFoundException.class).hasMessageContaining("nope");
        assertThatThrownBy(() -> client.sendEmail(mailTo("a@example.org", "Hi")
                .fromEmailAddress("someone@unverified.example").build()))
                .isInstanceOf(MessageRejectedException.class).hasMessageContaining("not verified");
        List<String> many = new ArrayList<>();
        for (int i = 0; i < 51; i++) {
            many.add("r" + i + "@example.org");
        }
        assertThatThrownBy(() -> client.sendEmail(mailTo("a@example.org", "Hi").destination(d -> d.toAddresses(many)).build()))
                .isInstanceOf(MessageRejectedException.class).hasMessageContaining("50");
        assertThatThrownBy(() -> client.sendEmail(mailTo("a@example.org", "line\nbreak").build()))
                .isInstanceOf(BadRequestException.class);
        assertThatThrownBy(() -> client.sendEmail(SendEmailRequest.builder()
                .fromEmailAddress("welcome@mail.example.com").destination(d -> d.toAddresses("a@example.org"))
                .content(c -> c.simple(m -> m.subject(s -> s.data("Hi")).body(b -> b.build()))).build()))
                .isInstanceOf(BadRequestException.class).hasMessageContaining("Text or Html");
        assertThat(mail.receivedMessages()).isEmpty();
    }

    @Test
    void theFaultSwitchThrottlesUntilCleared() {
        ses.faults().failAll(SesFault.THROTTLING);
        assertThatThrownBy(() -> client.sendEmail(mailTo("a@example.org", "Hi").build()))
                .isInstanceOf(TooManyRequestsException.class)
                .satisfies(e -> assertThat(((TooManyRequestsException) e).statusCode()).isEqualTo(429));
        assertThat(ses.faults().injectedCount()).as("the SDK retried the throttled call").isGreaterThanOrEqualTo(2);
        assertThat(mail.receivedMessages()).isEmpty();

        ses.faults().clear().failNext(1, SesFault.THROTTLING);
        assertThat(client.sendEmail(mailTo("a@example.org", "Hi").build()).messageId())
                .as("one throttle is absorbed by the SDK's retry").isNotBlank();
        assertThat(mail.receivedMessages()).hasSize(1);
    }
}
