package io.userstreams.mail;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.amazonaws.services.lambda.runtime.events.SQSBatchResponse;
import io.userstreams.core.user.User;
import io.userstreams.localses.SesFault;
import io.userstreams.localstack.LocalStack;
import io.userstreams.mail.local.WelcomeQueuePoller;
import io.userstreams.testkit.Inbox;
import io.userstreams.testkit.Replayer;
import io.userstreams.testkit.TestKit;
import io.userstreams.testkit.UserStreamsExtension;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.sesv2.SesV2Client;
import software.amazon.awssdk.services.sqs.model.Message;
import software.amazon.awssdk.services.sqs.model.MessageSystemAttributeName;

/**
 * The whole welcome path on the local stack: users written to the users table → the users stream →
 * the Lambda stream handler (welcome reaction) → the FIFO welcome topic → the FIFO welcome queue
 * (the template's subscription) → the mail sender (the Lambda handler, polled as Lambda's SQS event
 * source would) → the local SES v2 endpoint → GreenMail, read back over IMAP.
 */
@ExtendWith(UserStreamsExtension.class)
class WelcomeMailIntegrationTest {

    static final Duration WAIT = Duration.ofSeconds(10);

    TestKit kit;
    LocalStack stack;
    Map<String, String> env;
    Replayer streamHandler;
    UsersStream usersStream;
    String queueUrl;
    String queueArn;
    SesV2Client ses;
    final List<AutoCloseable> closeables = new ArrayList<>();

    @BeforeEach
    void setUp(TestKit kit) {
        this.kit = kit;
        this.stack = kit.stack();
        env = new HashMap<>(kit.environment());
        env.put("REACTIONS", "welcome-email");
        streamHandler = new Replayer(Replayer.Runtime.LAMBDA, env);
        closeables.add(streamHandler);
        usersStream = new UsersStream(stack.dynamoDb(), stack.dynamoDbStreams(), stack.resources().usersTable());
        queueUrl = stack.resources().welcomeQueueUrl().orElseThrow();
        queueArn = stack.sqs().getQueueAttributes(r -> r.queueUrl(queueUrl).attributeNamesWithStrings("QueueArn"))
                .attributesAsStrings().get("QueueArn");
        ses = SesV2Client.builder().region(software.amazon.awssdk.regions.Region.of(stack.region()))
                .endpointOverride(stack.sesEndpoint()).credentialsProvider(io.userstreams.core.aws.AwsConnection.LOCAL_CREDENTIALS)
                .httpClientBuilder(UrlConnectionHttpClient.builder()).build();
        closeables.add(ses);
    }

    @AfterEach
    void tearDown() throws Exception {
        stack.sesServer().faults().clear();
        for (AutoCloseable c : closeables) {
            c.close();
        }
    }

    static User user(String id, String name, String locale) {
        return new User(id, id + "@example.org", name, "pro", "KR", locale, Instant.now(), 1, OptionalLong.empty());
    }

    /** The stream handler gets every new record of the users stream, as Lambda would deliver them. */
    void streamToTopic() {
        var records = usersStream.readNew();
        if (!records.isEmpty()) {
            assertThat(streamHandler.replayRecords(records, usersStream.streamArn).ok()).isTrue();
        }
    }

    WelcomeMailHandler mailHandler() {
        WelcomeMailHandler h = new WelcomeMailHandler(MailSettings.fromEnvironment(env));
        closeables.add(h);
        return h;
    }

    WelcomeMailHandler mailHandler(MutableClock clock, WelcomeMailSender.AfterAccepted afterAccepted) {
        WelcomeMailSender sender = new WelcomeMailSender(MailSettings.fromEnvironment(env), stack.dynamoDb(), ses, clock,
                afterAccepted);
        return new WelcomeMailHandler(sender);
    }

    /** Lambda's SQS event source, locally: until the queue has nothing left to hand out. */
    int drainQueue(WelcomeMailHandler handler) {
        WelcomeQueuePoller poller = new WelcomeQueuePoller(stack.sqs(), queueUrl, stack.region(), handler, Duration.ZERO);
        int handled = 0;
        int n;
        while ((n = poller.pollOnce(Duration.ZERO)) > 0) {
            handled += n;
        }
        return handled;
    }

    List<Message> receive() {
        return stack.sqs().receiveMessage(r -> r.queueUrl(queueUrl).maxNumberOfMessages(10).waitTimeSeconds(1)
                .messageSystemAttributeNames(MessageSystemAttributeName.ALL).messageAttributeNames("All")).messages();
    }

