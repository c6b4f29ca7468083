package io.userstreams.cli.backfill;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.userstreams.cli.Progress;
import io.userstreams.cli.stream.StreamReader;
import io.userstreams.core.change.ChangeKind;
import io.userstreams.core.change.ChangeRecord;
import io.userstreams.core.change.StreamRecordConverter;
import io.userstreams.core.derived.DerivedEffects;
import io.userstreams.core.effects.EffectsReader;
import io.userstreams.core.derived.DynamoDbDerivedTables;
import io.userstreams.core.search.BulkItemResult;
import io.userstreams.core.search.ExternalVersions;
import io.userstreams.core.search.IndexOperation;
import io.userstreams.core.search.OpenSearchIndexSink;
import io.userstreams.core.search.SearchIndexReaction;
import io.userstreams.core.user.InvalidUserException;
import io.userstreams.core.user.User;
import io.userstreams.core.user.UserItems;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.opensearch.client.opensearch.OpenSearchClient;
import org.opensearch.client.opensearch.generic.Body;
import org.opensearch.client.opensearch.generic.Requests;
import org.opensearch.client.opensearch.generic.Response;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.BatchWriteItemResponse;
import software.amazon.awssdk.services.dynamodb.model.DeleteRequest;
import software.amazon.awssdk.services.dynamodb.model.PutRequest;
import software.amazon.awssdk.services.dynamodb.model.Record;
import software.amazon.awssdk.services.dynamodb.model.ScanResponse;
import software.amazon.awssdk.services.dynamodb.model.TransactWriteItem;
import software.amazon.awssdk.services.dynamodb.model.TransactionCanceledException;
import software.amazon.awssdk.services.dynamodb.model.WriteRequest;
import software.amazon.awssdk.services.dynamodb.streams.DynamoDbStreamsClient;

/**
 * Rebuilds the derived tables and the search index from the users table, then hands over to the
 * stream — without losing or double-counting changes made while it runs.
 *
 * <h2>How</h2>
 * <ol>
 *   <li><b>Scan</b> the users table in parallel segments. A scan is not a snapshot: items written
 *       during it may be seen before or after their change.</li>
 *   <li><b>Read the stream</b> (every retained record, to its current end = the hand-over
 *       position P). Every change made during the scan is in it, because P is taken after the scan.</li>
 *   <li><b>State at P</b>: start from the scan, then apply the records in stream order (per item the
 *       last record wins; a REMOVE removes). An item with no retained record has not changed for
 *       the retention period, so its scanned state is its state at P. This is exact whatever the
 *       scan saw of concurrent writes.</li>
 *   <li><b>Rebuild</b> from that state: the index (external versions from the items, so a newer
 *       document written meanwhile is never overwritten; documents of users absent at P are deleted
 *       with a versioned delete, which leaves a tombstone so old replays cannot resurrect them);
 *       {@code users_by_email} (missing mappings put, stale ones removed); {@code user_stats}
 *       plan/country counts set to the exact counts at P.</li>
 *   <li><b>Hand over</b>: every record up to P is claimed in the idempotency table with the same
 *       key the derived-tables reaction uses ({@code derived#<eventID>}), so a consumer that resumes
 *       from an older checkpoint (or TRIM_HORIZON) skips what the rebuild already reflects and applies
 *       exactly the records after P. REMOVEs up to P that no consumer had counted yet are added to
 *       {@code total#deleted} / {@code total#expired} in the same transaction as their claim (a
 *       delete is history, not table state: the totals can only be completed, never recomputed).</li>
 * </ol>
 * The derived-tables reaction must not run while backfill runs (stop the consumer, or run it with
 * REACTIONS=welcome-email,search-index): counts are set, not added. The index may stay live.
 */
public final class Backfill {

    private static final ObjectMapper JSON = new ObjectMapper();

    /** What to rebuild and where. */
    public record Config(String usersTable, String usersByEmailTable, String userStatsTable, String idempotencyTable,
                         int segments, boolean derived, boolean index) {
    }

    /** What a run did. */
    public record Result(long scanned, long streamRecords, long users, long invalid, long indexed, long indexStale,
                         long indexDeleted, long mappingsPut, long mappingsRemoved, Map<String, Long> counts,
                         long claims, long deletesCounted, long expiriesCounted, Map<String, String> handover,
                         double seconds, List<String> invalidExamples) {
    }

