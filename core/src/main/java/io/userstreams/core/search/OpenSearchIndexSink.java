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
                ops.add(BulkOperation.of(b -> b.delete(d -> d.index(index.name()).id(op.id()).version(op.version())
                        .versionType(type))));
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

    /** Refreshes the index so tests can read what was written. */
    public void refresh() {
        try {
            client.indices().refresh(r -> r.index(index.name()));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

}