    SQSBatchResponse handle(WelcomeMailHandler handler, List<Message> messages) {
        return handler.handleRequest(WelcomeQueuePoller.toEvent(messages, queueArn, stack.region()), null);
    }

    void makeVisible(List<Message> messages) {
        for (Message m : messages) {
            stack.sqs().changeMessageVisibility(r -> r.queueUrl(queueUrl).receiptHandle(m.receiptHandle()).visibilityTimeout(0));
        }
    }

    Map<String, AttributeValue> sendRecord(String userId) {
        var items = stack.dynamoDb().scan(r -> r.tableName(stack.resources().mailSendsTable().orElseThrow())).items();
        return items.stream().filter(i -> i.get("userId").s().equals(userId)).findFirst().orElse(Map.of());
    }

    int queueDepth() {
        var a = stack.sqs().getQueueAttributes(r -> r.queueUrl(queueUrl).attributeNamesWithStrings(
                "ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible")).attributesAsStrings();
        return Integer.parseInt(a.get("ApproximateNumberOfMessages")) + Integer.parseInt(a.get("ApproximateNumberOfMessagesNotVisible"));
    }

    @Test
    void eachNewUserGetsOneMailInTheirLanguageAndUpdatesSendNothing() {
        User minji = user("u-minji", "김민지", "ko-KR");
        User alex = user("u-alex", "Alex Kim", "en-US");
        User hanako = user("u-hanako", "佐藤花子", "ja");
        for (User u : List.of(minji, alex, hanako)) {
            kit.users().create(u);
        }
        streamToTopic();
        WelcomeMailHandler handler = mailHandler();
        assertThat(drainQueue(handler)).isEqualTo(3);

        Inbox inbox = kit.inbox();
        assertThat(inbox.await(minji.email(), 1, WAIT)).singleElement().satisfies(m -> {
            assertThat(m.subject()).isEqualTo("김민지님, User Streams에 오신 것을 환영합니다!");
            assertThat(m.text()).contains("김민지님, 안녕하세요.").contains("pro 요금제로 계정이 준비되었습니다");
            assertThat(m.html()).contains("<html lang=\"ko\">").contains("<strong>pro</strong>");
            assertThat(m.from()).isEqualTo("welcome@mail.user-streams.example");
        });
        assertThat(inbox.await(alex.email(), 1, WAIT)).singleElement().satisfies(m -> {
            assertThat(m.subject()).isEqualTo("Welcome to User Streams, Alex Kim!");
            assertThat(m.text()).contains("Hi Alex Kim,").contains("on the pro plan");
        });
        assertThat(inbox.await(hanako.email(), 1, WAIT)).singleElement().satisfies(m -> {
            assertThat(m.subject()).isEqualTo("佐藤花子さん、User Streams へようこそ！");
            assertThat(m.text()).contains("佐藤花子さん、こんにちは。").contains("ご登録ありがとうございます");
        });
        assertThat(sendRecord("u-minji")).containsEntry("status", AttributeValue.fromS("SENT")).containsKey("sesMessageId");

        // Updates (a plan change, a new name) publish no welcome and send no mail.
        kit.users().update("u-minji", OptionalLong.empty(), u -> u.withPlan("enterprise"));
        kit.users().update("u-alex", OptionalLong.empty(), u -> u.withPlan("free"));
        streamToTopic();
        assertThat(drainQueue(handler)).isZero();
        // The same stream records delivered again to the stream handler: no new welcome either.
        assertThat(inbox.messages(minji.email())).hasSize(1);
        assertThat(inbox.messages(alex.email())).hasSize(1);
        assertThat(inbox.messages(hanako.email())).hasSize(1);
        assertThat(stack.mailServer().receivedMessages()).hasSize(3);
    }

    @Test
    void aQueueRedeliverySendsNoSecondMail() {
        User kim = user("u-kim", "Kim", "en");
        kit.users().create(kim);
        streamToTopic();
        WelcomeMailHandler handler = mailHandler();

        List<Message> first = receive();
        assertThat(first).hasSize(1);
        assertThat(handle(handler, first).getBatchItemFailures()).isEmpty();
        // Not deleted in time (a slow consumer, a lost delete): SQS delivers the same message again.
        makeVisible(first);
        List<Message> again = receive();
        assertThat(again).extracting(Message::messageId).containsExactly(first.get(0).messageId());
        assertThat(handle(handler, again).getBatchItemFailures()).isEmpty();

        assertThat(kit.inbox().await(kim.email(), 1, WAIT)).hasSize(1);
        sleep(300);
        assertThat(kit.inbox().messages(kim.email())).hasSize(1);
        assertThat(sendRecord("u-kim")).containsEntry("status", AttributeValue.fromS("SENT"));
    }

