package io.userstreams.lambda;

import static org.assertj.core.api.Assertions.assertThat;

import com.amazonaws.services.lambda.runtime.events.DynamodbEvent;
import com.amazonaws.services.lambda.runtime.events.StreamsEventResponse;
import com.amazonaws.services.lambda.runtime.events.StreamsEventResponse.BatchItemFailure;
import com.amazonaws.services.lambda.runtime.tests.EventLoader;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.userstreams.core.change.ChangeKind;
import io.userstreams.core.change.ChangeRecord;
import io.userstreams.core.config.ReactionId;
import io.userstreams.core.processing.BatchOutcome;
import io.userstreams.core.processing.BatchProcessor;
import io.userstreams.core.processing.UnconvertibleRecord;
import io.userstreams.core.processing.UnconvertibleRecordQueue;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/** The handler's contract with fakes for the core: conversion, fail fast, malformed records, metrics. */
class UserStreamHandlerTest {

    static final ObjectMapper JSON = new ObjectMapper();
    static final Instant NOW = Instant.parse("2026-11-25T12:00:00Z");

    final List<List<ChangeRecord>> calls = new ArrayList<>();
    final List<UnconvertibleRecord> deadLetters = new ArrayList<>();
    final ByteArrayOutputStream stdout = new ByteArrayOutputStream();
    final EmbeddedMetrics metrics = new EmbeddedMetrics("fn-test", new PrintStream(stdout, true, StandardCharsets.UTF_8),
            Clock.fixed(NOW, ZoneOffset.UTC));

    static DynamodbEvent event(String name) {
        return EventLoader.loadDynamoDbEvent("events/" + name);
    }

    UserStreamHandler handler(Function<List<ChangeRecord>, BatchOutcome> processor,
                              UnconvertibleRecordQueue malformed) {
        BatchProcessor recording = records -> {
            calls.add(List.copyOf(records));
            return processor.apply(records);
        };
        return new UserStreamHandler(new StreamHandlerRuntime(recording, malformed, metrics,
                Clock.fixed(NOW, ZoneOffset.UTC), null));
    }

    UserStreamHandler allDone() {
        return handler(records -> BatchOutcome.allDone(records.size(), 0), deadLetters::add);
    }

    static List<String> itemIds(StreamsEventResponse response) {
        return response.getBatchItemFailures().stream().map(BatchItemFailure::getItemIdentifier).toList();
    }

    List<JsonNode> emfLines() throws Exception {
        List<JsonNode> lines = new ArrayList<>();
        for (String line : stdout.toString(StandardCharsets.UTF_8).split("\n")) {
            if (!line.isBlank()) {
                lines.add(JSON.readTree(line));
            }
        }
        return lines;
    }

    @Test
    void convertsEveryFixtureRecordInOrderWithKindsKeysAndTtlFlag() {
        UserStreamHandler handler = allDone();
        for (String file : List.of("inserts.json", "updates.json", "email-change.json", "delete.json", "ttl-expiry.json")) {
            assertThat(itemIds(handler.handleRequest(event(file), null))).as(file).isEmpty();
        }
        List<ChangeRecord> all = calls.stream().flatMap(List::stream).toList();
        assertThat(all).extracting(ChangeRecord::eventId).containsExactly(
                "ins-u-1001", "ins-u-1002", "ins-u-1003", "ins-u-1004", "ins-u-1005",
                "upd-u-1001-v2", "upd-u-1002-v2", "upd-u-1003-v2", "del-u-1004", "ttl-u-1005");
        assertThat(all).extracting(ChangeRecord::sequenceNumber).isSorted();
        assertThat(all.get(0).kind()).isEqualTo(ChangeKind.INSERT);
        assertThat(all.get(0).userId()).contains("u-1001");
        assertThat(all.get(0).newImage().get("email").s()).isEqualTo("kim.minji@example.com");
        assertThat(all.get(0).approximateCreationTime()).isEqualTo(Instant.ofEpochSecond(1795600000));
        assertThat(all.get(0).shardId()).startsWith("arn:aws:dynamodb:us-east-1:123456789012:table/users/stream/");
        ChangeRecord emailChange = all.get(7);
        assertThat(emailChange.kind()).isEqualTo(ChangeKind.MODIFY);
        assertThat(emailChange.oldImage().get("email").s()).isEqualTo("grace@example.com");
        assertThat(emailChange.newImage().get("email").s()).isEqualTo("grace.hopper@example.org");
        ChangeRecord delete = all.get(8);
        ChangeRecord expiry = all.get(9);
        assertThat(delete.kind()).isEqualTo(ChangeKind.REMOVE);
        assertThat(delete.ttlExpiry()).as("a writer's delete is not an expiry").isFalse();
        assertThat(expiry.kind()).isEqualTo(ChangeKind.REMOVE);
        assertThat(expiry.ttlExpiry()).as("REMOVE by the TTL service").isTrue();
    }

