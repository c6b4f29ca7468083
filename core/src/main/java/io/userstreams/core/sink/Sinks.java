package io.userstreams.core.sink;

import io.userstreams.core.derived.DerivedTablesStore;
import io.userstreams.core.processing.DeadLetterQueue;
import io.userstreams.core.search.BulkItemResult;
import io.userstreams.core.search.IndexOperation;
import io.userstreams.core.search.SearchSink;
import io.userstreams.core.welcome.IdempotencyStore;
import io.userstreams.core.welcome.WelcomePublisher;
import java.time.Instant;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Objects;

/**
 * The sinks the reactions write to. {@code UserStreamsCore} builds the AWS/OpenSearch ones from
 * settings; tests and benchmarks inject their own with {@code UserStreamsCore.Builder.sinks(...)}.
 */
public record Sinks(IdempotencyStore idempotency, WelcomePublisher welcome, DerivedTablesStore derived,
                    SearchSink search, DeadLetterQueue deadLetters) {

    public Sinks {
        Objects.requireNonNull(idempotency, "idempotency");
        Objects.requireNonNull(welcome, "welcome");
        Objects.requireNonNull(derived, "derived");
        Objects.requireNonNull(search, "search");
        Objects.requireNonNull(deadLetters, "deadLetters");
    }

    /**
     * Sinks that accept everything and do nothing: the reactions' own work (validation, templates,
     * versions, grouping) still runs. For measuring pure processing speed.
     */
    public static Sinks noOp() {
        IdempotencyStore store = new IdempotencyStore() {
            @Override
            public ClaimStatus claim(String key, String owner, Instant now, Instant leaseUntil, Instant expiresAt) {
                return ClaimStatus.CLAIMED;
            }

            @Override
            public void complete(String key, Instant now, Instant expiresAt) {
            }

            @Override
            public void release(String key, String owner) {
            }
        };
        WelcomePublisher publisher = messages -> Collections.nCopies(messages.size(), (Throwable) null);
        DerivedTablesStore derived = update -> DerivedTablesStore.Outcome.APPLIED;
        SearchSink search = new SearchSink() {
            @Override
            public List<BulkItemResult> bulk(List<IndexOperation> operations) {
                BulkItemResult[] ok = new BulkItemResult[operations.size()];
                Arrays.fill(ok, BulkItemResult.OK);
                return Arrays.asList(ok);
            }

            @Override
            public void ensureIndex() {
            }
        };
        return new Sinks(store, publisher, derived, search, letter -> { });
    }
}
