package io.userstreams.localdynamodb.streams;

import io.userstreams.localdefaults.LocalDefaults;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.util.RawValue;
import io.userstreams.localdynamodb.http.DynamoDbException;
import io.userstreams.localdynamodb.http.DynamoDbHttpServer;
import io.userstreams.localdynamodb.http.Operation;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.BiConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * DynamoDB Streams: the records ddb-core publishes, in shards with lineage, and the four
 * {@code DynamoDBStreams_20120810} operations that read them. One daemon thread rolls shards over
 * and trims records past retention.
 */
public final class StreamEngine implements StreamSink, StreamControls, AutoCloseable {

    /** Engine settings; {@link #defaults()} matches DynamoDB (4 h shards, 24 h retention, 15 min iterators). */
    public record Config(String region, String accountId, int shardsPerStream, Duration rollOverInterval,
                         Duration retention, Duration iteratorLifetime, Clock clock) {
        public Config {
            Objects.requireNonNull(region, "region");
            Objects.requireNonNull(accountId, "accountId");
            Objects.requireNonNull(retention, "retention");
            Objects.requireNonNull(iteratorLifetime, "iteratorLifetime");
            Objects.requireNonNull(clock, "clock");
            if (shardsPerStream < 1) {
                throw new IllegalArgumentException("shardsPerStream must be at least 1");
            }
        }

        public static Config defaults() {
            return new Config(LocalDefaults.REGION, LocalDefaults.ACCOUNT_ID, 1, Duration.ofHours(4), Duration.ofHours(24),
                    Duration.ofMinutes(15), Clock.systemUTC());
        }
    }

    public static final String TARGET_PREFIX = "DynamoDBStreams_20120810.";
    static final long MAX_RESPONSE_BYTES = 1024 * 1024;
    private static final Logger log = LoggerFactory.getLogger(StreamEngine.class);
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
    private static final DateTimeFormatter LABEL = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSS")
            .withZone(ZoneOffset.UTC);
    private static final String ITERATOR_MARK = "|1|";

    private final Config config;
    /** Every describable stream, ordered by ARN (ListStreams pages through it). */
    private final ConcurrentSkipListMap<String, TableStream> streamsByArn = new ConcurrentSkipListMap<>();
    /** The newest stream of each table, enabled or not. */
    private final Map<String, TableStream> latestByTable = new ConcurrentHashMap<>();
    private final ScheduledExecutorService scheduler;

    public StreamEngine(Config config, DynamoDbHttpServer server) {
        this(config);
        registerOperations(server::register);
    }

