package io.userstreams.localdynamodb.streams;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.userstreams.localdynamodb.http.DynamoDbException;
import java.math.BigInteger;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class StreamEngineTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String TABLE = "users";

    private final MutableClock clock = new MutableClock(Instant.parse("2026-12-06T16:40:00.123Z"));
    private StreamEngine engine;

    private StreamEngine engine(int shards) {
        engine = new StreamEngine(new StreamEngine.Config("eu-west-1", "123456789012", shards, Duration.ZERO,
                Duration.ofHours(24), Duration.ofMinutes(15), clock));
        return engine;
    }

    @AfterEach
    void close() {
        if (engine != null) {
            engine.close();
        }
    }

    private static ArrayNode keySchema() {
        ArrayNode ks = JSON.createArrayNode();
        ks.addObject().put("AttributeName", "userId").put("KeyType", "HASH");
        ks.addObject().put("AttributeName", "sk").put("KeyType", "RANGE");
        return ks;
    }

    private static ObjectNode keys(String user) {
        ObjectNode k = JSON.createObjectNode();
        k.putObject("userId").put("S", user);
        k.putObject("sk").put("S", "profile");
        return k;
    }

    private static ObjectNode item(String user, int version) {
        ObjectNode i = keys(user);
        i.putObject("version").put("N", Integer.toString(version));
        return i;
    }

    private void put(String user, int version) {
        engine.publish(new ItemChange(TABLE, version == 1 ? "INSERT" : "MODIFY", keys(user),
                version == 1 ? null : item(user, version - 1), item(user, version), false, 30));
    }

    private static ObjectNode req(Object... kv) {
        ObjectNode r = JSON.createObjectNode();
        for (int i = 0; i < kv.length; i += 2) {
            if (kv[i + 1] instanceof Integer n) {
                r.put((String) kv[i], n);
            } else {
                r.put((String) kv[i], (String) kv[i + 1]);
            }
        }
        return r;
    }

    /** Round-trips through text, as the HTTP server sends it. */
    private static JsonNode wire(JsonNode response) throws Exception {
        return JSON.readTree(JSON.writeValueAsString(response));
    }

    private JsonNode describe(String arn) throws Exception {
        return wire(engine.describeStream(req("StreamArn", arn))).get("StreamDescription");
    }

    private String iterator(String arn, String shardId, String type, String sequence) {
        ObjectNode r = req("StreamArn", arn, "ShardId", shardId, "ShardIteratorType", type);
        if (sequence != null) {
            r.put("SequenceNumber", sequence);
        }
        return engine.getShardIterator(r).get("ShardIterator").asText();
    }

    private JsonNode records(String iterator, Integer limit) throws Exception {
        ObjectNode r = req("ShardIterator", iterator);
        if (limit != null) {
            r.put("Limit", limit);
        }
        return wire(engine.getRecords(r));
    }

    /** Every record of a shard from its trim horizon to now (or its end). */
    private List<JsonNode> readAll(String arn, String shardId) throws Exception {
        List<JsonNode> out = new ArrayList<>();
        String it = iterator(arn, shardId, "TRIM_HORIZON", null);
        while (it != null) {
            JsonNode page = records(it, null);
            page.get("Records").forEach(out::add);
            if (page.get("Records").isEmpty()) {
                break;
            }
            it = page.path("NextShardIterator").isMissingNode() ? null : page.get("NextShardIterator").asText();
        }
        return out;
    }

    private static String errorCode(Runnable r) {
        try {
            r.run();
        } catch (DynamoDbException e) {
            return e.code() + ": " + e.getMessage();
        }
        throw new AssertionError("no error");
    }

    @Test
    void anEnabledStreamIsDescribedAsDynamoDbDoes() throws Exception {
        engine(4);
        StreamSink.StreamInfo info = engine.enable(TABLE, keySchema(), "NEW_AND_OLD_IMAGES");
        assertThat(info.streamLabel()).isEqualTo("2026-12-06T16:40:00.123");
        assertThat(info.streamArn()).isEqualTo("arn:aws:dynamodb:eu-west-1:123456789012:table/users/stream/2026-12-06T16:40:00.123");

        JsonNode d = describe(info.streamArn());
        assertThat(d.get("StreamStatus").asText()).isEqualTo("ENABLED");
        assertThat(d.get("StreamViewType").asText()).isEqualTo("NEW_AND_OLD_IMAGES");
        assertThat(d.get("TableName").asText()).isEqualTo(TABLE);
        assertThat(d.get("KeySchema")).isEqualTo(keySchema());
        assertThat(d.get("CreationRequestDateTime").decimalValue()).isEqualByComparingTo("1796575200.123");
        assertThat(d.get("Shards")).hasSize(4);
        for (JsonNode s : d.get("Shards")) {
            assertThat(s.get("ShardId").asText()).matches("shardId-1796575200123-[0-9a-f]{8}");
            assertThat(s.has("ParentShardId")).isFalse();
            assertThat(s.get("SequenceNumberRange").get("StartingSequenceNumber").asText()).matches("[1-9][0-9]{20,}");
            assertThat(s.get("SequenceNumberRange").has("EndingSequenceNumber")).isFalse();
        }
        assertThat(d.has("LastEvaluatedShardId")).isFalse();
    }

    @Test
    void recordsCarryEveryFieldAndIncreasingSequenceNumbers() throws Exception {
        engine(1);
        String arn = engine.enable(TABLE, keySchema(), "NEW_AND_OLD_IMAGES").streamArn();
        put("u1", 1);
        clock.advance(Duration.ofMillis(250));
        put("u1", 2);
        engine.publish(new ItemChange(TABLE, "REMOVE", keys("u1"), item("u1", 2), null, false, 30));
        String shard = describe(arn).get("Shards").get(0).get("ShardId").asText();
        List<JsonNode> records = readAll(arn, shard);
        assertThat(records).extracting(r -> r.get("eventName").asText()).containsExactly("INSERT", "MODIFY", "REMOVE");
        Set<String> ids = new HashSet<>();
        BigInteger previous = BigInteger.ZERO;
        for (JsonNode r : records) {
            assertThat(r.get("eventID").asText()).matches("[0-9a-f]{32}");
            ids.add(r.get("eventID").asText());
            assertThat(r.get("eventVersion").asText()).isEqualTo("1.1");
            assertThat(r.get("eventSource").asText()).isEqualTo("aws:dynamodb");
            assertThat(r.get("awsRegion").asText()).isEqualTo("eu-west-1");
            assertThat(r.has("userIdentity")).isFalse();
            JsonNode ddb = r.get("dynamodb");
            assertThat(ddb.get("Keys")).isEqualTo(keys("u1"));
            assertThat(ddb.get("StreamViewType").asText()).isEqualTo("NEW_AND_OLD_IMAGES");
            assertThat(ddb.get("SizeBytes").asLong()).isPositive();
            assertThat(ddb.get("ApproximateCreationDateTime").isNumber()).isTrue();
            String seq = ddb.get("SequenceNumber").asText();
            assertThat(seq).matches("[1-9][0-9]{20,}");
            assertThat(new BigInteger(seq)).isGreaterThan(previous);
            previous = new BigInteger(seq);
        }
        assertThat(ids).hasSize(3);
        assertThat(records.get(0).get("dynamodb").get("ApproximateCreationDateTime").decimalValue())
                .isEqualByComparingTo("1796575200.123");
        assertThat(records.get(1).get("dynamodb").get("ApproximateCreationDateTime").decimalValue())
                .isEqualByComparingTo("1796575200.373");
        assertThat(records.get(0).get("dynamodb").get("NewImage")).isEqualTo(item("u1", 1));
        assertThat(records.get(0).get("dynamodb").has("OldImage")).isFalse();
        assertThat(records.get(1).get("dynamodb").get("OldImage")).isEqualTo(item("u1", 1));
        assertThat(records.get(1).get("dynamodb").get("NewImage")).isEqualTo(item("u1", 2));
        assertThat(records.get(2).get("dynamodb").get("OldImage")).isEqualTo(item("u1", 2));
        assertThat(records.get(2).get("dynamodb").has("NewImage")).isFalse();
    }

    @ParameterizedTest
    @ValueSource(strings = {"KEYS_ONLY", "NEW_IMAGE", "OLD_IMAGE", "NEW_AND_OLD_IMAGES"})
    void imagesFollowTheViewType(String viewType) throws Exception {
        engine(1);
        String arn = engine.enable(TABLE, keySchema(), viewType).streamArn();
        put("u1", 1);
        put("u1", 2);
        engine.publish(new ItemChange(TABLE, "REMOVE", keys("u1"), item("u1", 2), null, true, 30));
        List<JsonNode> records = readAll(arn, describe(arn).get("Shards").get(0).get("ShardId").asText());
        assertThat(records).hasSize(3);
        boolean withNew = viewType.equals("NEW_IMAGE") || viewType.equals("NEW_AND_OLD_IMAGES");
        boolean withOld = viewType.equals("OLD_IMAGE") || viewType.equals("NEW_AND_OLD_IMAGES");
        JsonNode insert = records.get(0).get("dynamodb");
        JsonNode modify = records.get(1).get("dynamodb");
        JsonNode remove = records.get(2).get("dynamodb");
        assertThat(insert.has("NewImage")).isEqualTo(withNew);
        assertThat(insert.has("OldImage")).isFalse();
        assertThat(modify.has("NewImage")).isEqualTo(withNew);
        assertThat(modify.has("OldImage")).isEqualTo(withOld);
        assertThat(remove.has("NewImage")).isFalse();
        assertThat(remove.has("OldImage")).isEqualTo(withOld);
        for (JsonNode r : records) {
            assertThat(r.get("dynamodb").get("Keys")).isEqualTo(keys("u1"));
            assertThat(r.get("dynamodb").get("StreamViewType").asText()).isEqualTo(viewType);
        }
        // KEYS_ONLY records are smaller: SizeBytes counts what the record carries.
        long keysOnlySize = StreamRecordWriter.itemSize(keys("u1"));
        assertThat(insert.get("SizeBytes").asLong()).isEqualTo(withNew ? keysOnlySize + StreamRecordWriter.itemSize(item("u1", 1)) : keysOnlySize);
        JsonNode ttl = records.get(2).get("userIdentity");
        assertThat(ttl.get("Type").asText()).isEqualTo("Service");
        assertThat(ttl.get("PrincipalId").asText()).isEqualTo("dynamodb.amazonaws.com");
        assertThat(records.get(1).has("userIdentity")).isFalse();
    }

    @Test
    void anItemAlwaysLandsInTheSameShardAndKeysSpreadOverAllShards() throws Exception {
        engine(4);
        String arn = engine.enable(TABLE, keySchema(), "KEYS_ONLY").streamArn();
        for (int round = 1; round <= 3; round++) {
            for (int u = 0; u < 200; u++) {
                put("user-" + u, round);
            }
        }
        Map<String, String> shardOfUser = new HashMap<>();
        for (JsonNode shard : describe(arn).get("Shards")) {
            List<JsonNode> records = readAll(arn, shard.get("ShardId").asText());
            assertThat(records).as("every shard receives keys").isNotEmpty();
            for (JsonNode r : records) {
                String user = r.get("dynamodb").get("Keys").get("userId").get("S").asText();
                String before = shardOfUser.putIfAbsent(user, shard.get("ShardId").asText());
                assertThat(before == null || before.equals(shard.get("ShardId").asText())).as(user).isTrue();
            }
        }
        assertThat(shardOfUser).hasSize(200);
        // N "1" and N "1.0" are one key value, hence one shard.
        JsonNode one = JSON.readTree("{\"N\":\"1\"}");
        JsonNode onePointZero = JSON.readTree("{\"N\":\"1.0\"}");
        assertThat(StreamRecordWriter.keyHash(one)).isEqualTo(StreamRecordWriter.keyHash(onePointZero));
    }

    @Test
    void rollOverClosesEveryShardAndChildrenContinueTheSequence() throws Exception {
        engine(2);
        String arn = engine.enable(TABLE, keySchema(), "NEW_IMAGE").streamArn();
        for (int u = 0; u < 20; u++) {
            put("user-" + u, 1);
        }
        JsonNode before = describe(arn).get("Shards");
        clock.advance(Duration.ofSeconds(1));
        List<String> children = engine.rollOver(TABLE);
        assertThat(children).hasSize(2);
        for (int u = 0; u < 20; u++) {
            put("user-" + u, 2);
        }
        JsonNode shards = describe(arn).get("Shards");
        assertThat(shards).hasSize(4);
        Map<String, JsonNode> byId = new HashMap<>();
        shards.forEach(s -> byId.put(s.get("ShardId").asText(), s));
        for (JsonNode parent : before) {
            JsonNode closed = byId.get(parent.get("ShardId").asText());
            assertThat(closed.get("SequenceNumberRange").has("EndingSequenceNumber")).isTrue();
        }
        for (String child : children) {
            JsonNode c = byId.get(child);
            assertThat(c.get("ShardId").asText()).startsWith("shardId-1796575201123-");
            assertThat(c.get("SequenceNumberRange").has("EndingSequenceNumber")).isFalse();
            JsonNode parent = byId.get(c.get("ParentShardId").asText());
            assertThat(new BigInteger(c.get("SequenceNumberRange").get("StartingSequenceNumber").asText()))
                    .isGreaterThan(new BigInteger(parent.get("SequenceNumberRange").get("EndingSequenceNumber").asText()));
            // each user's v1 is in the parent, v2 in the child, with a larger sequence number
            List<JsonNode> parentRecords = readAll(arn, parent.get("ShardId").asText());
            List<JsonNode> childRecords = readAll(arn, child);
            assertThat(users(childRecords)).isEqualTo(users(parentRecords));
            assertThat(parentRecords).allMatch(r -> r.get("eventName").asText().equals("INSERT"));
            assertThat(childRecords).allMatch(r -> r.get("eventName").asText().equals("MODIFY"));
            assertThat(lastSequence(parentRecords)).isEqualTo(
                    new BigInteger(parent.get("SequenceNumberRange").get("EndingSequenceNumber").asText()));
            assertThat(new BigInteger(childRecords.get(0).get("dynamodb").get("SequenceNumber").asText()))
                    .isGreaterThan(lastSequence(parentRecords));
        }
    }

    private static Set<String> users(List<JsonNode> records) {
        Set<String> users = new HashSet<>();
        records.forEach(r -> users.add(r.get("dynamodb").get("Keys").get("userId").get("S").asText()));
        return users;
    }

    private static BigInteger lastSequence(List<JsonNode> records) {
        return new BigInteger(records.get(records.size() - 1).get("dynamodb").get("SequenceNumber").asText());
    }

    @Test
    void aClosedShardReadToItsEndHasNoNextIterator() throws Exception {
        engine(1);
        String arn = engine.enable(TABLE, keySchema(), "KEYS_ONLY").streamArn();
        String shard = describe(arn).get("Shards").get(0).get("ShardId").asText();
        put("u1", 1);
        put("u2", 1);
        put("u3", 1);
        String open = iterator(arn, shard, "TRIM_HORIZON", null);
        JsonNode page = records(open, 2);
        assertThat(page.get("Records")).hasSize(2);
        String next = page.get("NextShardIterator").asText();
        engine.rollOver(TABLE);
        JsonNode last = records(next, null);
        assertThat(last.get("Records")).hasSize(1);
        assertThat(last.has("NextShardIterator")).isFalse();
        // LATEST on a closed shard: nothing, and the shard's end
        JsonNode latest = records(iterator(arn, shard, "LATEST", null), null);
        assertThat(latest.get("Records")).isEmpty();
        assertThat(latest.has("NextShardIterator")).isFalse();
        // an open shard that is caught up keeps handing out iterators
        String child = describe(arn).get("Shards").get(1).get("ShardId").asText();
        JsonNode empty = records(iterator(arn, child, "LATEST", null), null);
        assertThat(empty.get("Records")).isEmpty();
        assertThat(empty.has("NextShardIterator")).isTrue();
    }

    @Test
    void splitGivesTwoChildrenAndKeepsEachKeyOnOneOpenShard() throws Exception {
        engine(1);
        String arn = engine.enable(TABLE, keySchema(), "KEYS_ONLY").streamArn();
        String parent = describe(arn).get("Shards").get(0).get("ShardId").asText();
        for (int u = 0; u < 100; u++) {
            put("user-" + u, 1);
        }
        List<String> children = engine.split(TABLE, parent);
        assertThat(children).hasSize(2);
        for (int round = 2; round <= 3; round++) {
            for (int u = 0; u < 100; u++) {
                put("user-" + u, round);
            }
        }
        JsonNode shards = describe(arn).get("Shards");
        assertThat(shards).hasSize(3);
        assertThat(shards.get(1).get("ParentShardId").asText()).isEqualTo(parent);
        assertThat(shards.get(2).get("ParentShardId").asText()).isEqualTo(parent);
        Set<String> left = users(readAll(arn, children.get(0)));
        Set<String> right = users(readAll(arn, children.get(1)));
        assertThat(left).isNotEmpty().doesNotContainAnyElementsOf(right);
        assertThat(right).isNotEmpty();
        assertThat(left.size() + right.size()).isEqualTo(100);
        assertThat(readAll(arn, children.get(0))).hasSize(left.size() * 2);
        assertThatThrownBy(() -> engine.split(TABLE, parent)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void iteratorTypesStartWhereDynamoDbStarts() throws Exception {
        engine(1);
        String arn = engine.enable(TABLE, keySchema(), "KEYS_ONLY").streamArn();
        String shard = describe(arn).get("Shards").get(0).get("ShardId").asText();
        for (int u = 0; u < 5; u++) {
            put("user-" + u, 1);
        }
        List<JsonNode> all = readAll(arn, shard);
        String third = all.get(2).get("dynamodb").get("SequenceNumber").asText();
        String latest = iterator(arn, shard, "LATEST", null);
        put("user-5", 1);

        assertThat(users(records(iterator(arn, shard, "AT_SEQUENCE_NUMBER", third), null).get("Records")))
                .containsExactlyInAnyOrder("user-2", "user-3", "user-4", "user-5");
        assertThat(users(records(iterator(arn, shard, "AFTER_SEQUENCE_NUMBER", third), null).get("Records")))
                .containsExactlyInAnyOrder("user-3", "user-4", "user-5");
        assertThat(users(records(latest, null).get("Records"))).containsExactly("user-5");
        assertThat(records(iterator(arn, shard, "TRIM_HORIZON", null), null).get("Records")).hasSize(6);
        String start = describe(arn).get("Shards").get(0).get("SequenceNumberRange").get("StartingSequenceNumber").asText();
        assertThat(records(iterator(arn, shard, "AT_SEQUENCE_NUMBER", start), null).get("Records")).hasSize(6);
    }

    private static List<JsonNode> list(JsonNode array) {
        List<JsonNode> out = new ArrayList<>();
        array.forEach(out::add);
        return out;
    }

    private static Set<String> users(JsonNode records) {
        return users(list(records));
    }

    @Test
    void errorsAsDynamoDbSendsThem() throws Exception {
        engine(1);
        String arn = engine.enable(TABLE, keySchema(), "KEYS_ONLY").streamArn();
        String shard = describe(arn).get("Shards").get(0).get("ShardId").asText();
        String missing = arn.replace("users", "nobody");
        assertThat(errorCode(() -> engine.describeStream(req("StreamArn", missing))))
                .isEqualTo("ResourceNotFoundException: Requested resource not found: Stream: " + missing + " not found");
        assertThat(errorCode(() -> engine.getShardIterator(req("StreamArn", arn, "ShardId",
                "shardId-0000000000000-00000000", "ShardIteratorType", "LATEST"))))
                .isEqualTo("ResourceNotFoundException: Requested resource not found: Shard does not exist");
        assertThat(errorCode(() -> engine.getShardIterator(req("StreamArn", arn, "ShardId", shard,
                "ShardIteratorType", "SOMEWHERE")))).startsWith("ValidationException: 1 validation error detected: Value 'SOMEWHERE' at 'shardIteratorType'");
        assertThat(errorCode(() -> engine.getShardIterator(req("StreamArn", arn, "ShardId", shard,
                "ShardIteratorType", "AT_SEQUENCE_NUMBER")))).startsWith("ValidationException");
        assertThat(errorCode(() -> engine.getShardIterator(req("StreamArn", arn, "ShardIteratorType", "LATEST"))))
                .isEqualTo("ValidationException: 1 validation error detected: Value null at 'shardId' failed to satisfy constraint: Member must not be null");
        assertThat(errorCode(() -> engine.getRecords(req("ShardIterator", "garbage"))))
                .isEqualTo("ValidationException: Invalid ShardIterator");
        String it = iterator(arn, shard, "LATEST", null);
        assertThat(errorCode(() -> engine.getRecords(req("ShardIterator", it, "Limit", 0))))
                .isEqualTo("ValidationException: 1 validation error detected: Value '0' at 'limit' failed to satisfy constraint: Member must have value greater than or equal to 1");
        assertThat(errorCode(() -> engine.getRecords(req("ShardIterator", it, "Limit", 1001))))
                .isEqualTo("ValidationException: 1 validation error detected: Value '1001' at 'limit' failed to satisfy constraint: Member must have value less than or equal to 1000");
        assertThat(errorCode(() -> engine.describeStream(req("StreamArn", arn, "Limit", 101)))).startsWith("ValidationException");
    }

    @Test
    void iteratorsExpireAfterTheirLifetime() throws Exception {
        engine(1);
        String arn = engine.enable(TABLE, keySchema(), "KEYS_ONLY").streamArn();
        String shard = describe(arn).get("Shards").get(0).get("ShardId").asText();
        String it = iterator(arn, shard, "TRIM_HORIZON", null);
        clock.advance(Duration.ofMinutes(15));
        String next = records(it, null).get("NextShardIterator").asText();     // exactly 15 min: still valid
        clock.advance(Duration.ofMillis(1));
        assertThat(errorCode(() -> engine.getRecords(req("ShardIterator", it)))).startsWith("ExpiredIteratorException: Iterator expired.");
        assertThat(records(next, null).get("Records")).isEmpty();              // a NextShardIterator is new
    }

    @Test
    void recordsAreTrimmedAfterRetentionAndOldShardsDisappear() throws Exception {
        engine(1);
        String arn = engine.enable(TABLE, keySchema(), "KEYS_ONLY").streamArn();
        String first = describe(arn).get("Shards").get(0).get("ShardId").asText();
        put("old-1", 1);
        put("old-2", 1);
        clock.advance(Duration.ofHours(1));
        engine.rollOver(TABLE);                                   // first closes at t0 + 1 h
        String second = describe(arn).get("Shards").get(1).get("ShardId").asText();
        put("new-1", 1);                                          // t0 + 1 h
        String newOneSequence = readAll(arn, second).get(0).get("dynamodb").get("SequenceNumber").asText();
        clock.advance(Duration.ofMinutes(30));
        put("new-2", 1);                                          // t0 + 1 h 30
        clock.advance(Duration.ofMinutes(23 * 60 + 25));          // t0 + 24 h 55
        String horizon = iterator(arn, second, "TRIM_HORIZON", null);
        engine.trimNow();
        assertThat(describe(arn).get("Shards")).hasSize(2);
        assertThat(users(readAll(arn, second))).containsExactlyInAnyOrder("new-1", "new-2");

        clock.advance(Duration.ofMinutes(10));                    // t0 + 25 h 05: new-1 and the first shard go
        engine.trimNow();
        JsonNode shards = describe(arn).get("Shards");
        assertThat(shards).as("the closed shard goes 24 h after it closed").hasSize(1);
        assertThat(shards.get(0).get("ParentShardId").asText()).isEqualTo(first);
        assertThat(errorCode(() -> engine.getShardIterator(req("StreamArn", arn, "ShardId", first,
                "ShardIteratorType", "TRIM_HORIZON")))).startsWith("ResourceNotFoundException");
        assertThat(errorCode(() -> engine.getRecords(req("ShardIterator", horizon))))
                .isEqualTo("TrimmedDataAccessException: The operation attempted to read past the oldest stream record in a shard.");
        assertThat(users(readAll(arn, second))).containsExactly("new-2");
        assertThat(errorCode(() -> engine.getShardIterator(req("StreamArn", arn, "ShardId", second,
                "ShardIteratorType", "AT_SEQUENCE_NUMBER", "SequenceNumber", newOneSequence))))
                .startsWith("TrimmedDataAccessException");
        // AFTER the last trimmed record is the first retained one: allowed
        assertThat(users(records(iterator(arn, second, "AFTER_SEQUENCE_NUMBER", newOneSequence), null).get("Records")))
                .containsExactly("new-2");
    }

    @Test
    void aDisabledStreamStaysDescribableAndEnablingAgainGivesANewStream() throws Exception {
        engine(2);
        String arn = engine.enable(TABLE, keySchema(), "NEW_IMAGE").streamArn();
        put("u1", 1);
        engine.disable(TABLE);
        put("u1", 2);       // ignored: no enabled stream
        JsonNode d = describe(arn);
        assertThat(d.get("StreamStatus").asText()).isEqualTo("DISABLED");
        assertThat(d.get("Shards")).allMatch(s -> s.get("SequenceNumberRange").has("EndingSequenceNumber"));
        int total = 0;
        for (JsonNode s : d.get("Shards")) {
            total += readAll(arn, s.get("ShardId").asText()).size();
        }
        assertThat(total).isEqualTo(1);

        clock.advance(Duration.ofSeconds(5));
        String second = engine.enable(TABLE, keySchema(), "KEYS_ONLY").streamArn();
        assertThat(second).isNotEqualTo(arn).endsWith("/stream/2026-12-06T16:40:05.123");
        JsonNode listed = wire(engine.listStreams(req("TableName", TABLE)));
        assertThat(listed.get("Streams")).hasSize(2);
        JsonNode firstPage = wire(engine.listStreams(req("Limit", 1)));
        assertThat(firstPage.get("Streams")).hasSize(1);
        String next = firstPage.get("LastEvaluatedStreamArn").asText();
        JsonNode secondPage = wire(engine.listStreams(req("ExclusiveStartStreamArn", next, "Limit", 1)));
        assertThat(secondPage.get("Streams").get(0).get("StreamArn").asText()).isNotEqualTo(next);
        assertThat(secondPage.has("LastEvaluatedStreamArn")).isFalse();
        assertThat(wire(engine.listStreams(req("TableName", "other"))).get("Streams")).isEmpty();

        clock.advance(Duration.ofHours(24));
        engine.trimNow();
        assertThat(wire(engine.listStreams(req())).get("Streams")).hasSize(1);
        assertThat(errorCode(() -> engine.describeStream(req("StreamArn", arn)))).startsWith("ResourceNotFoundException");
    }

    @Test
    void describeStreamPagesThroughShards() throws Exception {
        engine(3);
        String arn = engine.enable(TABLE, keySchema(), "KEYS_ONLY").streamArn();
        engine.rollOver(TABLE);
        List<String> seen = new ArrayList<>();
        String start = null;
        do {
            ObjectNode r = req("StreamArn", arn, "Limit", 4);
            if (start != null) {
                r.put("ExclusiveStartShardId", start);
            }
            JsonNode d = wire(engine.describeStream(r)).get("StreamDescription");
            d.get("Shards").forEach(s -> seen.add(s.get("ShardId").asText()));
            start = d.has("LastEvaluatedShardId") ? d.get("LastEvaluatedShardId").asText() : null;
        } while (start != null);
        assertThat(seen).hasSize(6).doesNotHaveDuplicates();
    }

    @Test
    void getRecordsStopsAtAThousandRecordsAndAtOneMegabyte() throws Exception {
        engine(1);
        String arn = engine.enable(TABLE, keySchema(), "NEW_AND_OLD_IMAGES").streamArn();
        String shard = describe(arn).get("Shards").get(0).get("ShardId").asText();
        for (int u = 0; u < 1500; u++) {
            put("user-" + u, 1);
        }
        JsonNode page = records(iterator(arn, shard, "TRIM_HORIZON", null), null);
        assertThat(page.get("Records")).hasSize(1000);
        assertThat(records(page.get("NextShardIterator").asText(), null).get("Records")).hasSize(500);

        String latest = iterator(arn, shard, "LATEST", null);
        String big = "x".repeat(300_000);
        for (int i = 0; i < 5; i++) {
            ObjectNode image = keys("big-" + i);
            image.putObject("blob").put("S", big);
            engine.publish(new ItemChange(TABLE, "INSERT", keys("big-" + i), null, image, false, 300_000));
        }
        // 300 KB each: three make 900 KB, a fourth would pass 1 MB
        JsonNode bigPage = records(latest, null);
        assertThat(bigPage.get("Records")).hasSize(3);
        assertThat(records(bigPage.get("NextShardIterator").asText(), null).get("Records")).hasSize(2);
    }

    @Test
    void scheduledRollOverFollowsTheInterval() throws Exception {
        engine = new StreamEngine(new StreamEngine.Config("us-east-1", "000000000000", 2, Duration.ofHours(4),
                Duration.ofHours(24), Duration.ofMinutes(15), clock));
        String arn = engine.enable(TABLE, keySchema(), "KEYS_ONLY").streamArn();
        clock.advance(Duration.ofHours(4).minusMillis(1));
        engine.maintain();
        assertThat(describe(arn).get("Shards")).hasSize(2);
        clock.advance(Duration.ofMillis(1));
        engine.maintain();
        assertThat(describe(arn).get("Shards")).hasSize(4);
        engine.maintain();
        assertThat(describe(arn).get("Shards")).hasSize(4);
    }

    @Test
    void concurrentWritersKeepEachKeysOrderAcrossRollOversAndSplits() throws Exception {
        engine(4);
        String arn = engine.enable(TABLE, keySchema(), "NEW_IMAGE").streamArn();
        int users = 50;
        int versions = 200;
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            List<Future<?>> writers = new ArrayList<>();
            for (int w = 0; w < 4; w++) {
                int writer = w;
                writers.add(pool.submit(() -> {
                    for (int v = 1; v <= versions; v++) {
                        for (int u = writer; u < users; u += 4) {
                            synchronized (("user-" + u).intern()) {     // ddb-core's item lock
                                put("user-" + u, v);
                            }
                        }
                    }
                }));
            }
            for (int i = 0; i < 5; i++) {
                Thread.sleep(2);
                engine.rollOver(TABLE);
                String someOpen = engine.config() == null ? null : openShard(arn);
                engine.split(TABLE, someOpen);
            }
            for (Future<?> f : writers) {
                f.get(60, TimeUnit.SECONDS);
            }
        } finally {
            pool.shutdownNow();
        }
        // Read shards parents first; each user's versions must come 1..versions in order, none missing.
        JsonNode shards = describe(arn).get("Shards");
        Map<String, Integer> lastVersion = new ConcurrentHashMap<>();
        Map<String, BigInteger> lastSequence = new HashMap<>();
        List<String> order = new CopyOnWriteArrayList<>();
        shards.forEach(s -> order.add(s.get("ShardId").asText()));
        for (String shardId : order) {
            for (JsonNode r : readAll(arn, shardId)) {
                String user = r.get("dynamodb").get("Keys").get("userId").get("S").asText();
                int v = r.get("dynamodb").get("NewImage").get("version").get("N").asInt();
                BigInteger seq = new BigInteger(r.get("dynamodb").get("SequenceNumber").asText());
                assertThat(v).as(user).isEqualTo(lastVersion.getOrDefault(user, 0) + 1);
                assertThat(seq).isGreaterThan(lastSequence.getOrDefault(user, BigInteger.ZERO));
                lastVersion.put(user, v);
                lastSequence.put(user, seq);
            }
        }
        assertThat(lastVersion).hasSize(users).allSatisfy((u, v) -> assertThat(v).isEqualTo(versions));
    }

    private String openShard(String arn) throws Exception {
        for (JsonNode s : describe(arn).get("Shards")) {
            if (!s.get("SequenceNumberRange").has("EndingSequenceNumber")) {
                return s.get("ShardId").asText();
            }
        }
        throw new AssertionError("no open shard");
    }
}