    @Test
    void aCrashBetweenSendAndClaimCompleteMailsTwiceButOnlyAfterTheLease() {
        User lee = user("u-lee", "Lee", "ko");
        kit.users().create(lee);
        streamToTopic();
        MutableClock clock = new MutableClock();
        AtomicBoolean crash = new AtomicBoolean(true);
        WelcomeMailHandler handler = mailHandler(clock, (notice, id) -> {
            if (crash.getAndSet(false)) {
                throw new Error("simulated crash: SES accepted " + id + ", the claim is not finished");
            }
        });

        List<Message> first = receive();
        assertThatThrownBy(() -> handle(handler, first)).hasMessageContaining("simulated crash");
        assertThat(kit.inbox().await(lee.email(), 1, WAIT)).hasSize(1);
        assertThat(sendRecord("u-lee")).containsEntry("status", AttributeValue.fromS("IN_PROGRESS"));

        // Redelivered while the dead sender's lease runs: held back, nothing sent.
        makeVisible(first);
        List<Message> second = receive();
        assertThat(handle(handler, second).getBatchItemFailures()).hasSize(1);
        assertThat(kit.inbox().messages(lee.email())).hasSize(1);

        // After the lease the claim is taken over and the mail goes out again: the documented
        // duplicate window (SES accepted, claim not finished, process died).
        clock.advance(MailSettings.fromEnvironment(env).claimLease().plusSeconds(1));
        makeVisible(second);
        assertThat(drainQueue(handler)).isEqualTo(1);
        assertThat(kit.inbox().await(lee.email(), 2, WAIT)).hasSize(2);
        assertThat(sendRecord("u-lee")).containsEntry("status", AttributeValue.fromS("SENT"));
        assertThat(queueDepth()).as("done: deleted from the queue").isZero();
    }

    @Test
    void badInputIsRecordedAndNotRetried() {
        // Accepted by the users table's validation, refused by SES (RFC 5322 has no "..").
        User dotted = new User("u-dotted", "kim..lee@example.org", "Dotted", "free", "KR", "ko", Instant.now(), 1,
                OptionalLong.empty());
        User longName = user("u-long", "L".repeat(WelcomeMailTemplates.MAX_NAME_CHARS + 50), "en");
        User french = user("u-camille", "Camille", "fr-FR");
        User bounced = user("u-bounced", "Bounced", "en");
        new SesEventHandler(new SuppressionList(stack.dynamoDb(), stack.resources().mailSuppressionTable().orElseThrow()),
                java.time.Clock.systemUTC()).apply("sns-1", """
                {"eventType":"Bounce","bounce":{"bounceType":"Permanent","bounceSubType":"General",
                 "bouncedRecipients":[{"emailAddress":"U-Bounced@example.org"}]},"mail":{"messageId":"x"}}""");
        for (User u : List.of(dotted, longName, french, bounced)) {
            kit.users().create(u);
        }
        streamToTopic();

        assertThat(drainQueue(mailHandler())).isEqualTo(4);

        assertThat(queueDepth()).as("permanent rejections are not retried").isZero();
        assertThat(sendRecord("u-dotted")).containsEntry("status", AttributeValue.fromS("REJECTED"))
                .containsEntry("reason", AttributeValue.fromS("InvalidRequest"));
        assertThat(sendRecord("u-long")).containsEntry("status", AttributeValue.fromS("REJECTED"))
                .containsEntry("reason", AttributeValue.fromS("NameTooLong"));
        assertThat(sendRecord("u-bounced")).containsEntry("status", AttributeValue.fromS("REJECTED"))
                .containsEntry("reason", AttributeValue.fromS("Suppressed"));
        // A locale without a template: the English mail (documented fallback).
        assertThat(kit.inbox().await(french.email(), 1, WAIT)).singleElement()
                .satisfies(m -> assertThat(m.subject()).isEqualTo("Welcome to User Streams, Camille!"));
        assertThat(stack.mailServer().receivedMessages()).hasSize(1);
    }

    @Test
    void aUserDeletedBeforeTheMailGoesOutGetsNone() {
        User gone = user("u-gone", "Gone", "en");
        kit.users().create(gone);
        streamToTopic();
        kit.users().delete("u-gone", OptionalLong.empty());

        assertThat(drainQueue(mailHandler())).isEqualTo(1);

        assertThat(sendRecord("u-gone")).containsEntry("status", AttributeValue.fromS("SKIPPED"))
                .containsEntry("reason", AttributeValue.fromS("UserDeleted"));
        assertThat(stack.mailServer().receivedMessages()).isEmpty();
    }

