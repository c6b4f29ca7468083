package io.userstreams.testkit.example;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.entry;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.userstreams.core.user.User;
import io.userstreams.testkit.Replayer;
import io.userstreams.testkit.StreamRecords;
import io.userstreams.testkit.TestKit;
import io.userstreams.testkit.UserStreamsExtension;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** The example in docs/test-kit.md, verbatim: copy it into your own tests. */
@ExtendWith(UserStreamsExtension.class)
class SignupReactionsTest {

    @Test
    void aNewUserGetsOneWelcomeEmailWhateverTheRedeliveries(TestKit kit) {
        User kim = TestKit.user("u-kim").withPlan("pro").withCountry("KR");
        User kimOnEnterprise = kim.withPlan("enterprise").withVersion(2);

        ObjectNode batch = StreamRecords.event(
                StreamRecords.insert(kim),
                StreamRecords.modify(kim, kimOnEnterprise));

        // Through the Lambda handler, as the Lambda service invokes it...
        Replayer.Result result = kit.lambda().replay(batch);
        assertThat(result.ok()).isTrue();
        // ...redelivered (a Lambda retry), and once more through the KCL consumer's record processor.
        kit.lambda().replay(batch);
        assertThat(kit.kcl().replay(batch).ok()).isTrue();

        assertThat(kit.effects().awaitWelcomeEmails(1, Duration.ofSeconds(10))).hasSize(1);
        assertThat(kit.effects().welcomeEmailsPerUser()).containsExactly(entry("u-kim", 1));
        assertThat(kit.effects().indexedUser("u-kim")).get()
                .satisfies(doc -> assertThat(doc).containsEntry("plan", "enterprise").containsEntry("version", 2));
        assertThat(kit.effects().stat("plan#enterprise")).isEqualTo(1);
        assertThat(kit.effects().stat("plan#pro")).isZero();
        assertThat(kit.effects().usersByEmail()).containsEntry("u-kim@example.com", "u-kim");
    }

    @Test
    void aTtlExpiryRemovesTheUserAndCountsAnExpiryNotADeletion(TestKit kit) {
        User lena = TestKit.user("u-lena").withCountry("DE");
        kit.lambda().replay(StreamRecords.event(StreamRecords.insert(lena), StreamRecords.ttlExpiry(lena)));

        assertThat(kit.effects().indexedUser("u-lena")).isEmpty();
        assertThat(kit.effects().usersByEmail()).doesNotContainKey("u-lena@example.com");
        assertThat(kit.effects().stat("total#expired")).isEqualTo(1);
        assertThat(kit.effects().stat("total#deleted")).isZero();
        assertThat(kit.effects().stat("country#DE")).isZero();
    }

    @Test
    void aRecordedEventFileReplaysLikeTheRealStream(TestKit kit) {
        // src/test/resources/events/user-signup.json: the format `sam local generate-event dynamodb update` prints
        kit.lambda().replayResource("events/user-signup.json");

        assertThat(kit.effects().awaitWelcomeEmails(1, Duration.ofSeconds(10)))
                .singleElement().satisfies(mail -> {
                    assertThat(mail.userId()).isEqualTo("u-sato");
                    assertThat(mail.locale()).isEqualTo("ja");
                });
        assertThat(kit.effects().indexedUser("u-sato")).get().satisfies(doc -> assertThat(doc).containsEntry("plan", "pro"));
        assertThat(kit.effects().stat("country#JP")).isEqualTo(1);
    }
}