    private final DynamoDbClient dynamoDb;
    private final DynamoDbStreamsClient streams;
    private final OpenSearchIndexSink sink;       // null: no index rebuild
    private final OpenSearchClient openSearch;    // for listing documents
    private final Config config;
    private final PrintWriter err;
    private final Clock clock;

    public Backfill(DynamoDbClient dynamoDb, DynamoDbStreamsClient streams, OpenSearchIndexSink sink,
                    OpenSearchClient openSearch, Config config, PrintWriter err, Clock clock) {
        this.dynamoDb = dynamoDb;
        this.streams = streams;
        this.sink = sink;
        this.openSearch = openSearch;
        this.config = config;
        this.err = err;
        this.clock = clock;
    }

    public Result run() {
        long start = System.nanoTime();
        // 1. scan
        Map<String, Map<String, AttributeValue>> items = scan();
        long scanned = items.size();
        // 2. the stream to its current end (hand-over position)
        String arn = StreamReader.streamArn(dynamoDb, config.usersTable());
        StreamReader reader = new StreamReader(streams, arn, false);
        // Kept small on purpose (24 h of a busy stream can be millions of records): the last record
        // per item for the state, and per record only what the hand-over claim needs.
        Map<String, Record> lastByItem = new HashMap<>();
        List<Claim> claims = new ArrayList<>();
        long[] streamRecords = {0};
        try (Progress p = new Progress(err, "backfill: stream", 0, null)) {
            reader.readToEnd((shard, rs) -> {
                for (Record r : rs) {
                    claims.add(Claim.of(r));
                    Map<String, AttributeValue> keys = r.dynamodb().keys();
                    AttributeValue id = keys == null ? null : keys.get("userId");
                    if (id != null && id.s() != null && r.eventName() != null
                            && r.eventName() != software.amazon.awssdk.services.dynamodb.model.OperationType.UNKNOWN_TO_SDK_VERSION) {
                        lastByItem.put(id.s(), r);
                    }
                }
                streamRecords[0] += rs.size();
                p.add(rs.size());
            }, 3, () -> false);
        }
        // 3. state at the hand-over position: per item, the last record wins over the scan
        Map<String, Map<String, AttributeValue>> removed = new HashMap<>();
        for (var e : lastByItem.entrySet()) {
            Record r = e.getValue();
            if (r.eventName() == software.amazon.awssdk.services.dynamodb.model.OperationType.REMOVE) {
                items.remove(e.getKey());
                if (r.dynamodb().hasOldImage()) removed.put(e.getKey(), r.dynamodb().oldImage());
            } else if (r.dynamodb().hasNewImage()) {
                items.put(e.getKey(), r.dynamodb().newImage());
            }
        }
        lastByItem.clear();
        Map<String, User> users = new LinkedHashMap<>();
        List<String> invalidExamples = new ArrayList<>();
        long invalid = 0;
        for (var e : items.entrySet()) {
            try {
                users.put(e.getKey(), UserItems.fromItem(e.getValue()));
            } catch (InvalidUserException ex) {
                invalid++;
                if (invalidExamples.size() < 5) invalidExamples.add(e.getKey() + ": " + ex.getMessage());
            }
        }
        err.printf("backfill: %,d items scanned, %,d stream records read → %,d users at the hand-over position%s%n",
                scanned, streamRecords[0], users.size(), invalid == 0 ? "" : " (" + invalid + " invalid items skipped)");

        long[] index = {0, 0, 0};
        if (config.index() && sink != null) {
            index = rebuildIndex(users, removed);
        }
        long[] mappings = {0, 0};
        Map<String, Long> counts = new TreeMap<>();
        long[] claimCounts = {0, 0, 0};
        if (config.derived()) {
            mappings = rebuildMappings(users);
            counts = rebuildCounts(users);
            claimCounts = claim(claims);
        }
        return new Result(scanned, streamRecords[0], users.size(), invalid, index[0], index[1], index[2], mappings[0],
                mappings[1], counts, claimCounts[0], claimCounts[1], claimCounts[2], reader.positions(),
                (System.nanoTime() - start) / 1e9, invalidExamples);
    }

