package io.userstreams.core.search;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.opensearch.client.opensearch.OpenSearchClient;
import org.opensearch.client.opensearch._types.OpenSearchException;
import org.opensearch.client.opensearch._types.VersionType;
import org.opensearch.client.opensearch.core.BulkResponse;
import org.opensearch.client.opensearch.core.GetResponse;
import org.opensearch.client.opensearch.core.bulk.BulkOperation;
import org.opensearch.client.opensearch.core.bulk.BulkResponseItem;
import org.opensearch.client.opensearch.generic.Body;
import org.opensearch.client.opensearch.generic.Requests;
import org.opensearch.client.opensearch.generic.Response;
import io.userstreams.core.failure.SystemicFailureException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The users index on OpenSearch: bulk with external versions; reads each item's status. */
public final class OpenSearchIndexSink implements SearchSink {

    private static final Logger log = LoggerFactory.getLogger(OpenSearchIndexSink.class);

    private final OpenSearchClient client;
    private final IndexDefinition index;
    private volatile boolean indexReady;

    public OpenSearchIndexSink(OpenSearchClient client, IndexDefinition index) {
        this.client = client;
        this.index = index;
    }

    public String indexName() {
        return index.name();
    }

    @Override
    public List<BulkItemResult> bulk(List<IndexOperation> operations) {
        if (operations.isEmpty()) {
            return List.of();
        }
        if (!indexReady) {
            // Without this, the first bulk would auto-create the index with a dynamic mapping
            // and the 60 s default gc_deletes.
            ensureIndex();
        }
        List<BulkOperation> ops = new ArrayList<>(operations.size());
        for (IndexOperation op : operations) {
            VersionType type = op.allowEqual() ? VersionType.ExternalGte : VersionType.External;
            if (op.kind() == IndexOperation.Kind.INDEX) {
                ops.add(BulkOperation.of(b -> b.index(i -> i.index(index.name()).id(op.id()).version(op.version())
                        .versionType(type).document(op.document()))));
            } else {
                // A tombstone document, not a delete: OpenSearch's own delete tombstones live in
                // memory only and a node restart forgets them (then a replayed INSERT would win).
                Map<String, Object> tombstone = op.document() != null ? op.document()
                        : Map.of("userId", op.id(), "deleted", true);
                ops.add(BulkOperation.of(b -> b.index(i -> i.index(index.name()).id(op.id()).version(op.version())
                        .versionType(type).document(tombstone))));
            }
        }
        BulkResponse response;
        try {
            response = client.bulk(b -> b.operations(ops));
        } catch (IOException e) {
            throw new UncheckedIOException("bulk request to OpenSearch failed", e);
        } catch (OpenSearchException e) {
            indexReady = false; // a whole-request error (e.g. the index vanished): check the index again next time
            throw e;
        }
        List<BulkItemResult> results = new ArrayList<>(operations.size());
        for (BulkResponseItem item : response.items()) {
            if (item.error() == null) {
                results.add(item.status() >= 200 && item.status() < 300 ? BulkItemResult.OK
                        : new BulkItemResult(item.status(), item.result(), null));
            } else {
                if ("index_not_found_exception".equals(item.error().type())) {
                    indexReady = false; // gone since we checked: check (and create) again before the retry
                }
                results.add(new BulkItemResult(item.status(), item.error().type(), item.error().reason()));
            }
        }
        return results;
    }

