package io.userstreams.core.search;

import io.userstreams.core.change.ChangeKind;
import io.userstreams.core.config.ReactionId;
import io.userstreams.core.reaction.ReactionResult;
import io.userstreams.core.failure.RecordFailureException;
import io.userstreams.core.reaction.RecordReaction;
import io.userstreams.core.failure.SystemicFailureException;
import io.userstreams.core.reaction.UserChange;
import io.userstreams.core.user.LogSafe;
import io.userstreams.core.user.User;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.atomic.LongAdder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps the OpenSearch users index equal to the table: INSERT/MODIFY → bulk index, REMOVE → bulk
 * delete, with external versions from {@link ExternalVersions}, so an older or repeated record
 * never overwrites a newer document and a replay after a delete never brings the user back.
 *
 * <p>Each bulk item's status decides: 2xx, 404 on delete (already gone) and 409 (version conflict:
 * stale or duplicate) are done; 429 and 5xx are systemic; any other 4xx (mapping or parse errors)
 * is a failure of that record.
 */
public final class SearchIndexReaction implements RecordReaction {

    public static final int DEFAULT_BULK_SIZE = 500;
    private static final Logger log = LoggerFactory.getLogger(SearchIndexReaction.class);

    private final SearchSink sink;
    private final int bulkSize;

    public SearchIndexReaction(SearchSink sink, int bulkSize) {
        this.sink = Objects.requireNonNull(sink);
        if (bulkSize < 1) {
            throw new IllegalArgumentException("bulkSize must be at least 1");
        }
        this.bulkSize = bulkSize;
    }

    public SearchIndexReaction(SearchSink sink) {
        this(sink, DEFAULT_BULK_SIZE);
    }

    @Override
    public ReactionId reaction() {
        return ReactionId.SEARCH_INDEX;
    }

    /** The document for a user: the mapped fields only (the index mapping is strict). */
    public static Map<String, Object> document(User u) {
        Map<String, Object> doc = new HashMap<>(12);
        doc.put("userId", u.userId());
        doc.put("email", u.email());
        doc.put("name", u.name());
        doc.put("plan", u.plan());
        doc.put("country", u.country());
        doc.put("locale", u.locale());
        doc.put("createdAt", u.createdAt().toString());
        doc.put("version", u.version());
        if (u.expiresAt().isPresent()) {
            doc.put("expiresAt", u.expiresAt().getAsLong());
        }
        return doc;
    }

    /** The document for a user as of a change that happened at {@code changedAt}. */
    public static Map<String, Object> document(User u, Instant changedAt) {
        Map<String, Object> doc = document(u);
        doc.put("changedAt", changedAt.toString());
        return doc;
    }

    /** The tombstone of a deleted user: kept as a document so the delete survives node restarts. */
    public static Map<String, Object> tombstone(User before, Instant changedAt) {
        Map<String, Object> doc = new HashMap<>(8);
        doc.put("userId", before.userId());
        doc.put("deleted", true);
        doc.put("createdAt", before.createdAt().toString());
        doc.put("changedAt", changedAt.toString());
        return doc;
    }

    /** The fields a document holds: an INSERT or MODIFY is indexed only when all of them are valid. */
    public static final List<String> INDEXED_FIELDS = List.of("userId", "email", "name", "plan", "country", "locale",
            "createdAt", "version", "expiresAt");
    /** A delete needs only the key and the incarnation (createdAt) it ends. */
    public static final List<String> DELETE_FIELDS = List.of("createdAt");

    /** The operation for a change; throws {@link io.userstreams.core.user.InvalidUserException} when the image it needs is unusable. */
    public static IndexOperation operation(UserChange change) {
        if (change.kind() == ChangeKind.REMOVE) {
            var problem = change.oldImageProblem(DELETE_FIELDS);
            if (problem != null) {
                throw problem;
            }
            User before = change.oldUser();
            return new IndexOperation(IndexOperation.Kind.DELETE, before.userId(), ExternalVersions.forDelete(before),
                    false, tombstone(before, change.record().approximateCreationTime()));
        }
        var problem = change.newImageProblem(INDEXED_FIELDS);
        if (problem != null) {
            throw problem;
        }
        User after = change.newUser();
        if (change.kind() == ChangeKind.MODIFY && change.oldImageProblem(List.of("createdAt", "version")) == null) {
            long before = ExternalVersions.of(change.oldUser());
            long now = ExternalVersions.of(after);
            // Versionless items (fallback) may repeat their composite; a versioned write must raise it.
            if (now < before || (now == before && after.hasVersion())) {
                throw new VersionRegressionException("the version went down in this change (createdAt "
                        + change.oldUser().createdAt() + " v" + change.oldUser().version() + " -> createdAt "
                        + after.createdAt() + " v" + after.version() + "): not indexed, the index keeps the older "
                        + "document; fix the writer (every write must raise version, createdAt is fixed per user)");
            }
        }
        return new IndexOperation(IndexOperation.Kind.INDEX, after.userId(), ExternalVersions.of(after),
                !ExternalVersions.exact(after), document(after, change.record().approximateCreationTime()));
    }

    /** A write whose version is not above the indexed one although it is newer: reported, never silent. */
    public static final class VersionRegressionException extends RecordFailureException {
        public static final String ERROR_TYPE = "version-regression";

        VersionRegressionException(String message) {
            super(ERROR_TYPE, message, null, false);
        }
    }

    private final LongAdder regressions = new LongAdder();

    /** Version regressions found so far (dead-lettered writes and forced deletes). */
    public long versionRegressions() {
        return regressions.sum();
    }