    /** Parallel scan; each segment on its own thread. */
    Map<String, Map<String, AttributeValue>> scan() {
        Map<String, Map<String, AttributeValue>> items = new ConcurrentHashMap<>();
        long total = dynamoDb.describeTable(b -> b.tableName(config.usersTable())).table().itemCount();
        ExecutorService pool = Executors.newFixedThreadPool(config.segments());
        try (Progress p = new Progress(err, "backfill: scan", total, null)) {
            List<Future<?>> fs = new ArrayList<>();
            for (int s = 0; s < config.segments(); s++) {
                int segment = s;
                fs.add(pool.submit(() -> {
                    Map<String, AttributeValue> startKey = null;
                    do {
                        Map<String, AttributeValue> from = startKey;
                        ScanResponse r = dynamoDb.scan(b -> b.tableName(config.usersTable()).segment(segment)
                                .totalSegments(config.segments()).consistentRead(true).limit(1000)
                                .exclusiveStartKey(from));
                        for (var item : r.items()) {
                            AttributeValue id = item.get("userId");
                            if (id != null && id.s() != null) items.put(id.s(), item);
                        }
                        p.add(r.count());
                        startKey = r.hasLastEvaluatedKey() && !r.lastEvaluatedKey().isEmpty() ? r.lastEvaluatedKey() : null;
                    } while (startKey != null);
                    return null;
                }));
            }
            for (Future<?> f : fs) f.get();
        } catch (Exception e) {
            throw e instanceof RuntimeException re ? re : new IllegalStateException("scan failed", e.getCause());
        } finally {
            pool.shutdownNow();
        }
        return items;
    }

    /** Index every user (versioned); delete documents of users absent at the hand-over position. */
    long[] rebuildIndex(Map<String, User> users, Map<String, Map<String, AttributeValue>> removed) {
        sink.ensureIndex();
        long indexed = 0, stale = 0, deleted = 0;
        List<IndexOperation> ops = new ArrayList<>();
        for (User u : users.values()) {
            ops.add(new IndexOperation(IndexOperation.Kind.INDEX, u.userId(), ExternalVersions.of(u),
                    !ExternalVersions.exact(u), SearchIndexReaction.document(u)));
        }
        // Tombstones for users deleted within the retained stream: an old replay cannot bring them back.
        for (var e : removed.entrySet()) {
            if (users.containsKey(e.getKey())) continue;
            try {
                User before = UserItems.fromItem(e.getValue());
                ops.add(new IndexOperation(IndexOperation.Kind.DELETE, before.userId(), ExternalVersions.forDelete(before),
                        !ExternalVersions.exact(before), null));
            } catch (InvalidUserException ignored) {
                // never indexed as a user either
            }
        }
        try (Progress p = new Progress(err, "backfill: index", ops.size(), null)) {
            for (int from = 0; from < ops.size(); from += 1000) {
                List<IndexOperation> chunk = ops.subList(from, Math.min(ops.size(), from + 1000));
                List<BulkItemResult> results = sink.bulk(chunk);
                for (int i = 0; i < chunk.size(); i++) {
                    BulkItemResult r = results.get(i);
                    boolean isDelete = chunk.get(i).kind() == IndexOperation.Kind.DELETE;
                    if (r.ok()) {
                        if (isDelete) deleted++; else indexed++;
                    } else if (r.status() == 409 || (isDelete && r.status() == 404)) {
                        stale++; // a newer document or tombstone is already there: keep it
                    } else {
                        throw new IllegalStateException("index " + chunk.get(i).kind() + " of user " + chunk.get(i).id()
                                + " failed: " + r.status() + " " + r.errorType() + " " + r.reason());
                    }
                }
                p.add(chunk.size());
            }
        }
        // Documents of users that are not in the table at all (e.g. deleted before the retained stream).
        sink.refresh();
        List<IndexOperation> extras = new ArrayList<>();
        for (var doc : listDocuments().entrySet()) {
            if (!users.containsKey(doc.getKey()) && !removed.containsKey(doc.getKey())) {
                extras.add(new IndexOperation(IndexOperation.Kind.DELETE, doc.getKey(), doc.getValue() + 1, false, null));
            }
        }
        if (!extras.isEmpty()) {
            for (BulkItemResult r : sink.bulk(extras)) {
                if (r.ok()) deleted++; else stale++;
            }
        }
        sink.refresh();
        return new long[] {indexed, stale, deleted};
    }