    @Override
    public void ensureIndex() {
        String path = "/" + index.name();
        try (Response head = client.generic().execute(Requests.builder().method("HEAD").endpoint(path).build())) {
            if (head.getStatus() == 200) {
                upgrade();
                indexReady = true;
                return;
            }
            if (head.getStatus() != 404) {
                throw new SystemicFailureException("IndexCheckFailed", "checking index " + index.name() + " returned HTTP " + head.getStatus(), null);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("OpenSearch unreachable while checking index " + index.name(), e);
        }
        try (Response put = client.generic().execute(Requests.builder().method("PUT").endpoint(path)
                .body(Body.from(index.createBody().getBytes(java.nio.charset.StandardCharsets.UTF_8), "application/json"))
                .build())) {
            String body = put.getBody().map(Body::bodyAsString).orElse("");
            if (put.getStatus() == 200) {
                indexReady = true;
                log.atInfo().addKeyValue("index", index.name()).log("search index created from template.yaml");
            } else if (put.getStatus() == 400 && body.contains("resource_already_exists_exception")) {
                indexReady = true; // another worker created it first
            } else {
                throw new SystemicFailureException("IndexCreateFailed", "creating index " + index.name()
                        + " returned HTTP " + put.getStatus() + ": " + body, null);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("OpenSearch unreachable while creating index " + index.name(), e);
        }
    }

    /**
     * An index created by an older template gets the fields and the live alias this version needs
     * (both calls are idempotent; the mapping only ever gains fields).
     */
    private void upgrade() throws IOException {
        try (Response mapping = client.generic().execute(Requests.builder().method("PUT").endpoint("/" + index.name() + "/_mapping")
                .body(Body.from(index.mappingBody().getBytes(java.nio.charset.StandardCharsets.UTF_8), "application/json"))
                .build())) {
            if (mapping.getStatus() != 200) {
                throw new SystemicFailureException("IndexUpgradeFailed", "updating the mapping of index " + index.name()
                        + " returned HTTP " + mapping.getStatus(), null);
            }
        }
        try (Response alias = client.generic().execute(Requests.builder().method("PUT")
                .endpoint("/" + index.name() + "/_alias/" + index.liveAlias())
                .body(Body.from(index.liveAliasBody().getBytes(java.nio.charset.StandardCharsets.UTF_8), "application/json"))
                .build())) {
            if (alias.getStatus() != 200) {
                throw new SystemicFailureException("IndexUpgradeFailed", "creating alias " + index.liveAlias()
                        + " returned HTTP " + alias.getStatus(), null);
            }
        }
    }

    @Override
    @SuppressWarnings({"rawtypes", "unchecked"})
    public IndexedDocument get(String id) {
        GetResponse<Map> response;
        try {
            response = client.get(g -> g.index(index.name()).id(id), Map.class);
        } catch (IOException e) {
            throw new UncheckedIOException("OpenSearch unreachable while reading document " + id, e);
        }
        if (!response.found() || response.version() == null) {
            return null;
        }
        Map<String, Object> source = response.source() == null ? Map.of() : response.source();
        return new IndexedDocument(response.version(), Boolean.TRUE.equals(source.get("deleted")),
                instant(source.get("createdAt")), instant(source.get("changedAt")));
    }

    private static java.time.Instant instant(Object value) {
        if (value instanceof String text) {
            try {
                return java.time.Instant.parse(text);
            } catch (java.time.format.DateTimeParseException e) {
                return null;
            }
        }
        return null;
    }

    /**
     * Removes the tombstones of deletes older than {@code before}: past the replay window (stream
     * retention 24 h, dead-letter retention 14 days), no record can bring those users back. Run it
     * daily; returns how many were removed.
     */
    public long purgeTombstones(java.time.Instant before) {
        try {
            // delete-by-query sees only refreshed documents: without this, tombstones written since
            // the last refresh (or while the shard was search-idle) would be missed
            client.indices().refresh(r -> r.index(index.name()));
        } catch (IOException e) {
            throw new UncheckedIOException("OpenSearch unreachable while purging tombstones", e);
        }
        String body = "{\"query\":{\"bool\":{\"filter\":[{\"term\":{\"deleted\":true}},"
                + "{\"range\":{\"changedAt\":{\"lt\":\"" + before + "\"}}}]}}}";
        try (Response r = client.generic().execute(Requests.builder().method("POST")
                .endpoint("/" + index.name() + "/_delete_by_query?conflicts=proceed&refresh=true")
                .body(Body.from(body.getBytes(java.nio.charset.StandardCharsets.UTF_8), "application/json")).build())) {
            String text = r.getBody().map(Body::bodyAsString).orElse("{}");
            if (r.getStatus() != 200) {
                throw new SystemicFailureException("PurgeFailed", "purging tombstones of " + index.name()
                        + " returned HTTP " + r.getStatus(), null);
            }
            java.util.regex.Matcher m = java.util.regex.Pattern.compile("\"deleted\"\\s*:\\s*(\\d+)").matcher(text);
            return m.find() ? Long.parseLong(m.group(1)) : 0;
        } catch (IOException e) {
            throw new UncheckedIOException("OpenSearch unreachable while purging tombstones", e);
        }
    }

    /** Refreshes the index so tests can read what was written. */
    public void refresh() {
        try {
            client.indices().refresh(r -> r.index(index.name()));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

}