    @Test
    void sesThrottlingIsRetriedUntilTheMailGoesOut() {
        User ana = user("u-ana", "Ana", "en");
        kit.users().create(ana);
        streamToTopic();
        WelcomeMailHandler handler = mailHandler();
        stack.sesServer().faults().failAll(SesFault.THROTTLING);

        List<Message> first = receive();
        SQSBatchResponse throttled = handle(handler, first);
        assertThat(throttled.getBatchItemFailures()).as("systemic: handed back to the queue").hasSize(1);
        assertThat(sendRecord("u-ana")).as("the claim was given back").isEmpty();
        assertThat(stack.sesServer().faults().injectedCount()).isGreaterThanOrEqualTo(2);

        stack.sesServer().faults().clear();
        makeVisible(first);
        assertThat(drainQueue(handler)).isEqualTo(1);
        assertThat(kit.inbox().await(ana.email(), 1, WAIT)).hasSize(1);
        assertThat(sendRecord("u-ana")).containsEntry("status", AttributeValue.fromS("SENT"));
    }

    @Test
    void inAFifoBatchNothingOvertakesAMessageThatMustBeRetried() {
        for (String id : List.of("u-f1", "u-f2", "u-f3")) {
            kit.users().create(user(id, id, "en"));
        }
        streamToTopic();
        WelcomeMailHandler handler = mailHandler();
        List<Message> batch = new ArrayList<>();
        for (int i = 0; i < 5 && batch.size() < 3; i++) {
            batch.addAll(receive());
        }
        assertThat(batch).hasSize(3);
        stack.sesServer().faults().failNext(3, SesFault.THROTTLING); // the first message's SDK attempts

        SQSBatchResponse response = handle(handler, batch);

        assertThat(response.getBatchItemFailures()).extracting(SQSBatchResponse.BatchItemFailure::getItemIdentifier)
                .containsExactlyElementsOf(batch.stream().map(Message::messageId).toList());
        assertThat(stack.mailServer().receivedMessages()).isEmpty();
    }

    @Test
    void sesEventsFeedTheSuppressionListOnlyForPermanentBouncesAndComplaints() {
        SuppressionList list = new SuppressionList(stack.dynamoDb(), stack.resources().mailSuppressionTable().orElseThrow());
        // The function as deployed: its own clients from its environment (their calls are recorded).
        SesEventHandler events = new SesEventHandler(MailSettings.fromEnvironment(env));
        com.amazonaws.services.lambda.runtime.events.SNSEvent event = new com.amazonaws.services.lambda.runtime.events.SNSEvent();
        List<com.amazonaws.services.lambda.runtime.events.SNSEvent.SNSRecord> records = new ArrayList<>();
        for (String message : List.of(
                "{\"eventType\":\"Bounce\",\"bounce\":{\"bounceType\":\"Transient\",\"bouncedRecipients\":[{\"emailAddress\":\"full@example.org\"}]}}",
                "{\"eventType\":\"Complaint\",\"complaint\":{\"complainedRecipients\":[{\"emailAddress\":\"Angry@Example.org\"}],\"complaintFeedbackType\":\"abuse\"}}",
                "{\"notificationType\":\"Bounce\",\"bounce\":{\"bounceType\":\"Permanent\",\"bouncedRecipients\":[{\"emailAddress\":\"gone@example.org\"}]}}",
                "{\"eventType\":\"Delivery\",\"delivery\":{\"recipients\":[\"ok@example.org\"]}}")) {
            var sns = new com.amazonaws.services.lambda.runtime.events.SNSEvent.SNS();
            sns.setMessageId("sns-" + records.size());
            sns.setMessage(message);
            var r = new com.amazonaws.services.lambda.runtime.events.SNSEvent.SNSRecord();
            r.setSns(sns);
            records.add(r);
        }
        event.setRecords(records);

        assertThat(events.handleRequest(event, null)).isEqualTo(2);

        assertThat(list.reason("angry@example.org")).contains("COMPLAINT");
        assertThat(list.reason("gone@example.org")).contains("BOUNCE");
        assertThat(list.reason("full@example.org")).as("a transient bounce (mailbox full) is no reason to stop").isEmpty();
        assertThat(list.reason("ok@example.org")).isEmpty();
    }

    static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