    @Test
    void reportsOnlyTheFirstUnfinishedRecordAsBatchItemFailure() {
        DynamodbEvent event = event("inserts.json");
        UserStreamHandler handler = handler(records -> new BatchOutcome(2, 0, Optional.of(records.get(2)),
                Optional.of(new RuntimeException("sns unreachable"))), deadLetters::add);

        StreamsEventResponse response = handler.handleRequest(event, null);

        String third = event.getRecords().get(2).getDynamodb().getSequenceNumber();
        assertThat(itemIds(response)).containsExactly(third);
    }

    @Test
    void aRecordRepeatedInTheSameBatchIsProcessedOnceAtItsFirstPosition() {
        assertThat(itemIds(allDone().handleRequest(event("duplicated-batch.json"), null))).isEmpty();
        assertThat(calls).hasSize(1);
        assertThat(calls.get(0)).extracting(ChangeRecord::eventId).containsExactly("ins-u-3001", "ins-u-3002");
    }

    @Test
    void aFailureAfterSkippedDuplicatesIsReportedAtTheFailedRecord() {
        DynamodbEvent event = event("duplicated-batch.json");
        UserStreamHandler handler = handler(records -> new BatchOutcome(1, 0, Optional.of(records.get(1)),
                Optional.of(new RuntimeException("down"))), deadLetters::add);

        assertThat(itemIds(handler.handleRequest(event, null)))
                .containsExactly(event.getRecords().get(1).getDynamodb().getSequenceNumber());
    }

    @Test
    void anUnconvertibleRecordIsDeadLetteredInItsPlaceAndTheBatchMovesOn() {
        DynamodbEvent event = event("malformed.json");

        StreamsEventResponse response = allDone().handleRequest(event, null);

        assertThat(itemIds(response)).isEmpty();
        // Convertible but invalid records go to the core (its validation dead-letters them, in order).
        assertThat(calls).hasSize(2);
        assertThat(calls.get(0)).extracting(ChangeRecord::eventId)
                .containsExactly("ins-u-2001", "bad-missing-keys", "bad-wrong-types", "bad-invalid-email");
        assertThat(calls.get(1)).extracting(ChangeRecord::eventId).containsExactly("ins-u-2005");
        // The record the SDK transformer rejects (an attribute value without a type) is dead-lettered here.
        assertThat(deadLetters).hasSize(1);
        UnconvertibleRecord bad = deadLetters.get(0);
        assertThat(bad.eventId()).isEqualTo("bad-untyped-attribute");
        assertThat(bad.sequenceNumber()).isEqualTo(event.getRecords().get(4).getDynamodb().getSequenceNumber());
        assertThat(bad.reason()).startsWith("cannot convert the stream record");
        assertThat(bad.rawJson()).contains("bad-untyped-attribute");
    }

    @Test
    void unconvertibleRecordsAreCountedAsValidationDeadLetters() throws Exception {
        allDone().handleRequest(event("malformed.json"), null);

        List<JsonNode> lines = emfLines();
        assertThat(lines).extracting(n -> n.get("Reaction").asText()).containsExactly("validation", "all");
        assertThat(lines.get(0).get("DeadLettered").asLong()).isEqualTo(1);
        assertThat(lines.get(1).get("Records").asLong()).isEqualTo(6);
        assertThat(lines.get(1).get("DeadLettered").asLong()).as("the handler's dead letter plus the core's none").isEqualTo(1);
    }

    @Test
    void whenTheDeadLetterQueueIsDownTheMalformedRecordIsTheFailureAndNothingAfterItRuns() {
        DynamodbEvent event = event("malformed.json");
        UserStreamHandler handler = handler(records -> BatchOutcome.allDone(records.size(), 0), record -> {
            throw new IllegalStateException("sqs unreachable");
        });

        StreamsEventResponse response = handler.handleRequest(event, null);

        assertThat(itemIds(response)).containsExactly(event.getRecords().get(4).getDynamodb().getSequenceNumber());
        assertThat(calls).hasSize(1).as("u-2005 comes after the failure and must wait for redelivery");
    }

    @Test
    void aFailureInALaterRunIsReportedAtThatRecord() {
        DynamodbEvent event = event("malformed.json");
        UserStreamHandler handler = handler(records -> records.get(0).eventId().equals("ins-u-2005")
                ? new BatchOutcome(0, 0, Optional.of(records.get(0)), Optional.empty())
                : BatchOutcome.allDone(records.size(), 1), deadLetters::add);

        StreamsEventResponse response = handler.handleRequest(event, null);

        assertThat(itemIds(response)).containsExactly(event.getRecords().get(5).getDynamodb().getSequenceNumber());
        assertThat(deadLetters).hasSize(1);
    }

    @Test
    void anUnexpectedProcessorExceptionHandsTheWholeBatchBack() {
        DynamodbEvent event = event("inserts.json");
        UserStreamHandler handler = handler(records -> {
            throw new IllegalStateException("bug");
        }, deadLetters::add);

        assertThat(itemIds(handler.handleRequest(event, null)))
                .containsExactly(event.getRecords().get(0).getDynamodb().getSequenceNumber());
    }

    @Test
    void anEmptyEventIsASuccess() {
        DynamodbEvent empty = new DynamodbEvent();
        empty.setRecords(List.of());
        assertThat(itemIds(allDone().handleRequest(empty, null))).isEmpty();
        assertThat(allDone().handleRequest(null, null).getBatchItemFailures()).isEmpty();
        assertThat(calls).isEmpty();
    }

