package io.userstreams.lambda;

import static org.assertj.core.api.Assertions.assertThat;

import com.amazonaws.services.lambda.runtime.ClientContext;
import com.amazonaws.services.lambda.runtime.CognitoIdentity;
import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.LambdaLogger;
import com.amazonaws.services.lambda.runtime.events.DynamodbEvent;
import com.amazonaws.services.lambda.runtime.events.StreamsEventResponse;
import com.amazonaws.services.lambda.runtime.tests.EventLoader;
import io.userstreams.core.change.ChangeRecord;
import io.userstreams.core.parking.ParkedItems;
import io.userstreams.core.processing.BatchOutcome;
import io.userstreams.core.processing.BatchProcessor;
import io.userstreams.core.processing.DeadLetter;
import io.userstreams.core.failure.SystemicFailureException;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;

/**
 * Parking (records about to outlive the stream go whole to the dead-letter queue; later records of
 * a parked item park behind them) and the deadline the handler hands the core.
 */
class HandlerParkingAndDeadlineTest {

    /** The fixtures' records were written at 2026-11-25T09:46:40Z. */
    static final Instant WRITTEN = Instant.ofEpochSecond(1795600000);
    static final Duration PARK_AFTER = Duration.ofHours(20);

    final List<DeadLetter> letters = new ArrayList<>();
    final Set<String> parkedItems = new HashSet<>();
    final List<Instant> deadlines = new ArrayList<>();
    final List<String> processed = new ArrayList<>();

    final ParkedItems items = new ParkedItems() {
        @Override
        public Set<String> parkedAmong(Collection<String> userIds) {
            Set<String> out = new HashSet<>(userIds);
            out.retainAll(parkedItems);
            return out;
        }

        @Override
        public void markParked(String userId, String eventId) {
            parkedItems.add(userId);
        }

        @Override
        public void clear(String userId) {
            parkedItems.remove(userId);
        }

        @Override
        public Set<String> all() {
            return Set.copyOf(parkedItems);
        }
    };

