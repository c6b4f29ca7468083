package io.userstreams.testkit;

import com.amazonaws.services.lambda.runtime.events.DynamodbEvent;
import com.amazonaws.services.lambda.runtime.events.StreamsEventResponse;
import com.fasterxml.jackson.databind.JsonNode;
import io.userstreams.lambda.LambdaStreamJson;
import io.userstreams.lambda.StreamHandlerRuntime;
import io.userstreams.lambda.UserStreamHandler;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import software.amazon.awssdk.services.dynamodb.model.Record;

/**
 * Feeds Lambda-format stream records (the JSON {@code sam local generate-event dynamodb update}
 * prints, a {@code capture} file, or {@link StreamRecords} builders) through one of the product's
 * runtime adapters, against the local stack:
 * <ul>
 *   <li>{@link Runtime#LAMBDA}: the real {@code UserStreamHandler} with a {@code DynamodbEvent}, as
 *       the Lambda service would invoke it (one invocation per event; batch item failures returned);</li>
 *   <li>{@link Runtime#KCL}: the KCL consumer's shard record processor with the adapter's
 *       {@code DynamoDBStreamsProcessRecordsInput}, as KCL would call it (checkpoints recorded).</li>
 * </ul>
 */
public final class Replayer implements AutoCloseable {

    /** Which runtime's adapter the records go through. */
    public enum Runtime { LAMBDA, KCL }

    /** What a replay did. */
    public record Result(int records, List<String> batchItemFailures, List<String> checkpoints) {
        /** True when the runtime reported no failure (Lambda: no batch item failures). */
        public boolean ok() {
            return batchItemFailures.isEmpty();
        }
    }

    private final Runtime runtime;
    private final Map<String, String> environment;
    private StreamHandlerRuntime lambdaRuntime;
    private UserStreamHandler handler;
    private KclAdapterReplay kcl;

    public Replayer(Runtime runtime, Map<String, String> environment) {
        this.runtime = Objects.requireNonNull(runtime);
        this.environment = Map.copyOf(environment);
    }

    public Runtime runtime() {
        return runtime;
    }

    /** Replays one Lambda event ({@code {"Records": [...]}}) or one record. */
    public Result replay(JsonNode eventOrRecord) {
        return switch (runtime) {
            case LAMBDA -> replayLambda(LambdaEvents.toEvent(eventOrRecord));
            case KCL -> {
                List<Record> records = new ArrayList<>();
                for (JsonNode n : LambdaStreamJson.records(eventOrRecord)) {
                    records.add(LambdaStreamJson.fromJson(n));
                }
                yield kcl().replay(records);
            }
        };
    }

    /**
     * Replays stream records as the SDK models them (e.g. read with GetRecords, or built by a test to
     * be malformed in ways Lambda-format JSON cannot express), in this order, as one delivery.
     */
    public Result replayRecords(List<Record> records, String eventSourceArn) {
        return switch (runtime) {
            case LAMBDA -> {
                DynamodbEvent event = new DynamodbEvent();
                event.setRecords(records.stream().map(r -> LambdaEvents.toLambda(r, eventSourceArn)).toList());
                yield replayLambda(event);
            }
            case KCL -> kcl().replay(records);
        };
    }

    /** Replays a file: one Lambda event (pretty-printed is fine), or JSON Lines of records (a capture). */
    public Result replay(Path file) {
        try {
            String text = Files.readString(file, StandardCharsets.UTF_8);
            return replayText(text);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file, e);
        }
    }

    /** Replays a classpath resource, e.g. {@code "events/insert-update.json"} under src/test/resources. */
    public Result replayResource(String name) {
        try (InputStream in = Thread.currentThread().getContextClassLoader().getResourceAsStream(name)) {
            if (in == null) {
                throw new IllegalArgumentException("no resource '" + name + "' on the test classpath");
            }
            return replayText(new String(in.readAllBytes(), StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private Result replayText(String text) throws IOException {
        String trimmed = text.strip();
        try {
            JsonNode whole = LambdaStreamJson.MAPPER.readTree(trimmed);
            if (whole != null && whole.isObject() && (whole.has("Records") || !trimmed.contains("\n"))) {
                return replay(whole);
            }
        } catch (IOException e) {
            // not one JSON value: JSON Lines
        }
        List<JsonNode> records = new ArrayList<>();
        for (String line : trimmed.split("\n")) {
            if (!line.isBlank()) {
                records.addAll(LambdaStreamJson.records(LambdaStreamJson.MAPPER.readTree(line)));
            }
        }
        return replay(LambdaStreamJson.MAPPER.valueToTree(Map.of("Records", records)));
    }

    private Result replayLambda(DynamodbEvent event) {
        if (handler == null) {
            lambdaRuntime = StreamHandlerRuntime.fromEnvironment(environment);
            handler = new UserStreamHandler(lambdaRuntime);
        }
        StreamsEventResponse response = handler.handleRequest(event, null);
        List<String> failures = new ArrayList<>();
        if (response != null && response.getBatchItemFailures() != null) {
            response.getBatchItemFailures().forEach(f -> failures.add(f.getItemIdentifier()));
        }
        return new Result(event.getRecords().size(), failures, List.of());
    }

    private KclAdapterReplay kcl() {
        if (kcl == null) {
            kcl = new KclAdapterReplay(environment);
        }
        return kcl;
    }

    @Override
    public void close() {
        try {
            if (lambdaRuntime != null) {
                lambdaRuntime.close();
            }
            if (kcl != null) {
                kcl.close();
            }
        } catch (Exception e) {
            throw new IllegalStateException("closing the replayer failed", e);
        }
    }
}
