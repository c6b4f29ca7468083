package io.userstreams.cli;

import io.userstreams.core.config.CoreSettings;
import io.userstreams.core.search.IndexDefinition;
import io.userstreams.core.search.OpenSearchClients;
import io.userstreams.core.search.OpenSearchIndexSink;
import io.userstreams.core.search.TombstonePurge;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.Callable;
import org.opensearch.client.opensearch.OpenSearchClient;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code purge-tombstones}: the KCL consumer's daily tombstone purge, by hand (or from a scheduled
 * job when only the Lambda runtime runs). Removes the search index's tombstone documents of users
 * deleted before the replay window.
 */
@Command(name = "purge-tombstones", mixinStandardHelpOptions = true, description = {
        "Remove the search index's tombstones (documents of deleted users) older than the replay window.",
        "A tombstone keeps an old record (a stream replay, a redriven dead letter) from bringing a deleted user back;"
                + " past the window (stream 24 h + dead-letter queue 14 days) no record can come back."})
public final class PurgeTombstonesCommand implements Callable<Integer> {

    @Mixin
    Target target;

    @Spec
    CommandSpec spec;

    @Option(names = "--older-than-days", paramLabel = "DAYS", defaultValue = "15",
            description = "Keep tombstones younger than this (default ${DEFAULT-VALUE}, the replay window; no less).")
    int olderThanDays;

    @Override
    public Integer call() {
        if (olderThanDays < TombstonePurge.REPLAY_WINDOW.toDays()) {
            throw CliException.usage("--older-than-days must be at least " + TombstonePurge.REPLAY_WINDOW.toDays()
                    + " (the replay window): a younger tombstone may still be needed");
        }
        Logs.quiet();
        CoreSettings settings = target.settings();
        URI endpoint = target.openSearchEndpointOrNull();
        if (endpoint == null) {
            throw CliException.usage("no OpenSearch endpoint: set OPENSEARCH_ENDPOINT or --opensearch-endpoint");
        }
        if (!target.isAws()) {
            target.checkReachable("OpenSearch", endpoint);
        }
        OpenSearchClient openSearch = OpenSearchClients.create(endpoint.toString(), target.connection(),
                target.httpClient(), OpenSearchClients.needsSigV4(endpoint, System.getenv()));
        try {
            OpenSearchIndexSink sink = new OpenSearchIndexSink(openSearch,
                    IndexDefinition.fromTemplate().withName(settings.openSearchIndex()));
            TombstonePurge purge = new TombstonePurge(sink, Duration.ofDays(olderThanDays), Clock.systemUTC());
            long removed = purge.run();
            spec.commandLine().getOut().println("removed " + removed + " tombstone(s) of users deleted before "
                    + purge.cutoff() + " from index " + settings.openSearchIndex());
        } finally {
            OpenSearchClients.close(openSearch);
            target.close();
        }
        return 0;
    }
}