    @Test
    void logsOneJsonLinePerBatchWithRecordIdsAndNoPersonalData() throws Exception {
        ch.qos.logback.classic.Logger logger = (ch.qos.logback.classic.Logger) org.slf4j.LoggerFactory.getLogger(UserStreamHandler.class);
        ch.qos.logback.core.read.ListAppender<ch.qos.logback.classic.spi.ILoggingEvent> captured = new ch.qos.logback.core.read.ListAppender<>();
        captured.start();
        logger.addAppender(captured);
        // The dead letter of an unconvertible record is logged by the core's runner.
        ch.qos.logback.classic.Logger runnerLogger = (ch.qos.logback.classic.Logger) org.slf4j.LoggerFactory
                .getLogger(io.userstreams.core.pipeline.RecordBatchRunner.class);
        runnerLogger.addAppender(captured);
        net.logstash.logback.encoder.LogstashEncoder encoder = new net.logstash.logback.encoder.LogstashEncoder();
        encoder.setContext(logger.getLoggerContext());
        encoder.start();
        try {
            allDone().handleRequest(event("malformed.json"), null);
        } finally {
            logger.detachAppender(captured);
            runnerLogger.detachAppender(captured);
        }
        List<String> lines = captured.list.stream().map(e -> new String(encoder.encode(e), StandardCharsets.UTF_8).trim()).toList();
        assertThat(lines).hasSize(2); // the dead-lettered malformed record, then the batch line
        JsonNode batch = JSON.readTree(lines.get(1));
        assertThat(batch.get("message").asText()).isEqualTo("stream batch processed");
        assertThat(batch.get("records").asInt()).isEqualTo(6);
        assertThat(batch.get("firstEventId").asText()).isEqualTo("ins-u-2001");
        assertThat(batch.get("lastSequenceNumber").asText()).isNotBlank();
        for (String line : lines) {
            assertThat(line).doesNotContain("@example.com").doesNotContain("not-an-email").doesNotContain("Before");
        }
    }

    @Test
    void writesEmbeddedMetricLinesPerReactionAndPerBatch() throws Exception {
        DynamodbEvent event = event("inserts.json");
        UserStreamHandler handler = handler(records -> {
            for (ChangeRecord r : records) {
                metrics.recordProcessed(ReactionId.WELCOME_EMAIL, r);
            }
            metrics.recordFailed(ReactionId.SEARCH_INDEX, records.get(4), new RuntimeException("timeout"));
            metrics.recordDeadLettered(ReactionId.SEARCH_INDEX, records.get(4), new RuntimeException("rejected"));
            return BatchOutcome.allDone(records.size(), 1);
        }, deadLetters::add);

        handler.handleRequest(event, null);

        List<JsonNode> lines = emfLines();
        assertThat(lines).hasSize(3);
        for (JsonNode line : lines) {
            JsonNode directive = line.at("/_aws/CloudWatchMetrics/0");
            assertThat(directive.get("Namespace").asText()).isEqualTo("UserStreams");
            assertThat(directive.at("/Dimensions/0").toString()).isEqualTo("[\"FunctionName\",\"Reaction\"]");
            assertThat(line.at("/_aws/Timestamp").asLong()).isEqualTo(NOW.toEpochMilli());
            assertThat(line.get("FunctionName").asText()).isEqualTo("fn-test");
            // every declared metric has a value in the document
            for (JsonNode metric : directive.get("Metrics")) {
                assertThat(line.has(metric.get("Name").asText())).isTrue();
            }
        }
        JsonNode welcome = lines.get(0);
        assertThat(welcome.get("Reaction").asText()).isEqualTo("welcome-email");
        assertThat(welcome.get("Records").asLong()).isEqualTo(5);
        JsonNode search = lines.get(1);
        assertThat(search.get("Reaction").asText()).isEqualTo("search-index");
        assertThat(search.get("Failures").asLong()).isEqualTo(1);
        assertThat(search.get("DeadLettered").asLong()).isEqualTo(1);
        JsonNode batch = lines.get(2);
        assertThat(batch.get("Reaction").asText()).isEqualTo("all");
        assertThat(batch.get("Records").asLong()).isEqualTo(5);
        assertThat(batch.get("Failures").asLong()).isZero();
        assertThat(batch.get("DeadLettered").asLong()).isEqualTo(1);
        long lastCreated = event.getRecords().get(4).getDynamodb().getApproximateCreationDateTime().getTime();
        assertThat(batch.get("IteratorAgeMs").asLong()).isEqualTo(NOW.toEpochMilli() - lastCreated);

        // counters are per batch: the next batch starts from zero
        stdout.reset();
        handler.handleRequest(event, null);
        List<JsonNode> next = emfLines();
        assertThat(next).extracting(n -> n.get("Reaction").asText()).containsExactly("welcome-email", "search-index", "all");
        assertThat(next.get(0).get("Records").asLong()).isEqualTo(5);
        assertThat(next.get(1).get("DeadLettered").asLong()).isEqualTo(1);
    }
}
