package io.userstreams.cli.backfill;

import io.userstreams.cli.CliException;
import io.userstreams.cli.Logs;
import io.userstreams.cli.Target;
import io.userstreams.core.config.CoreSettings;
import io.userstreams.core.search.IndexDefinition;
import io.userstreams.core.search.OpenSearchClients;
import io.userstreams.core.search.OpenSearchIndexSink;
import java.io.PrintWriter;
import java.net.URI;
import java.time.Clock;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.opensearch.client.opensearch.OpenSearchClient;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.streams.DynamoDbStreamsClient;

/**
 * {@code backfill}: rebuilds users_by_email, user_stats and the search index from the users table
 * (parallel scan + the retained stream), then hands over to the stream. See {@link Backfill} for
 * why nothing written during the run is lost or counted twice.
 */
@Command(name = "backfill", mixinStandardHelpOptions = true, description = {
        "Rebuild the derived tables and the search index from the users table, then hand over to the stream.",
        "Scans in parallel segments while writes continue; the retained stream up to the hand-over position "
                + "is folded in and claimed, so the consumer resumes without losing or double-counting a change.",
        "Stop the derived-tables reaction while it runs (counts are set, not added); the index may stay live."})
public final class BackfillCommand implements Callable<Integer> {

    @Mixin
    Target target;

    @Spec
    CommandSpec spec;

    @Option(names = "--segments", defaultValue = "4", description = "Parallel scan segments (default ${DEFAULT-VALUE}).")
    int segments;

    @Option(names = "--no-index", description = "Do not rebuild the search index.")
    boolean noIndex;

    @Option(names = "--no-derived", description = "Do not rebuild users_by_email and user_stats.")
    boolean noDerived;

    private volatile Backfill.Result result;

    public Backfill.Result result() {
        return result;
    }

    @Override
    public Integer call() {
        if (segments < 1 || segments > 64) {
            throw CliException.usage("--segments must be 1-64");
        }
        if (noIndex && noDerived) {
            throw CliException.usage("--no-index and --no-derived together leave nothing to do");
        }
        Logs.quiet();
        target.checkReachable();
        PrintWriter err = spec.commandLine().getErr();
        CoreSettings settings = target.settings();
        URI osEndpoint = noIndex ? null : target.openSearchEndpointOrNull();
        if (!noIndex && osEndpoint == null) {
            throw CliException.usage("no OpenSearch endpoint: set OPENSEARCH_ENDPOINT or --opensearch-endpoint, or pass --no-index");
        }
        if (osEndpoint != null && !target.isAws()) {
            target.checkReachable("OpenSearch", osEndpoint);
        }
        OpenSearchClient openSearch = null;
        try (DynamoDbClient dynamoDb = target.dynamoDb(); DynamoDbStreamsClient streams = target.dynamoDbStreams()) {
            OpenSearchIndexSink sink = null;
            if (osEndpoint != null) {
                openSearch = OpenSearchClients.create(osEndpoint.toString(), target.connection(), target.httpClient(),
                        OpenSearchClients.needsSigV4(osEndpoint, System.getenv()));
                sink = new OpenSearchIndexSink(openSearch, IndexDefinition.fromTemplate().withName(settings.openSearchIndex()));
            }
            err.println("backfill of " + target.describe() + " (" + segments + " scan segments"
                    + (noIndex ? "" : ", index " + settings.openSearchIndex() + " at " + osEndpoint)
                    + (noDerived ? "" : ", tables " + settings.usersByEmailTable() + " and " + settings.userStatsTable()) + ")");
            Backfill backfill = new Backfill(dynamoDb, streams, sink, openSearch, new Backfill.Config(
                    settings.usersTable(), settings.usersByEmailTable(), settings.userStatsTable(),
                    settings.idempotencyTable(), segments, !noDerived, !noIndex), err, Clock.systemUTC());
            result = backfill.run();
        } catch (SdkClientException e) {
            throw target.unreachable("DynamoDB", target.dynamoDbEndpoint(), e);
        } finally {
            if (openSearch != null) {
                OpenSearchClients.close(openSearch);
            }
            target.close();
        }
        PrintWriter out = spec.commandLine().getOut();
        Backfill.Result r = result;
        out.printf(Locale.ROOT, "backfill done in %.2f s: %,d items scanned, %,d stream records folded in → %,d users%n",
                r.seconds(), r.scanned(), r.streamRecords(), r.users());
        if (!noIndex) {
            out.printf(Locale.ROOT, "  index:          %,d indexed, %,d deleted, %,d kept (same or newer version already there)%n",
                    r.indexed(), r.indexDeleted(), r.indexStale());
        }
        if (!noDerived) {
            out.printf(Locale.ROOT, "  users_by_email: %,d put, %,d removed%n", r.mappingsPut(), r.mappingsRemoved());
            out.println("  user_stats:     " + r.counts());
            out.printf(Locale.ROOT, "  hand-over:      %,d records claimed (%,d deletes, %,d expiries newly counted)%n",
                    r.claims(), r.deletesCounted(), r.expiriesCounted());
        }
        out.println("  hand-over position (last sequence number per shard): " + r.handover());
        out.println("  start (or resume) the consumer: it applies exactly the records after this position.");
        if (r.invalid() > 0) {
            out.println("  " + r.invalid() + " invalid items skipped, e.g. " + r.invalidExamples());
        }
        return 0;
    }
}