    /** A core whose sink fails (systemic) for every record matching {@code down}. */
    UserStreamHandler handler(Instant now, Predicate<ChangeRecord> down) {
        Clock clock = Clock.fixed(now, ZoneOffset.UTC);
        BatchProcessor processor = new BatchProcessor() {
            @Override
            public BatchOutcome process(List<ChangeRecord> records) {
                return process(records, null);
            }

            @Override
            public BatchOutcome process(List<ChangeRecord> records, Instant deadline) {
                deadlines.add(deadline);
                for (int i = 0; i < records.size(); i++) {
                    if (down.test(records.get(i))) {
                        return new BatchOutcome(i, 0, Optional.of(records.get(i)),
                                Optional.of(new SystemicFailureException("SinkDown", "sink down", null)));
                    }
                    processed.add(records.get(i).eventId());
                }
                return BatchOutcome.allDone(records.size(), 0);
            }
        };
        EmbeddedMetrics metrics = new EmbeddedMetrics("fn-test",
                new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8), clock);
        Parking parking = new Parking(PARK_AFTER, items, letters::add, "derived-tables,search-index", clock);
        return new UserStreamHandler(new StreamHandlerRuntime(processor, letter -> { }, metrics,
                clock, parking, null));
    }

    static DynamodbEvent inserts() {
        return EventLoader.loadDynamoDbEvent("events/inserts.json");
    }

    static List<String> failures(StreamsEventResponse r) {
        return r.getBatchItemFailures().stream().map(StreamsEventResponse.BatchItemFailure::getItemIdentifier).toList();
    }

    @Test
    void aYoungRecordThatFailsIsHandedBackAndNothingIsParked() {
        DynamodbEvent event = inserts();
        StreamsEventResponse r = handler(WRITTEN.plus(Duration.ofHours(3)), c -> c.eventId().equals("ins-u-1003"))
                .handleRequest(event, null);
        assertThat(failures(r)).containsExactly(event.getRecords().get(2).getDynamodb().getSequenceNumber());
        assertThat(letters).isEmpty();
        assertThat(parkedItems).isEmpty();
    }

    @Test
    void aRecordStillFailingWhenDueIsParkedWholeWithEveryDueRecordAfterItInOrder() {
        StreamsEventResponse r = handler(WRITTEN.plus(PARK_AFTER).plusSeconds(10), c -> !c.eventId().equals("ins-u-1001")
                && !c.eventId().equals("ins-u-1002")).handleRequest(inserts(), null);
        assertThat(failures(r)).isEmpty();
        assertThat(processed).containsExactly("ins-u-1001", "ins-u-1002");
        assertThat(letters).extracting(l -> l.record().eventId())
                .containsExactly("ins-u-1003", "ins-u-1004", "ins-u-1005");
        assertThat(letters).allSatisfy(l -> {
            assertThat(l.errorType()).isEqualTo(Parking.PARKED);
            assertThat(l.reaction()).isEqualTo("derived-tables,search-index");
            assertThat(l.record().newImage()).isNotEmpty();     // the whole record, not a pointer
        });
        assertThat(letters.get(0).error()).contains("sink down").contains("1200 min");
        assertThat(parkedItems).containsExactlyInAnyOrder("u-1003", "u-1004", "u-1005");
    }

    @Test
    void laterRecordsOfAParkedItemParkBehindItWhateverTheirAgeAndTheOthersGoOn() {
        parkedItems.add("u-1002");
        StreamsEventResponse r = handler(WRITTEN.plusSeconds(60), c -> false).handleRequest(inserts(), null);
        assertThat(failures(r)).isEmpty();
        assertThat(processed).containsExactly("ins-u-1001", "ins-u-1003", "ins-u-1004", "ins-u-1005");
        assertThat(letters).singleElement().satisfies(l -> {
            assertThat(l.record().eventId()).isEqualTo("ins-u-1002");
            assertThat(l.error()).contains("behind an earlier parked record");
        });
    }

    @Test
    void theDeadLetterQueueDownMeansTheRecordIsHandedBackNotLost() {
        Clock clock = Clock.fixed(WRITTEN.plus(PARK_AFTER).plusSeconds(1), ZoneOffset.UTC);
        EmbeddedMetrics metrics = new EmbeddedMetrics("fn-test",
                new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8), clock);
        Parking parking = new Parking(PARK_AFTER, items, letter -> {
            throw new IllegalStateException("SQS down");
        }, "welcome-email", clock);
        BatchProcessor failing = records -> new BatchOutcome(0, 0, Optional.of(records.get(0)),
                Optional.of(new SystemicFailureException("SinkDown", "sink down", null)));
        DynamodbEvent event = inserts();
        StreamsEventResponse r = new UserStreamHandler(new StreamHandlerRuntime(failing,
                letter -> { }, metrics, clock, parking, null)).handleRequest(event, null);
        assertThat(failures(r)).containsExactly(event.getRecords().get(0).getDynamodb().getSequenceNumber());
        assertThat(parkedItems).isEmpty();
    }

    @Test
    void theCoreGetsTheInvocationsEndMinusAMargin() {
        Instant now = WRITTEN.plusSeconds(5);
        UserStreamHandler handler = handler(now, c -> false);
        handler.handleRequest(inserts(), context(60_000));
        handler.handleRequest(inserts(), context(5_000));
        handler.handleRequest(inserts(), null);
        // 60 s left: 10 s kept back (a fifth, at most 10 s); 5 s left: 2 s kept back (at least 2 s).
        assertThat(deadlines).containsExactly(now.plusSeconds(50), now.plusSeconds(3), null);
    }

    static Context context(int remainingMs) {
        return new Context() {
            public String getAwsRequestId() {
                return "req-1";
            }

            public String getLogGroupName() {
                return "g";
            }

            public String getLogStreamName() {
                return "s";
            }

            public String getFunctionName() {
                return "fn";
            }

            public String getFunctionVersion() {
                return "$LATEST";
            }

            public String getInvokedFunctionArn() {
                return "arn:aws:lambda:us-east-1:123456789012:function:fn";
            }

            public CognitoIdentity getIdentity() {
                return null;
            }

            public ClientContext getClientContext() {
                return null;
            }

            public int getRemainingTimeInMillis() {
                return remainingMs;
            }

            public int getMemoryLimitInMB() {
                return 1024;
            }

            public LambdaLogger getLogger() {
                return null;
            }
        };
    }
}