    /** id → external version of every document in the index (search_after paging). */
    private Map<String, Long> listDocuments() {
        Map<String, Long> docs = new HashMap<>();
        String after = null;
        while (true) {
            var body = JSON.createObjectNode().put("size", 1000).put("version", true).put("_source", false);
            // Tombstones (deleted users, kept so deletes survive node restarts) are not documents to reconcile.
            body.putObject("query").putObject("bool").putObject("must_not").putObject("term").put("deleted", true);
            body.putArray("sort").addObject().put("userId", "asc");
            if (after != null) body.putArray("search_after").add(after);
            body.putArray("docvalue_fields").add("userId");
            try (Response r = openSearch.generic().execute(Requests.builder().method("POST")
                    .endpoint("/" + sink.indexName() + "/_search")
                    .body(Body.from(body.toString().getBytes(StandardCharsets.UTF_8), "application/json")).build())) {
                String text = r.getBody().map(Body::bodyAsString).orElse("{}");
                if (r.getStatus() != 200) {
                    throw new IllegalStateException("listing index " + sink.indexName() + " returned " + r.getStatus() + ": " + text);
                }
                JsonNode hits = JSON.readTree(text).path("hits").path("hits");
                if (hits.isEmpty()) {
                    return docs;
                }
                for (JsonNode h : hits) {
                    docs.put(h.path("_id").asText(), h.path("_version").asLong());
                    after = h.path("sort").path(0).asText();
                }
            } catch (IOException e) {
                throw new UncheckedIOException("OpenSearch unreachable while listing " + sink.indexName(), e);
            }
        }
    }

    /** users_by_email = exactly email → userId of the users at the hand-over position. */
    long[] rebuildMappings(Map<String, User> users) {
        Map<String, String> wanted = new HashMap<>();
        for (User u : users.values()) wanted.put(u.email(), u.userId());
        List<WriteRequest> writes = new ArrayList<>();
        Set<String> correct = new HashSet<>();
        long removedCount = 0;
        Map<String, AttributeValue> startKey = null;
        do {
            Map<String, AttributeValue> from = startKey;
            ScanResponse r = dynamoDb.scan(b -> b.tableName(config.usersByEmailTable()).exclusiveStartKey(from)
                    .consistentRead(true));
            for (var item : r.items()) {
                String email = item.get("email").s();
                AttributeValue uid = item.get("userId");
                String want = wanted.get(email);
                if (want != null && uid != null && want.equals(uid.s())) {
                    correct.add(email);
                } else if (want == null) {
                    writes.add(WriteRequest.builder().deleteRequest(DeleteRequest.builder()
                            .key(Map.of("email", AttributeValue.fromS(email))).build()).build());
                    removedCount++;
                }
            }
            startKey = r.hasLastEvaluatedKey() && !r.lastEvaluatedKey().isEmpty() ? r.lastEvaluatedKey() : null;
        } while (startKey != null);
        long put = 0;
        for (var e : wanted.entrySet()) {
            if (!correct.contains(e.getKey())) {
                writes.add(WriteRequest.builder().putRequest(PutRequest.builder().item(Map.of(
                        "email", AttributeValue.fromS(e.getKey()), "userId", AttributeValue.fromS(e.getValue()))).build())
                        .build());
                put++;
            }
        }
        batchWrite(config.usersByEmailTable(), writes, "backfill: users_by_email");
        return new long[] {put, removedCount};
    }

    /** plan#/country# counts set to the exact counts; totals (history) untouched. */
    Map<String, Long> rebuildCounts(Map<String, User> users) {
        Map<String, Long> counts = EffectsReader.expectedCounts(users.values());
        Map<String, Long> target = new TreeMap<>(counts);
        Map<String, AttributeValue> startKey = null;
        do {
            Map<String, AttributeValue> from = startKey;
            ScanResponse r = dynamoDb.scan(b -> b.tableName(config.userStatsTable()).exclusiveStartKey(from)
                    .consistentRead(true));
            for (var item : r.items()) {
                String key = item.get("statKey").s();
                if (EffectsReader.isCurrentCount(key) && !target.containsKey(key)) {
                    target.put(key, 0L);
                }
            }
            startKey = r.hasLastEvaluatedKey() && !r.lastEvaluatedKey().isEmpty() ? r.lastEvaluatedKey() : null;
        } while (startKey != null);
        List<WriteRequest> writes = new ArrayList<>();
        target.forEach((k, v) -> writes.add(WriteRequest.builder().putRequest(PutRequest.builder().item(Map.of(
                "statKey", AttributeValue.fromS(k), "count", AttributeValue.fromN(Long.toString(v)))).build()).build()));
        batchWrite(config.userStatsTable(), writes, "backfill: user_stats");
        return counts;
    }