    /** An engine without HTTP (unit tests call the operations directly). */
    public StreamEngine(Config config) {
        this.config = Objects.requireNonNull(config, "config");
        this.scheduler = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "local-dynamodb-streams");
            t.setDaemon(true);
            return t;
        });
        long tick = maintenanceTickMillis(config);
        scheduler.scheduleWithFixedDelay(this::maintainQuietly, tick, tick, TimeUnit.MILLISECONDS);
    }

    /** Often enough that a roll-over or trim is late by at most a tenth of its period (20 ms .. 1 s). */
    private static long maintenanceTickMillis(Config c) {
        long shortest = c.retention().toMillis();
        if (c.rollOverInterval() != null && !c.rollOverInterval().isZero()) {
            shortest = Math.min(shortest, c.rollOverInterval().toMillis());
        }
        return Math.max(20, Math.min(1000, shortest / 10));
    }

    public void registerOperations(BiConsumer<String, Operation> registry) {
        registry.accept(TARGET_PREFIX + "ListStreams", this::listStreams);
        registry.accept(TARGET_PREFIX + "DescribeStream", this::describeStream);
        registry.accept(TARGET_PREFIX + "GetShardIterator", this::getShardIterator);
        registry.accept(TARGET_PREFIX + "GetRecords", this::getRecords);
    }

    public Config config() {
        return config;
    }

    // ------------------------------------------------------------------ StreamSink

    @Override
    public synchronized StreamInfo enable(String tableName, ArrayNode keySchema, String viewType) {
        if (!List.of("KEYS_ONLY", "NEW_IMAGE", "OLD_IMAGE", "NEW_AND_OLD_IMAGES").contains(viewType)) {
            throw new IllegalArgumentException("unknown StreamViewType " + viewType);
        }
        disable(tableName);
        String hashKey = null;
        for (JsonNode k : keySchema) {
            if ("HASH".equals(k.path("KeyType").asText())) {
                hashKey = k.path("AttributeName").asText();
            }
        }
        if (hashKey == null) {
            throw new IllegalArgumentException("key schema without a HASH key: " + keySchema);
        }
        long created = config.clock().millis();
        String arn;
        String label;
        do {        // two streams of one table in the same millisecond still get distinct labels
            label = LABEL.format(Instant.ofEpochMilli(created));
            arn = "arn:aws:dynamodb:" + config.region() + ":" + config.accountId() + ":table/" + tableName
                    + "/stream/" + label;
            created++;
        } while (streamsByArn.containsKey(arn));
        TableStream stream = new TableStream(arn, label, tableName, keySchema.deepCopy(), hashKey, viewType,
                created - 1, config.shardsPerStream());
        streamsByArn.put(arn, stream);
        latestByTable.put(tableName, stream);
        log.atInfo().addKeyValue("table", tableName).addKeyValue("streamArn", arn).addKeyValue("viewType", viewType)
                .addKeyValue("shards", config.shardsPerStream()).log("stream enabled");
        return new StreamInfo(arn, label, viewType);
    }

    @Override
    public synchronized void disable(String tableName) {
        TableStream stream = latestByTable.get(tableName);
        if (stream != null && stream.enabled()) {
            stream.disable(config.clock().millis());
            log.atInfo().addKeyValue("table", tableName).addKeyValue("streamArn", stream.arn).log("stream disabled");
        }
    }

    @Override
    public void publish(ItemChange change) {
        TableStream stream = latestByTable.get(change.tableName());
        if (stream == null || !stream.enabled()) {
            return;
        }
        long hash = StreamRecordWriter.keyHash(change.keys().get(stream.hashKeyName));
        StreamRecordWriter.Draft draft = StreamRecordWriter.draft(change, stream.viewType, config.region());
        while (true) {
            StreamShard shard = stream.route(hash);
            if (shard == null) {
                return;     // disabled meanwhile
            }
            synchronized (shard) {
                if (!shard.isClosed()) {
                    long sequence = stream.nextSequence();
                    long created = shard.createdMillisNotBefore(config.clock().millis());
                    shard.append(new StreamShard.Entry(sequence, created, draft.sizeBytes(),
                            draft.complete(sequence, created)));
                    return;
                }
            }
            synchronized (stream) {
                // the shard closed under us: the roll-over holding this lock publishes its child when done
            }
        }
    }

    // ------------------------------------------------------------------ StreamControls

    @Override
    public List<String> rollOver(String tableName) {
        TableStream stream = enabledStream(tableName);
        List<String> children = stream.replace(stream.openShards(), false, config.clock().millis());
        log.atInfo().addKeyValue("table", tableName).addKeyValue("streamArn", stream.arn)
                .addKeyValue("children", children).log("shards rolled over");
        return children;
    }

    @Override
    public List<String> split(String tableName, String shardId) {
        TableStream stream = enabledStream(tableName);
        StreamShard parent = stream.openShards().stream().filter(s -> s.shardId.equals(shardId)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("no open shard " + shardId + " in the stream of " + tableName));
        List<String> children = stream.replace(List.of(parent), true, config.clock().millis());
        log.atInfo().addKeyValue("table", tableName).addKeyValue("streamArn", stream.arn)
                .addKeyValue("shardId", shardId).addKeyValue("children", children).log("shard split");
        return children;
    }

    @Override
    public void trimNow() {
        long now = config.clock().millis();
        long retention = config.retention().toMillis();
        for (TableStream stream : streamsByArn.values()) {
            if (stream.trim(now, retention)) {
                streamsByArn.remove(stream.arn);
                latestByTable.remove(stream.tableName, stream);
            }
        }
    }

    /** The ARN of the table's enabled stream, if any (tests and ddb-core's DescribeTable). */
    public java.util.Optional<String> enabledStreamArn(String tableName) {
        TableStream s = latestByTable.get(tableName);
        return s != null && s.enabled() ? java.util.Optional.of(s.arn) : java.util.Optional.empty();
    }

    private TableStream enabledStream(String tableName) {
        TableStream stream = latestByTable.get(tableName);
        if (stream == null || !stream.enabled()) {
            throw new IllegalArgumentException("table " + tableName + " has no enabled stream");
        }
        return stream;
    }

    /** Scheduled: shards older than the roll-over interval close and get a child; then trimming. */
    void maintain() {
        long now = config.clock().millis();
        Duration interval = config.rollOverInterval();
        if (interval != null && !interval.isZero() && !interval.isNegative()) {
            for (TableStream stream : streamsByArn.values()) {
                if (!stream.enabled()) {
                    continue;
                }
                List<StreamShard> due = stream.openShards().stream()
                        .filter(s -> now - s.openedMillis >= interval.toMillis()).toList();
                if (!due.isEmpty()) {
                    List<String> children = stream.replace(due, false, now);
                    log.atInfo().addKeyValue("table", stream.tableName).addKeyValue("streamArn", stream.arn)
                            .addKeyValue("children", children).log("shards rolled over on schedule");
                }
            }
        }
        trimNow();
    }

    private void maintainQuietly() {
        try {
            maintain();
        } catch (RuntimeException e) {
            log.atWarn().addKeyValue("error", e.toString()).log("stream maintenance failed; retried next tick");
        }
    }

    @Override
    public void close() {
        scheduler.shutdownNow();
        try {
            scheduler.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    // ------------------------------------------------------------------ operations

    public JsonNode listStreams(ObjectNode request) {
        int limit = limit(request, "Limit", "limit", 100, 100);
        String table = text(request, "TableName");
        String start = text(request, "ExclusiveStartStreamArn");
        var candidates = start == null ? streamsByArn.values() : streamsByArn.tailMap(start, false).values();
        ArrayNode out = NODES.arrayNode();
        String last = null;
        boolean more = false;
        for (TableStream s : candidates) {
            if (table != null && !table.equals(s.tableName)) {
                continue;
            }
            if (out.size() == limit) {
                more = true;
                break;
            }
            out.addObject().put("StreamArn", s.arn).put("TableName", s.tableName).put("StreamLabel", s.label);
            last = s.arn;
        }
        ObjectNode response = NODES.objectNode();
        response.set("Streams", out);
        if (more) {
            response.put("LastEvaluatedStreamArn", last);
        }
        return response;
    }

    public JsonNode describeStream(ObjectNode request) {
        String arn = required(request, "StreamArn", "streamArn");
        int limit = limit(request, "Limit", "limit", 100, 100);
        String start = text(request, "ExclusiveStartShardId");
        TableStream stream = stream(arn);
        List<StreamShard> shards = stream.shards();
        int from = 0;
        if (start != null) {
            from = shards.size();
            for (int i = 0; i < shards.size(); i++) {
                if (shards.get(i).shardId.equals(start)) {
                    from = i + 1;
                    break;
                }
            }
            if (from == shards.size()) {    // a shard since removed: continue after it in id order
                from = 0;
                while (from < shards.size() && shards.get(from).shardId.compareTo(start) <= 0) {
                    from++;
                }
            }
        }
        ArrayNode out = NODES.arrayNode();
        int i = from;
        for (; i < shards.size() && out.size() < limit; i++) {
            StreamShard s = shards.get(i);
            ObjectNode shard = out.addObject();
            shard.put("ShardId", s.shardId);
            if (s.parentShardId != null) {
                shard.put("ParentShardId", s.parentShardId);
            }
            ObjectNode range = shard.putObject("SequenceNumberRange");
            range.put("StartingSequenceNumber", formatSequence(s.startingSequence));
            long ending = s.endingSequence();
            if (ending >= 0) {
                range.put("EndingSequenceNumber", formatSequence(ending));
            }
        }
        ObjectNode description = NODES.objectNode();
        description.put("StreamArn", stream.arn);
        description.put("StreamLabel", stream.label);
        description.put("StreamStatus", stream.enabled() ? "ENABLED" : "DISABLED");
        description.put("StreamViewType", stream.viewType);
        description.put("CreationRequestDateTime", BigDecimal.valueOf(stream.createdMillis, 3));
        description.put("TableName", stream.tableName);
        description.set("KeySchema", stream.keySchema.deepCopy());
        description.set("Shards", out);
        if (i < shards.size()) {
            description.put("LastEvaluatedShardId", shards.get(i - 1).shardId);
        }
        ObjectNode response = NODES.objectNode();
        response.set("StreamDescription", description);
        return response;
    }

    public JsonNode getShardIterator(ObjectNode request) {
        String arn = required(request, "StreamArn", "streamArn");
        String shardId = required(request, "ShardId", "shardId");
        String type = required(request, "ShardIteratorType", "shardIteratorType");
        String sequenceText = text(request, "SequenceNumber");
        if (!List.of("TRIM_HORIZON", "LATEST", "AT_SEQUENCE_NUMBER", "AFTER_SEQUENCE_NUMBER").contains(type)) {
            throw validation("1 validation error detected: Value '" + type + "' at 'shardIteratorType' failed to"
                    + " satisfy constraint: Member must satisfy enum value set: [AFTER_SEQUENCE_NUMBER, LATEST,"
                    + " AT_SEQUENCE_NUMBER, TRIM_HORIZON]");
        }
        TableStream stream = stream(arn);
        StreamShard shard = stream.shard(shardId);
        if (shard == null) {
            throw new DynamoDbException("ResourceNotFoundException",
                    "Requested resource not found: Shard does not exist");
        }
        long position;
        switch (type) {
            case "TRIM_HORIZON" -> position = shard.trimHorizon();
            case "LATEST" -> position = shard.endPosition();
            default -> {
                if (sequenceText == null) {
                    throw validation("Must specify a SequenceNumber when using " + type + " ShardIteratorType");
                }
                long sequence = parseSequence(sequenceText);
                if (sequence < shard.startingSequence) {
                    throw validation("Invalid SequenceNumber for ShardIteratorType " + type + ": " + sequenceText
                            + " is before the start of shard " + shardId);
                }
                position = shard.positionOf(sequence, type.equals("AT_SEQUENCE_NUMBER"));
                if (position < 0) {
                    throw trimmed();
                }
            }
        }
        ObjectNode response = NODES.objectNode();
        response.put("ShardIterator", iterator(stream.arn, shard.shardId, position));
        return response;
    }

    public JsonNode getRecords(ObjectNode request) {
        String iteratorText = required(request, "ShardIterator", "shardIterator");
        int limit = limit(request, "Limit", "limit", 1000, 1000);
        if (iteratorText.length() > 2048) {
            throw validation("1 validation error detected: Value at 'shardIterator' failed to satisfy constraint:"
                    + " Member must have length less than or equal to 2048");
        }
        ParsedIterator it = parseIterator(iteratorText);
        long now = config.clock().millis();
        long lifetime = config.iteratorLifetime().toMillis();
        if (now - it.issuedMillis() > lifetime) {
            throw new DynamoDbException("ExpiredIteratorException", "Iterator expired. The iterator was created at"
                    + " time " + Instant.ofEpochMilli(it.issuedMillis()) + " while right now it is " + Instant.ofEpochMilli(now)
                    + " which is further in the future than the tolerated delay of " + lifetime + " milliseconds.");
        }
        TableStream stream = stream(it.streamArn());
        StreamShard shard = stream.shard(it.shardId());
        if (shard == null) {
            throw new DynamoDbException("ResourceNotFoundException",
                    "Requested resource not found: Shard does not exist");
        }
        StreamShard.Slice slice = shard.read(it.position(), limit, MAX_RESPONSE_BYTES);
        if (slice == null) {
            throw trimmed();
        }
        ObjectNode response = NODES.objectNode();
        ArrayNode records = response.putArray("Records");
        for (StreamShard.Entry e : slice.entries()) {
            records.addRawValue(new RawValue(e.json()));
        }
        if (!slice.endOfClosedShard()) {
            response.put("NextShardIterator", iterator(stream.arn, shard.shardId, slice.nextPosition()));
        }
        return response;
    }

    // ------------------------------------------------------------------ helpers

    private record ParsedIterator(String streamArn, String shardId, long position, long issuedMillis) {}

    /** Opaque to clients, stateless here: the ARN (as DynamoDB's start), then shard, position and issue time. */
    private String iterator(String streamArn, String shardId, long position) {
        String payload = shardId + "|" + position + "|" + config.clock().millis();
        return streamArn + ITERATOR_MARK
                + Base64.getUrlEncoder().withoutPadding().encodeToString(payload.getBytes(StandardCharsets.UTF_8));
    }

    private static ParsedIterator parseIterator(String text) {
        try {
            int mark = text.lastIndexOf(ITERATOR_MARK);
            String arn = text.substring(0, mark);
            String[] parts = new String(Base64.getUrlDecoder().decode(text.substring(mark + ITERATOR_MARK.length())),
                    StandardCharsets.UTF_8).split("\\|");
            if (parts.length != 3 || arn.isEmpty()) {
                throw new IllegalArgumentException();
            }
            return new ParsedIterator(arn, parts[0], Long.parseLong(parts[1]), Long.parseLong(parts[2]));
        } catch (RuntimeException e) {
            throw validation("Invalid ShardIterator");
        }
    }

    /** 21 digits, no leading zero: "1" and a 20-digit counter. Clients compare them as big integers. */
    static String formatSequence(long counter) {
        String digits = Long.toString(counter);
        StringBuilder sb = new StringBuilder(21).append('1');
        for (int i = digits.length(); i < 20; i++) {
            sb.append('0');
        }
        return sb.append(digits).toString();
    }

    private static long parseSequence(String text) {
        if (text.length() != 21 || text.charAt(0) != '1' || !text.chars().allMatch(Character::isDigit)) {
            throw validation("Invalid SequenceNumber: " + text);
        }
        return Long.parseLong(text.substring(1));
    }

    private TableStream stream(String arn) {
        TableStream s = streamsByArn.get(arn);
        if (s == null) {
            if (!arn.startsWith("arn:aws:dynamodb:") || !arn.contains("/stream/")) {
                throw validation("Invalid StreamArn");
            }
            throw new DynamoDbException("ResourceNotFoundException",
                    "Requested resource not found: Stream: " + arn + " not found");
        }
        return s;
    }

    private static DynamoDbException trimmed() {
        return new DynamoDbException("TrimmedDataAccessException",
                "The operation attempted to read past the oldest stream record in a shard.");
    }

    private static DynamoDbException validation(String message) {
        return new DynamoDbException("ValidationException", message);
    }

    private static String text(ObjectNode request, String field) {
        JsonNode n = request.get(field);
        return n == null || n.isNull() ? null : n.asText();
    }

    private static String required(ObjectNode request, String field, String wireName) {
        String v = text(request, field);
        if (v == null) {
            throw validation("1 validation error detected: Value null at '" + wireName
                    + "' failed to satisfy constraint: Member must not be null");
        }
        return v;
    }

    private static int limit(ObjectNode request, String field, String wireName, int max, int defaultValue) {
        JsonNode n = request.get(field);
        if (n == null || n.isNull()) {
            return defaultValue;
        }
        long v = n.asLong();
        if (v < 1) {
            throw validation("1 validation error detected: Value '" + v + "' at '" + wireName
                    + "' failed to satisfy constraint: Member must have value greater than or equal to 1");
        }
        if (v > max) {
            throw validation("1 validation error detected: Value '" + v + "' at '" + wireName
                    + "' failed to satisfy constraint: Member must have value less than or equal to " + max);
        }
        return (int) v;
    }
}