    @Override
    public ReactionResult apply(List<UserChange> changes) {
        int n = changes.size();
        for (int from = 0; from < n; from += bulkSize) {
            int to = Math.min(n, from + bulkSize);
            List<IndexOperation> ops = new ArrayList<>(to - from);
            RuntimeException refused = null;
            for (int i = from; i < to; i++) {
                try {
                    ops.add(operation(changes.get(i)));
                } catch (RuntimeException e) {
                    if (e instanceof VersionRegressionException) {
                        reportRegression(changes.get(i), "write");
                    }
                    // This record alone cannot be indexed: send the ones before it, then report it.
                    refused = e;
                    to = i;
                    break;
                }
            }
            if (ops.isEmpty()) {
                return ReactionResult.failedAt(from, refused);
            }
            List<BulkItemResult> results;
            try {
                results = sink.bulk(ops);
            } catch (RuntimeException e) {
                return ReactionResult.failedAt(from, e);
            }
            for (int k = 0; k < ops.size(); k++) {
                BulkItemResult r = k < results.size() ? results.get(k) : null;
                RuntimeException failure = failure(ops.get(k), r);
                if (failure == null && r != null && r.status() == 409) {
                    try {
                        failure = resolveConflict(ops.get(k), changes.get(from + k));
                    } catch (RuntimeException e) {
                        failure = e;
                    }
                }
                if (failure != null) {
                    return ReactionResult.failedAt(from + k, failure);
                }
            }
            if (refused != null) {
                return ReactionResult.failedAt(to, refused);
            }
        }
        return ReactionResult.all(n);
    }

    /**
     * A 409 is "done" only when the indexed document is newer for the right reason. Reads the
     * document: a write that happened after the indexed one but carries a lower version is a
     * regression (reported); a delete that lost to a live document written before it (a version
     * that went down earlier) is written again above that document; a delete that lost to a later
     * incarnation (created after the delete) is done. Returns null when done.
     */
    RuntimeException resolveConflict(IndexOperation op, UserChange change) {
        IndexedDocument indexed = sink.get(op.id());
        if (indexed == null) {
            return null; // nothing to compare with (a sink that cannot read): stale, as before
        }
        Instant at = change.record().approximateCreationTime();
        if (op.kind() == IndexOperation.Kind.INDEX) {
            if (indexed.changedAt() != null && indexed.changedAt().isBefore(at)) {
                reportRegression(change, "write");
                return new VersionRegressionException("the index holds version " + indexed.version()
                        + (indexed.deleted() ? " (a delete)" : "") + " written by an earlier change, this later change has "
                        + "version " + op.version() + ": not indexed; a writer lowered version or createdAt, or a "
                        + "user was created again with its old createdAt");
            }
            return null;
        }
        if (indexed.deleted()) {
            return null;
        }
        boolean laterIncarnation = (indexed.changedAt() != null && indexed.changedAt().isAfter(at))
                || (indexed.createdAt() != null && !indexed.createdAt().isBefore(at.minusSeconds(1)));
        if (laterIncarnation) {
            return null;
        }
        // The live document was written before this delete with a higher version: the delete must win.
        reportRegression(change, "delete-forced");
        IndexOperation forced = new IndexOperation(IndexOperation.Kind.DELETE, op.id(), indexed.version() + 1, false,
                op.document());
        List<BulkItemResult> results = sink.bulk(List.of(forced));
        BulkItemResult r = results.isEmpty() ? null : results.get(0);
        if (r != null && r.ok()) {
            return null;
        }
        if (r != null && r.status() == 409) {
            return new SystemicFailureException("VersionConflict", "user " + op.id()
                    + " was written again while its delete was being forced; retrying", null);
        }
        return failure(forced, r);
    }

    private void reportRegression(UserChange change, String what) {
        regressions.increment();
        log.atWarn().addKeyValue("eventId", change.record().eventId()).addKeyValue("shardId", change.record().shardId())
                .addKeyValue("sequenceNumber", change.record().sequenceNumber()).addKeyValue("reaction", "search-index")
                .addKeyValue("metric", "version_regression").addKeyValue("outcome", what)
                .log("version regression");
    }

    /**
     * Item errors that say something about the index, not about the document: a write block (403,
     * e.g. disk watermark or a read-only index), an index that is gone (404 index_not_found with
     * auto-creation off) or closed (400 index_closed). Every record would fail the same way, so
     * they are systemic: retried, then handed back, never dead-lettered.
     */
    static boolean aboutTheIndex(BulkItemResult r) {
        String type = r.errorType();
        return r.status() == 403 || r.status() == 401
                || "index_not_found_exception".equals(type) || "index_closed_exception".equals(type)
                || "cluster_block_exception".equals(type);
    }

    static RuntimeException failure(IndexOperation op, BulkItemResult r) {
        if (r == null) {
            return new SystemicFailureException("MissingResult", "the bulk response has no item for user " + op.id(), null);
        }
        int s = r.status();
        if (r.ok() || s == 409 || (s == 404 && op.kind() == IndexOperation.Kind.DELETE && !aboutTheIndex(r))) {
            return null;
        }
        String text = "search " + op.kind().name().toLowerCase() + " of user " + op.id() + " failed with " + s
                + (r.errorType() == null ? "" : " " + r.errorType()) + (r.reason() == null ? "" : ": " + LogSafe.redact(r.reason()));
        if (s == 429 || s >= 500 || s == 0 || aboutTheIndex(r)) {
            return new SystemicFailureException(r.errorType() == null ? "HTTP" + s : r.errorType(), text, null);
        }
        return new RecordFailureException(r.errorType() == null ? "HTTP" + s : r.errorType(), text, null);
    }
}
