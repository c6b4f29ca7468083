package io.userstreams.faults;

import io.userstreams.localdefaults.LocalDefaults;
import io.userstreams.core.user.User;
import io.userstreams.core.user.UserItems;
import java.math.BigInteger;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.Identity;
import software.amazon.awssdk.services.dynamodb.model.Record;
import software.amazon.awssdk.services.dynamodb.model.StreamRecord;
import software.amazon.awssdk.services.dynamodb.model.StreamViewType;

/**
 * Generated bad input, each piece recorded in the {@link Ledger} with the token that finds it in the
 * dead-letter queue (its userId or eventID) and the field its reason must name.
 * <ul>
 *   <li>{@link #writeToTable}: items DynamoDB accepts but that are not users (wrong types, missing
 *       attributes, invalid emails, oversized, a map where a string belongs): they reach the runtimes
 *       through the real stream;</li>
 *   <li>{@link #streamRecords}: records only a broken producer or a damaged capture delivers (unknown
 *       event names, missing keys or sections, non-UTF-8 text, nesting deeper than DynamoDB allows).</li>
 * </ul>
 */
final class BadRecords {

    private BadRecords() {
    }

    /** The table-borne variants, in rotation: kind, reason field, how the valid item is spoiled. */
    private record Spoiler(String kind, String field, java.util.function.Consumer<Map<String, AttributeValue>> spoil) {
    }

    private static final List<Spoiler> TABLE = List.of(
            new Spoiler("wrong type", "email", i -> i.put("email", AttributeValue.fromN("42"))),
            new Spoiler("wrong type", "version", i -> i.put("version", AttributeValue.fromS("three"))),
            new Spoiler("wrong type", "plan", i -> i.put("plan", AttributeValue.fromBool(true))),
            new Spoiler("missing attribute", "email", i -> i.remove("email")),
            new Spoiler("missing attribute", "createdAt", i -> i.remove("createdAt")),
            new Spoiler("invalid email", "email", i -> i.put("email", AttributeValue.fromS("not-an-email"))),
            new Spoiler("invalid email", "email", i -> i.put("email", AttributeValue.fromS("two@@example.com"))),
            new Spoiler("oversized", "name", i -> i.put("name", AttributeValue.fromS("n".repeat(300)))),
            new Spoiler("oversized", "item", i -> i.put("name", AttributeValue.fromS("x".repeat(80_000)))),
            new Spoiler("deeply nested", "name", i -> i.put("name", nested(20))));

    /** Writes bad items number {@code from} .. {@code from + n - 1} straight to the table (no validation on this path, as a buggy writer would). */
    static int writeToTable(DynamoDbClient dynamoDb, String table, Ledger ledger, String prefix, int from, int n) {
        for (int k = from; k < from + n; k++) {
            Spoiler s = TABLE.get(k % TABLE.size());
            String id = prefix + "-bad-" + k;
            Map<String, AttributeValue> item = validItem(id);
            s.spoil().accept(item);
            dynamoDb.putItem(b -> b.tableName(table).item(item));
            ledger.bad(new Ledger.BadRecord(id, s.kind(), s.field()));
        }
        return n;
    }

    /**
     * {@code n} malformed stream records with sequence numbers from {@code firstSequence}. With
     * {@code withoutSections}, also records with no dynamodb section at all (Lambda can be handed
     * those; KCL cannot: its records always carry a sequence number).
     */
    static List<Record> streamRecords(Ledger ledger, String prefix, int n, BigInteger firstSequence,
                                      boolean withoutSections) {
        List<Record> out = new ArrayList<>(n);
        int kinds = withoutSections ? 9 : 8;
        for (int k = 0; k < n; k++) {
            String id = prefix + "-evt-" + k;
            String seq = firstSequence.add(BigInteger.valueOf(k)).toString();
            Map<String, AttributeValue> image = validItem(id);
            Map<String, AttributeValue> keys = Map.of("userId", AttributeValue.fromS(id));
            Record.Builder r = Record.builder().eventID(id).eventName("INSERT").eventVersion("1.1")
                    .eventSource("aws:dynamodb").awsRegion(LocalDefaults.REGION);
            StreamRecord.Builder s = StreamRecord.builder().sequenceNumber(seq).sizeBytes(200L)
                    .streamViewType(StreamViewType.NEW_AND_OLD_IMAGES).approximateCreationDateTime(Instant.now());
            String kind;
            String field;
            switch (k % kinds) {
                case 0 -> {
                    kind = "unknown event name";
                    field = "eventName";
                    r.eventName("UPSERT");
                    s.keys(keys).newImage(image);
                }
                case 1 -> {
                    kind = "missing keys";
                    field = "userId";
                    s.newImage(image);
                }
                case 2 -> {
                    kind = "non-UTF-8 string";
                    field = "name";
                    // What undecodable bytes turn into when JSON text is decoded: lone surrogates.
                    image.put("name", AttributeValue.fromS("Bad \uDC80\uDCFF bytes"));
                    s.keys(keys).newImage(image);
                }
                case 3 -> {
                    kind = "deeply nested";
                    field = "prefs";
                    image.put("prefs", nested(100));
                    s.keys(keys).newImage(image);
                }
                case 4 -> {
                    kind = "wrong key type";
                    field = "userId";
                    s.keys(Map.of("userId", AttributeValue.fromN("7"))).newImage(image);
                }
                case 5 -> {
                    kind = "missing image";
                    field = "newImage";
                    s.keys(keys);
                }
                case 6 -> {
                    kind = "invalid email";
                    field = "email";
                    image.put("email", AttributeValue.fromS("nobody at example.com"));
                    s.keys(keys).newImage(image);
                }
                case 7 -> {
                    kind = "oversized";
                    field = "item";
                    image.put("name", AttributeValue.fromS("y".repeat(90_000)));
                    s.keys(keys).newImage(image);
                }
                default -> {
                    kind = "missing dynamodb section";
                    field = "dynamodb";
                    out.add(r.userIdentity((Identity) null).build());
                    ledger.bad(new Ledger.BadRecord(id, kind, field));
                    continue;
                }
            }
            out.add(r.dynamodb(s.build()).build());
            ledger.bad(new Ledger.BadRecord(id, kind, field));
            if (k % kinds == 2 || k % kinds == 3 || k % kinds == 6 || k % kinds == 7) {
                ledger.phantom(id, image);     // an INSERT with its key and image: field-level damage only
            }
        }
        return out;
    }

    private static Map<String, AttributeValue> validItem(String id) {
        return new HashMap<>(UserItems.toItem(new User(id, id + "@example.net", "Bad " + id, "pro", "US", "en",
                Instant.now(), 1, OptionalLong.empty())));
    }

    /** A map {@code levels} deep. */
    static AttributeValue nested(int levels) {
        AttributeValue v = AttributeValue.fromS("leaf");
        for (int i = 0; i < levels; i++) {
            v = AttributeValue.fromM(Map.of("k", v));
        }
        return v;
    }
}
