package io.userstreams.mail;

import static org.assertj.core.api.Assertions.assertThat;

import io.userstreams.core.user.User;
import io.userstreams.localstack.LocalStack;
import io.userstreams.mail.local.WelcomeQueuePoller;
import io.userstreams.testkit.Replayer;
import io.userstreams.testkit.TestKit;
import io.userstreams.testkit.UserStreamsExtension;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The figure in docs/mail.md: mails per second through the local path (welcome queue → mail sender
 * → local SES → SMTP), one poller as one Lambda instance would run, and end to end from the users
 * table. {@code -Dmail.throughput.users=N} (default 200).
 */
@ExtendWith(UserStreamsExtension.class)
class LocalMailThroughputTest {

    @Test
    void mailsPerSecondThroughTheLocalPath(TestKit kit) {
        int n = Integer.getInteger("mail.throughput.users", 200);
        LocalStack stack = kit.stack();
        Map<String, String> env = new HashMap<>(kit.environment());
        env.put("REACTIONS", "welcome-email");
        String[] locales = {"ko", "en", "ja"};
        for (int i = 0; i < n; i++) {
            kit.users().create(new User("u-tp-" + i, "tp" + i + "@example.org", "User " + i, "free", "KR", locales[i % 3],
                    Instant.now(), 1, OptionalLong.empty()));
        }
        long t0 = System.nanoTime();
        UsersStream stream = new UsersStream(stack.dynamoDb(), stack.dynamoDbStreams(), stack.resources().usersTable());
        try (Replayer lambda = new Replayer(Replayer.Runtime.LAMBDA, env);
             WelcomeMailHandler handler = new WelcomeMailHandler(MailSettings.fromEnvironment(env))) {
            var records = stream.readNew();
            for (int from = 0; from < records.size(); from += 100) {
                assertThat(lambda.replayRecords(records.subList(from, Math.min(records.size(), from + 100)), stream.streamArn).ok())
                        .isTrue();
            }
            long t1 = System.nanoTime();
            WelcomeQueuePoller poller = new WelcomeQueuePoller(stack.sqs(), stack.resources().welcomeQueueUrl().orElseThrow(),
                    stack.region(), handler, Duration.ZERO);
            int handled = 0;
            while (handled < n) {
                int got = poller.pollOnce(Duration.ofSeconds(1));
                if (got == 0) {
                    break;
                }
                handled += got;
            }
            long t2 = System.nanoTime();
            assertThat(stack.mailServer().receivedMessages()).hasSize(n);
            double senderSeconds = (t2 - t1) / 1e9;
            double endToEndSeconds = (t2 - t0) / 1e9;
            System.out.printf("[mail-throughput] %d mails: sender path %.1f mails/s (%.2f s, one poller, batches of 10),"
                    + " end to end from the stream %.1f mails/s (%.2f s)%n", n, n / senderSeconds, senderSeconds,
                    n / endToEndSeconds, endToEndSeconds);
        }
    }
}
