package io.userstreams.testkit.esm;

import static org.assertj.core.api.Assertions.assertThat;

import com.amazonaws.services.lambda.runtime.events.StreamsEventResponse;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.userstreams.localstack.LocalStack;
import io.userstreams.localstack.LocalStackOptions;
import io.userstreams.testkit.esm.EventSourceMapping.Timings;
import java.io.StringReader;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.sqs.model.Message;

/**
 * The emulator against the local stack's real stream (no OpenSearch needed), with small fake
 * functions: the Lambda rules it must keep, one by one.
 */
class EventSourceMappingTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Timings FAST = Timings.DEFAULT.withRetryDelays(Duration.ofMillis(10), Duration.ofMillis(50));
    private static LocalStack stack;
    private static String queueUrl;
    private int run;

    @BeforeAll
    static void startStack() {
        stack = LocalStack.start(LocalStackOptions.forTestsBuilder().openSearch(false).build());
        queueUrl = stack.sqs().createQueue(b -> b.queueName("esm-test-on-failure")).queueUrl();
    }

    @AfterAll
    static void stopStack() {
        if (stack != null) {
            stack.close();
        }
    }

    @BeforeEach
    void next() {
        run++;
        stack.sqs().purgeQueue(b -> b.queueUrl(queueUrl));
    }

    @Test
    void readsTheTemplatesMappings() {
        MappingSettings welcome = MappingSettings.fromTemplate(MappingSettings.WELCOME_FUNCTION);
        assertThat(welcome.batchSize()).isEqualTo(100);
        assertThat(welcome.maximumBatchingWindow()).isEqualTo(Duration.ofSeconds(1));
        assertThat(welcome.startingPosition()).isEqualTo(MappingSettings.StartingPosition.TRIM_HORIZON);
        assertThat(welcome.bisectBatchOnFunctionError()).isTrue();
        assertThat(welcome.reportBatchItemFailures()).isTrue();
        assertThat(welcome.onFailureDestination()).isTrue();
        assertThat(welcome.filterPatterns()).containsExactly("{\"eventName\": [\"INSERT\"]}");
        assertThat(welcome.functionTimeout()).isEqualTo(Duration.ofSeconds(60));
        MappingSettings reactions = MappingSettings.fromTemplate(MappingSettings.REACTIONS_FUNCTION,
                Map.of("StreamBatchSize", "250"));
        assertThat(reactions.batchSize()).isEqualTo(250);
        assertThat(reactions.filterPatterns()).isEmpty();
        assertThat(reactions.parallelizationFactor()).isEqualTo(1);
    }

    @Test
    void parsesLiteralsAndLambdaDefaults() {
        String yaml = """
                Globals:
                  Function:
                    Timeout: 30
                Resources:
                  Fn:
                    Type: AWS::Serverless::Function
                    Properties:
                      Timeout: 7
                      Events:
                        S:
                          Type: DynamoDB
                          Properties:
                            Stream: !GetAtt T.StreamArn
                            StartingPosition: LATEST
                            MaximumRetryAttempts: 2
                            MaximumRecordAgeInSeconds: 60
                            ParallelizationFactor: 3
                """;
        MappingSettings s = MappingSettings.fromTemplate(new StringReader(yaml), "Fn", Map.of());
        assertThat(s.batchSize()).isEqualTo(100);
        assertThat(s.maximumBatchingWindow()).isZero();
        assertThat(s.startingPosition()).isEqualTo(MappingSettings.StartingPosition.LATEST);
        assertThat(s.maximumRetryAttempts()).isEqualTo(2);
        assertThat(s.maximumRecordAge()).isEqualTo(Duration.ofSeconds(60));
        assertThat(s.parallelizationFactor()).isEqualTo(3);
        assertThat(s.reportBatchItemFailures()).isFalse();
        assertThat(s.bisectBatchOnFunctionError()).isFalse();
        assertThat(s.functionTimeout()).isEqualTo(Duration.ofSeconds(7));
    }

    @Test
    void filterDropsNonMatchingRecordsAndTheRestArriveInOrder() {
        List<String> seen = Collections.synchronizedList(new ArrayList<>());
        MappingSettings settings = MappingSettings.fromTemplate(MappingSettings.WELCOME_FUNCTION);
        try (EventSourceMapping esm = mapping(settings, (event, ctx) -> {
            event.getRecords().forEach(r -> seen.add(r.getEventName() + ":" + r.getDynamodb().getKeys().get("userId").getS()));
            return new StreamsEventResponse(new ArrayList<>());
        })) {
            String p = "f" + run + "-";
            for (int i = 0; i < 10; i++) {
                put(p + i, 1);
                put(p + i, 2);    // a MODIFY: filtered out
            }
            esm.awaitCaughtUp(Duration.ofSeconds(30));
            List<String> mine = seen.stream().filter(s -> s.contains(p)).toList();
            assertThat(mine).containsExactlyElementsOf(java.util.stream.IntStream.range(0, 10)
                    .mapToObj(i -> "INSERT:" + p + i).toList());
            assertThat(esm.filteredOutRecords()).isGreaterThanOrEqualTo(10);
        }
    }

    @Test
    void aReportedBatchItemFailureIsARetryAndExhaustedRetriesDiscardWithAPointerOnly() throws Exception {
        String p = "r" + run + "-";
        Set<String> failing = ConcurrentHashMap.newKeySet();
        failing.add(p + "3");
        List<Integer> invocationsOfFailing = Collections.synchronizedList(new ArrayList<>());
        MappingSettings settings = MappingSettings.fromTemplate(MappingSettings.REACTIONS_FUNCTION)
                .withMaximumRetryAttempts(2);
        List<String> done = Collections.synchronizedList(new ArrayList<>());
        try (EventSourceMapping esm = mapping(settings, (event, ctx) -> {
            for (var r : event.getRecords()) {
                String id = r.getDynamodb().getKeys().get("userId").getS();
                if (failing.contains(id)) {
                    invocationsOfFailing.add(1);
                    var f = new StreamsEventResponse.BatchItemFailure(r.getDynamodb().getSequenceNumber());
                    return new StreamsEventResponse(new ArrayList<>(List.of(f)));
                }
                done.add(id);
            }
            return new StreamsEventResponse(new ArrayList<>());
        })) {
            for (int i = 0; i < 6; i++) {
                put(p + i, 1);
            }
            esm.awaitCaughtUp(Duration.ofSeconds(30));
            // First try + 2 retries, then the batch from the failed record on is discarded.
            assertThat(invocationsOfFailing).hasSize(3);
            assertThat(done.stream().filter(s -> s.startsWith(p))).containsExactly(p + "0", p + "1", p + "2");
            List<EventSourceMapping.Discard> discards = esm.discards();
            assertThat(discards).hasSize(1);
            assertThat(discards.get(0).condition()).isEqualTo("RetryAttemptsExhausted");
            assertThat(discards.get(0).records()).extracting(r -> r.dynamodb().keys().get("userId").s())
                    .containsExactly(p + "3", p + "4", p + "5");
            List<Message> messages = stack.sqs().receiveMessage(b -> b.queueUrl(queueUrl).maxNumberOfMessages(10)
                    .waitTimeSeconds(2)).messages();
            assertThat(messages).hasSize(1);
            JsonNode pointer = JSON.readTree(messages.get(0).body());
            assertThat(pointer.path("requestContext").path("condition").asText()).isEqualTo("RetryAttemptsExhausted");
            assertThat(pointer.path("requestContext").path("approximateInvokeCount").asInt()).isEqualTo(3);
            assertThat(pointer.path("responseContext").path("statusCode").asInt()).isEqualTo(200);
            assertThat(pointer.path("responseContext").has("functionError")).isFalse();
            assertThat(pointer.path("version").asText()).isEqualTo("1.0");
            JsonNode info = pointer.path("DDBStreamBatchInfo");
            assertThat(info.path("batchSize").asInt()).isEqualTo(3);
            assertThat(info.path("startSequenceNumber").asText())
                    .isEqualTo(discards.get(0).records().get(0).dynamodb().sequenceNumber());
            assertThat(info.path("endSequenceNumber").asText())
                    .isEqualTo(discards.get(0).records().get(2).dynamodb().sequenceNumber());
            assertThat(info.path("streamArn").asText()).isEqualTo(stack.resources().usersStreamArn());
            assertThat(info.path("shardId").asText()).isEqualTo(discards.get(0).shardId());
            assertThat(info.has("approximateArrivalOfFirstRecord")).isTrue();
            assertThat(info.has("approximateArrivalOfLastRecord")).isTrue();
            assertThat(pointer.toString()).doesNotContain(p + "3");     // a pointer, not the record
        }
    }

    @Test
    void aFunctionErrorBisectsWithoutCountingAndIsolatesThePoisonRecord() {
        String p = "b" + run + "-";
        List<String> done = Collections.synchronizedList(new ArrayList<>());
        MappingSettings settings = MappingSettings.fromTemplate(MappingSettings.REACTIONS_FUNCTION)
                .withMaximumRetryAttempts(1);
        try (EventSourceMapping esm = mapping(settings, (event, ctx) -> {
            for (var r : event.getRecords()) {
                if (r.getDynamodb().getKeys().get("userId").getS().equals(p + "5")) {
                    throw new IllegalStateException("poison");
                }
            }
            event.getRecords().forEach(r -> done.add(r.getDynamodb().getKeys().get("userId").getS()));
            return new StreamsEventResponse(new ArrayList<>());
        })) {
            for (int i = 0; i < 8; i++) {
                put(p + i, 1);
            }
            esm.awaitCaughtUp(Duration.ofSeconds(30));
            assertThat(done.stream().filter(s -> s.startsWith(p)).sorted())
                    .containsExactly(p + "0", p + "1", p + "2", p + "3", p + "4", p + "6", p + "7");
            assertThat(esm.discards()).singleElement().satisfies(d -> {
                assertThat(d.records()).hasSize(1);
                assertThat(d.records().get(0).dynamodb().keys().get("userId").s()).isEqualTo(p + "5");
                assertThat(d.onFailureMessage()).contains("\"functionError\":\"Unhandled\"");
            });
            // A single-record batch: first try + one retry.
            assertThat(esm.retries()).isEqualTo(1);
        }
    }

    @Test
    void aFunctionRunningPastItsTimeoutIsAFunctionError() {
        String p = "t" + run + "-";
        MappingSettings settings = MappingSettings.fromTemplate(MappingSettings.REACTIONS_FUNCTION)
                .withMaximumRetryAttempts(0).withFunctionTimeout(Duration.ofMillis(300));
        List<Integer> remaining = Collections.synchronizedList(new ArrayList<>());
        try (EventSourceMapping esm = mapping(settings, (event, ctx) -> {
            remaining.add(ctx.getRemainingTimeInMillis());
            Thread.sleep(5_000);
            return new StreamsEventResponse(new ArrayList<>());
        })) {
            put(p + "0", 1);
            esm.awaitCaughtUp(Duration.ofSeconds(30));
            assertThat(remaining).isNotEmpty().allMatch(ms -> ms > 0 && ms <= 300);
            assertThat(esm.discards()).singleElement()
                    .satisfies(d -> assertThat(d.condition()).isEqualTo("RetryAttemptsExhausted"));
        }
    }

    @Test
    void recordsOlderThanTheMaximumAgeAreDiscardedAndOlderThanTheRetentionLostWithoutPointer() {
        String p = "a" + run + "-";
        MappingSettings settings = MappingSettings.fromTemplate(MappingSettings.REACTIONS_FUNCTION)
                .withMaximumRetryAttempts(-1).withMaximumRecordAge(Duration.ofSeconds(2));
        try (EventSourceMapping esm = mapping(settings, (event, ctx) -> {
            throw new IllegalStateException("sink down");
        })) {
            put(p + "0", 1);
            esm.awaitCaughtUp(Duration.ofSeconds(30));
            assertThat(esm.discards()).singleElement()
                    .satisfies(d -> assertThat(d.condition()).isEqualTo("RecordAgeExceeded"));
        }
        stack.sqs().purgeQueue(b -> b.queueUrl(queueUrl));
        MappingSettings unbounded = settings.withMaximumRecordAge(null);
        try (EventSourceMapping esm = EventSourceMapping.builder(unbounded, (event, ctx) -> {
                    throw new IllegalStateException("sink down");
                }).name("retention").stream(stack.dynamoDbStreams(), stack.resources().usersStreamArn())
                .onFailure(stack.sqs(), queueUrl).timings(FAST.withStreamRetention(Duration.ofSeconds(2)))
                .build().start()) {
            esm.awaitCaughtUp(Duration.ofSeconds(30));
            // The whole stream so far is older than 2 s: every record trimmed, none pointed to.
            assertThat(esm.discards()).isNotEmpty().allMatch(d -> d.condition().equals("Trimmed")
                    && d.onFailureMessage() == null);
            assertThat(esm.invocations()).isZero();
        }
    }

    @Test
    void parallelizationKeepsEachItemsOrder() {
        String p = "p" + run + "-";
        Map<String, List<Integer>> versions = new ConcurrentHashMap<>();
        MappingSettings settings = MappingSettings.fromTemplate(MappingSettings.REACTIONS_FUNCTION)
                .withParallelizationFactor(4).withBatchSize(3);
        try (EventSourceMapping esm = mapping(settings, (event, ctx) -> {
            for (var r : event.getRecords()) {
                var img = r.getDynamodb().getNewImage();
                if (img != null) {
                    versions.computeIfAbsent(img.get("userId").getS(), k -> Collections.synchronizedList(new ArrayList<>()))
                            .add(Integer.parseInt(img.get("version").getN()));
                }
            }
            Thread.sleep(20);
            return new StreamsEventResponse(new ArrayList<>());
        })) {
            for (int v = 1; v <= 5; v++) {
                for (int i = 0; i < 6; i++) {
                    put(p + i, v);
                }
            }
            esm.awaitCaughtUp(Duration.ofSeconds(60));
            for (int i = 0; i < 6; i++) {
                assertThat(versions.get(p + i)).containsExactly(1, 2, 3, 4, 5);
            }
        }
    }

    private EventSourceMapping mapping(MappingSettings settings, EventSourceMapping.StreamFunction function) {
        // Earlier tests' records are on the stream too: start at its tip like a new mapping.
        return EventSourceMapping.builder(settings.withStartingPosition(MappingSettings.StartingPosition.LATEST), function)
                .name("test-" + run).stream(stack.dynamoDbStreams(), stack.resources().usersStreamArn())
                .onFailure(stack.sqs(), queueUrl).timings(FAST).build().start();
    }

    private static void put(String userId, int version) {
        stack.dynamoDb().putItem(b -> b.tableName(stack.resources().usersTable()).item(Map.of(
                "userId", AttributeValue.fromS(userId),
                "email", AttributeValue.fromS(userId + "@example.com"),
                "version", AttributeValue.fromN(Integer.toString(version)))));
    }
}
