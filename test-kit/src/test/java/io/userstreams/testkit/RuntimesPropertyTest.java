package io.userstreams.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.amazonaws.services.lambda.runtime.events.DynamodbEvent;
import com.amazonaws.services.lambda.runtime.events.StreamsEventResponse;
import io.userstreams.core.change.ChangeRecord;
import io.userstreams.core.change.StreamRecordConverter;
import io.userstreams.core.property.HistoryDelivery;
import io.userstreams.lambda.EmbeddedMetrics;
import io.userstreams.lambda.LambdaStreamJson;
import io.userstreams.lambda.StreamHandlerRuntime;
import io.userstreams.lambda.UserStreamHandler;
import java.io.OutputStream;
import java.io.PrintStream;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.services.dynamodb.model.Identity;
import software.amazon.awssdk.services.dynamodb.model.OperationType;
import software.amazon.awssdk.services.dynamodb.model.Record;
import software.amazon.awssdk.services.dynamodb.model.StreamRecord;
import software.amazon.awssdk.services.dynamodb.model.StreamViewType;

/**
 * Core's random histories (ReactionsPropertyTest: a few users sharing a few addresses, inserts,
 * changes, deletes, TTL expiries, re-creations, refused images, split across shards) delivered
 * through each runtime's own record path instead of straight into the core: KCL — SDK v2
 * {@code Record}s through the consumer's shard record processor with the adapter's input types
 * (as {@link KclAdapterReplay} does; not checkpointed = redelivered); Lambda — the records as
 * Lambda JSON, a {@code DynamodbEvent} built from it, {@code UserStreamHandler} (batch item
 * failure = redelivered from there). Random interleavings across shards, random batches,
 * redeliveries from earlier positions, transient sink failures and a late replay of whole shards;
 * then the in-memory sinks must equal what the users table says. In memory: thousands within
 * seconds. jqwik prints the failing seed; rerun one with {@code @Property(seed = "...")}.
 */
class RuntimesPropertyTest {

    private static final PrintStream NO_OUTPUT = new PrintStream(OutputStream.nullOutputStream());
    private static Level levelBefore;

    @BeforeContainer
    static void quietLogs() {
        // One INFO line per Lambda batch and a WARN per injected failure: thousands of histories.
        Logger root = (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
        levelBefore = root.getLevel();
        root.setLevel(Level.ERROR);
    }

    @AfterContainer
    static void restoreLogs() {
        ((Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME)).setLevel(levelBefore);
    }

    @Property(tries = 1500)
    void throughTheKclShardProcessor(@ForAll long seed, @ForAll @IntRange(min = 1, max = 3) int shards) {
        HistoryDelivery.run(seed, shards, core -> {
            KclAdapterReplay kcl = new KclAdapterReplay(core);
            return (shard, records) -> {
                List<Record> sdk = records.stream().map(RuntimesPropertyTest::sdkRecord).toList();
                // KCL retries an unfinished batch until the lease goes: here the "lease" goes at the
                // first retry, and the records after the checkpoint are delivered again later.
                boolean[] first = {true};
                Replayer.Result result = kcl.replay(sdk, "shardId-" + shard, () -> {
                    boolean go = first[0];
                    first[0] = false;
                    return go;
                });
                return donePrefix(records, result.checkpoints().isEmpty() ? null
                        : result.checkpoints().get(result.checkpoints().size() - 1));
            };
        });
    }

    @Property(tries = 1500)
    void throughTheLambdaHandler(@ForAll long seed, @ForAll @IntRange(min = 1, max = 3) int shards) {
        HistoryDelivery.run(seed, shards, core -> {
            UserStreamHandler handler = new UserStreamHandler(new StreamHandlerRuntime(core.processor(),
                    core.unconvertibleRecords(), new EmbeddedMetrics("property", NO_OUTPUT, Clock.systemUTC()),
                    Clock.systemUTC(), null));
            return (shard, records) -> {
                List<ObjectNode> json = new ArrayList<>();
                for (ChangeRecord r : records) {
                    json.add(LambdaStreamJson.toJson(sdkRecord(r), StreamRecords.STREAM_ARN, StreamRecords.REGION));
                }
                DynamodbEvent event = LambdaEvents.toEvent(LambdaStreamJson.event(json));
                StreamsEventResponse response = handler.handleRequest(event, null);
                if (response.getBatchItemFailures() == null || response.getBatchItemFailures().isEmpty()) {
                    return records.size();
                }
                String failed = response.getBatchItemFailures().get(0).getItemIdentifier();
                for (int i = 0; i < records.size(); i++) {
                    if (records.get(i).sequenceNumber().equals(failed)) {
                        return i;
                    }
                }
                throw new AssertionError("batch item failure " + failed + " names no record of the batch");
            };
        });
    }

    /** How many records up to and including the checkpointed one (0 without a checkpoint). */
    private static int donePrefix(List<ChangeRecord> records, String checkpoint) {
        if (checkpoint == null) {
            return 0;
        }
        for (int i = 0; i < records.size(); i++) {
            if (records.get(i).sequenceNumber().equals(checkpoint)) {
                return i + 1;
            }
        }
        throw new AssertionError("checkpoint " + checkpoint + " names no record of the batch");
    }

    /** The SDK v2 stream record DynamoDB Streams would deliver for this change. */
    static Record sdkRecord(ChangeRecord c) {
        StreamRecord.Builder s = StreamRecord.builder().keys(c.keys()).sequenceNumber(c.sequenceNumber()).sizeBytes(200L)
                .streamViewType(StreamViewType.NEW_AND_OLD_IMAGES).approximateCreationDateTime(c.approximateCreationTime());
        if (c.oldImage() != null && !c.oldImage().isEmpty()) {
            s.oldImage(c.oldImage());
        }
        if (c.newImage() != null && !c.newImage().isEmpty()) {
            s.newImage(c.newImage());
        }
        Record.Builder r = Record.builder().eventID(c.eventId()).eventName(OperationType.fromValue(c.kind().name()))
                .eventVersion("1.1").eventSource("aws:dynamodb").awsRegion(StreamRecords.REGION).dynamodb(s.build());
        if (c.ttlExpiry()) {
            r.userIdentity(Identity.builder().type("Service").principalId(StreamRecordConverter.TTL_PRINCIPAL).build());
        }
        return r.build();
    }
}