    /** What the hand-over needs of one stream record. */
    record Claim(String eventId, boolean countedRemove, boolean ttlExpiry) {
        static Claim of(Record r) {
            try {
                ChangeRecord change = StreamRecordConverter.convert(r, "backfill");
                boolean remove = change.kind() == ChangeKind.REMOVE && validUser(change.oldImage());
                return new Claim(r.eventID(), remove, change.ttlExpiry());
            } catch (RuntimeException e) {
                return new Claim(null, false, false); // unreadable: the consumer dead-letters it, nothing to claim
            }
        }
    }

    /**
     * Claims every record up to the hand-over position for the derived-tables reaction. REMOVEs
     * not yet claimed are counted into the totals in the same transaction as their claim.
     */
    long[] claim(List<Claim> records) {
        long expiresAt = clock.instant().plus(DynamoDbDerivedTables.DEFAULT_RETENTION).getEpochSecond();
        List<WriteRequest> plain = new ArrayList<>();
        long deletes = 0, expiries = 0;
        try (Progress p = new Progress(err, "backfill: hand-over claims", records.size(), null)) {
            for (Claim c : records) {
                p.add(1);
                if (c.eventId() == null) {
                    continue;
                }
                Map<String, AttributeValue> claimItem = Map.of(
                        "idempotencyKey", AttributeValue.fromS(DerivedEffects.claimKey(c.eventId())),
                        "status", AttributeValue.fromS("COMPLETED"),
                        "expiresAt", AttributeValue.fromN(Long.toString(expiresAt)));
                if (c.countedRemove()) {
                    String total = c.ttlExpiry() ? DerivedEffects.EXPIRED : DerivedEffects.DELETED;
                    try {
                        dynamoDb.transactWriteItems(b -> b.transactItems(
                                TransactWriteItem.builder().put(put -> put.tableName(config.idempotencyTable())
                                        .item(claimItem).conditionExpression("attribute_not_exists(idempotencyKey)")).build(),
                                TransactWriteItem.builder().update(u -> u.tableName(config.userStatsTable())
                                        .key(Map.of("statKey", AttributeValue.fromS(total)))
                                        .updateExpression("ADD #count :one")
                                        .expressionAttributeNames(Map.of("#count", "count"))
                                        .expressionAttributeValues(Map.of(":one", AttributeValue.fromN("1")))).build()));
                        if (c.ttlExpiry()) expiries++; else deletes++;
                    } catch (TransactionCanceledException e) {
                        boolean claimed = e.hasCancellationReasons() && !e.cancellationReasons().isEmpty()
                                && "ConditionalCheckFailed".equals(e.cancellationReasons().get(0).code());
                        if (!claimed) {
                            throw e; // throttling or a conflict, not "already counted": fail loudly, rerun is safe
                        }
                    }
                } else {
                    plain.add(WriteRequest.builder().putRequest(PutRequest.builder().item(claimItem).build()).build());
                }
            }
        }
        batchWrite(config.idempotencyTable(), plain, "backfill: claims");
        return new long[] {records.size(), deletes, expiries};
    }

    private static boolean validUser(Map<String, AttributeValue> image) {
        try {
            UserItems.fromItem(image);
            return true;
        } catch (InvalidUserException e) {
            return false;
        }
    }

    private void batchWrite(String table, List<WriteRequest> writes, String label) {
        if (writes.isEmpty()) {
            return;
        }
        try (Progress p = new Progress(err, label, writes.size(), null)) {
            for (int from = 0; from < writes.size(); from += 25) {
                List<WriteRequest> pending = writes.subList(from, Math.min(writes.size(), from + 25));
                for (int attempt = 0; !pending.isEmpty(); attempt++) {
                    Map<String, List<WriteRequest>> request = Map.of(table, pending);
                    BatchWriteItemResponse r = dynamoDb.batchWriteItem(b -> b.requestItems(request));
                    List<WriteRequest> left = r.hasUnprocessedItems() && r.unprocessedItems().containsKey(table)
                            ? r.unprocessedItems().get(table) : List.of();
                    p.add(pending.size() - left.size());
                    pending = left;
                    if (!left.isEmpty()) {
                        if (attempt > 10) throw new IllegalStateException(left.size() + " writes to " + table + " unprocessed");
                        try {
                            Thread.sleep(Math.min(2000, 20L << attempt));
                        } catch (InterruptedException e) {
                            Thread.currentThread().interrupt();
                            throw new IllegalStateException("interrupted");
                        }
                    }
                }
            }
        }
    }
}
