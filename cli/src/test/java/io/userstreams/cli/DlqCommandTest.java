package io.userstreams.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.entry;

import io.userstreams.core.user.User;
import io.userstreams.localstack.LocalStack;
import io.userstreams.testkit.Replayer;
import io.userstreams.testkit.StreamRecords;
import io.userstreams.testkit.TestKit;
import io.userstreams.testkit.UserStreamsExtension;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * {@code dlq list|show|redrive} against the local stack: a poison record an operator then fixed is
 * redriven exactly once; an on-failure pointer whose records the stream no longer holds is kept and
 * said so; a second redrive changes nothing; exit codes 0/1/2.
 */
@ExtendWith(UserStreamsExtension.class)
class DlqCommandTest {

    @Test
    void poisonFixedByAnOperatorIsRedrivenOnceAndAGonePointerIsKeptWithAClearReason(LocalStack stack, TestKit kit)
            throws Exception {
        User kim = TestKit.user("u-dlq-kim").withPlan("pro");
        kit.users().create(kim);
        // An operator's mistake: the index refuses writes. That is systemic (the record is not at
        // fault): the search-index reaction hands the record back; the welcome and derived tables go through.
        writeBlock(stack, true);
        var insert = StreamRecords.event(StreamRecords.insert(kim));
        Replayer.Result first = kit.lambda().replay(insert);
        assertThat(first.ok()).as("a write block is retried, never dead-lettered on the spot").isFalse();
        // Still failing as the record nears the stream's retention (here: after 1 s), the search
        // function parks it whole in the dead-letter queue.
        Map<String, String> nearRetention = new java.util.HashMap<>(kit.environment());
        nearRetention.put("PARK_RECORDS_AFTER_SECONDS", "1");
        nearRetention.put("REACTIONS", "search-index");
        Thread.sleep(2100);
        try (Replayer searchFunction = new Replayer(Replayer.Runtime.LAMBDA, nearRetention)) {
            assertThat(searchFunction.replay(insert).ok()).as("parked, so done for the stream").isTrue();
        }
        assertThat(kit.effects().indexedUser("u-dlq-kim")).isEmpty();
        // A Lambda on-failure pointer to records the stream no longer holds.
        String shard = stack.dynamoDbStreams().describeStream(b -> b.streamArn(kit.usersStreamArn()))
                .streamDescription().shards().get(0).shardId();
        stack.sqs().sendMessage(b -> b.queueUrl(stack.resources().deadLetterQueueUrl()).messageBody("""
                {"requestContext":{"requestId":"r-1","functionArn":"arn:aws:lambda:us-east-1:000000000000:function:\
                stack-ReactionsFunction-X","condition":"RetryAttemptsExhausted","approximateInvokeCount":11},
                "responseContext":{"statusCode":200,"executedVersion":"$LATEST"},"version":"1.0",
                "timestamp":"2026-12-01T00:00:00.000Z","DDBStreamBatchInfo":{"shardId":"%s",
                "startSequenceNumber":"100","endSequenceNumber":"105","approximateArrivalOfFirstRecord":
                "2026-12-01T00:00:00Z","approximateArrivalOfLastRecord":"2026-12-01T00:00:00Z","batchSize":2,
                "streamArn":"%s"}}""".formatted(shard, kit.usersStreamArn())));

        Cli.Run list = Cli.run(stack, "dlq", "list");
        assertThat(list.exit()).as(list.toString()).isZero();
        assertThat(list.out()).contains("parked").contains("search-index").contains("u-dlq-kim")
                .contains("pointer").contains("RetryAttemptsExhausted").doesNotContain("u-dlq-kim@example.com");
        assertThat(list.err()).contains("2 message(s)");

        Cli.Run show = Cli.run(stack, "dlq", "show", "u-dlq-kim");
        assertThat(show.exit()).as(show.toString()).isZero();
        assertThat(show.out()).contains("\"reaction\" : \"search-index\"").contains("\"newImage\"");

        Cli.Run dry = Cli.run(stack, "dlq", "redrive", "--dry-run");
        assertThat(dry.exit()).as(dry.toString()).isEqualTo(1);
        assertThat(dry.out()).contains("1 would be redriven").contains("1 unresolved");
        assertThat(kit.effects().indexedUser("u-dlq-kim")).isEmpty();
        assertThat(Cli.run(stack, "dlq", "list").err()).contains("2 message(s)");

        // The operator fixes the index; the redrive indexes the user, keeps the pointer and says why.
        writeBlock(stack, false);
        Cli.Run redrive = Cli.run(stack, "dlq", "redrive");
        assertThat(redrive.exit()).as(redrive.toString()).isEqualTo(1);
        assertThat(redrive.out()).contains("1 redriven").contains("unresolved")
                .contains("the stream no longer holds records 100..105 of shard " + shard);
        assertThat(redrive.err()).contains("2 message(s) in the dead-letter queue");
        assertThat(kit.effects().indexedUser("u-dlq-kim")).get()
                .satisfies(doc -> assertThat(doc).containsEntry("plan", "pro"));
        Map<String, Long> stats = kit.effects().stats();
        assertThat(kit.effects().awaitWelcomeEmails(1, Duration.ofSeconds(10))).hasSize(1);

        // Again: nothing changes; the pointer is still there, still unresolved.
        Cli.Run again = Cli.run(stack, "dlq", "redrive");
        assertThat(again.exit()).isEqualTo(1);
        assertThat(again.out()).contains("0 redriven").contains("1 unresolved");
        Thread.sleep(1000);
        assertThat(kit.effects().welcomeEmailsPerUser()).containsExactly(entry("u-dlq-kim", 1));
        assertThat(kit.effects().stats()).isEqualTo(stats);
        kit.effects().assertIndexMatchesTable();
        kit.effects().assertDerivedTablesMatchTable();

        // An empty queue: exit 0; a bad option: exit 2.
        stack.sqs().purgeQueue(b -> b.queueUrl(stack.resources().deadLetterQueueUrl()));
        Cli.Run empty = Cli.run(stack, "dlq", "redrive");
        assertThat(empty.exit()).as(empty.toString()).isZero();
        assertThat(empty.out()).contains("0 redriven");
        assertThat(Cli.run(stack, "dlq", "redrive", "--no-such-option").exit()).isEqualTo(2);
        assertThat(Cli.run(stack, "dlq", "list", "--pointer-reactions", "nonsense").exit()).isEqualTo(2);
    }

    /** Sets or lifts the index's write block (what an operator might do during maintenance). */
    static void writeBlock(LocalStack stack, boolean on) throws Exception {
        URI uri = URI.create(stack.openSearchEndpoint() + "/" + stack.resources().openSearchIndex() + "/_settings");
        HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(uri)
                .header("Content-Type", "application/json")
                .PUT(HttpRequest.BodyPublishers.ofString("{\"index\":{\"blocks\":{\"write\":" + on + "}}}")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    }
}
