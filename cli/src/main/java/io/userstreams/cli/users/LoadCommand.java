package io.userstreams.cli.users;

import io.userstreams.cli.CliException;
import io.userstreams.cli.Progress;
import io.userstreams.cli.Target;
import io.userstreams.core.user.User;
import io.userstreams.core.user.UserItems;
import java.io.PrintWriter;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.stream.Collectors;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.BatchWriteItemResponse;
import software.amazon.awssdk.services.dynamodb.model.PutRequest;
import software.amazon.awssdk.services.dynamodb.model.ResourceNotFoundException;
import software.amazon.awssdk.services.dynamodb.model.WriteRequest;

/**
 * {@code users load --count N [--rate R]}: writes N realistic new users with BatchWriteItem from
 * several threads (a local DynamoDB takes thousands of items/s in batches, far fewer with single
 * puts on one thread), with a progress bar, a live rate and a summary. New ids only, so the
 * unconditional batch write cannot overwrite anyone.
 */
@Command(name = "load", mixinStandardHelpOptions = true, description = "Write N realistic users (names in many languages, plans, countries, "
        + "locales) as fast as --rate allows; prints progress, live rate and a summary.")
public final class LoadCommand implements Callable<Integer> {

    @Mixin
    Target target;

    @Spec
    CommandSpec spec;

    @Option(names = "--count", required = true, paramLabel = "N", description = "How many users to write.")
    int count;

    @Option(names = "--rate", defaultValue = "0", paramLabel = "R",
            description = "Target writes/s; 0 = as fast as possible (default).")
    double rate;

    @Option(names = "--threads", defaultValue = "8", description = "Writer threads (default ${DEFAULT-VALUE}).")
    int threads;

    @Option(names = "--batch", defaultValue = "25", description = "Items per BatchWriteItem, 1-25 (default ${DEFAULT-VALUE}).")
    int batch;

    @Option(names = "--seed", description = "Random seed for reproducible users (default: time based).")
    Long seed;

    /** The figures of the last run, for tests. */
    public record Summary(long written, double seconds, double writesPerSecond, long retries,
                          Map<String, Long> plans, Map<String, Long> countries) {
    }

    private volatile Summary summary;

    public Summary summary() {
        return summary;
    }

    @Override
    public Integer call() {
        if (count < 0) throw CliException.usage("--count must be 0 or more");
        if (batch < 1 || batch > 25) throw CliException.usage("--batch must be 1-25 (BatchWriteItem's limit)");
        if (threads < 1 || threads > 64) throw CliException.usage("--threads must be 1-64");
        if (rate < 0) throw CliException.usage("--rate must be 0 (unlimited) or more");
        target.checkReachable();
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        err.println("loading " + count + " users into " + target.describe()
                + (rate > 0 ? String.format(Locale.ROOT, " at %,.0f writes/s", rate) : " as fast as possible"));
        UserGenerator root = new UserGenerator(seed != null ? seed : System.nanoTime());
        Map<String, LongAdder> plans = new ConcurrentHashMap<>();
        Map<String, LongAdder> countries = new ConcurrentHashMap<>();
        LongAdder retries = new LongAdder();
        AtomicLong remaining = new AtomicLong(count);
        Pacer pacer = new Pacer(rate);
        String table = target.usersTable();
        ExecutorService pool = Executors.newFixedThreadPool(threads, r -> {
            Thread t = new Thread(r, "load-writer");
            t.setDaemon(true);
            return t;
        });
        try (DynamoDbClient dynamoDb = target.dynamoDb()) {
            // Warm up the client (connection pool, class loading) and check the table before the clock starts.
            dynamoDb.describeTable(b -> b.tableName(table));
            summary = load(dynamoDb, table, root, plans, countries, retries, remaining, pacer, pool, err);
        } catch (ResourceNotFoundException e) {
            throw new CliException("table '" + table + "' not found at " + target.describe()
                    + ": is the local stack started (`bin/user-streams stack`), or pass --table");
        } catch (SdkClientException e) {
            throw target.unreachable("DynamoDB", target.dynamoDbEndpoint(), e);
        } finally {
            pool.shutdownNow();
            target.close();
        }
        out.printf(Locale.ROOT, "loaded %,d users in %.2f s: %,.0f writes/s (%d threads, BatchWriteItem of %d%s; %d retried items)%n",
                summary.written(), summary.seconds(), summary.writesPerSecond(), threads, batch,
                rate > 0 ? String.format(Locale.ROOT, ", target %,.0f/s", rate) : "", summary.retries());
        out.println("plans:     " + format(summary.plans()));
        out.println("countries: " + format(summary.countries()));
        return 0;
    }

    private Summary load(DynamoDbClient dynamoDb, String table, UserGenerator root, Map<String, LongAdder> plans,
                         Map<String, LongAdder> countries, LongAdder retries, AtomicLong remaining, Pacer pacer,
                         ExecutorService pool, PrintWriter err) {
        try (Progress progress = new Progress(err, "users load", count, null)) {
            List<Future<?>> futures = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                UserGenerator gen = root.split();
                futures.add(pool.submit(() -> {
                    while (true) {
                        long take = Math.min(batch, remaining.get());
                        if (take <= 0 || remaining.getAndAdd(-take) <= 0) {
                            return null;
                        }
                        List<WriteRequest> requests = new ArrayList<>((int) take);
                        Instant now = Instant.now();
                        for (int i = 0; i < take; i++) {
                            User u = gen.next(now);
                            plans.computeIfAbsent(u.plan(), k -> new LongAdder()).increment();
                            countries.computeIfAbsent(u.country(), k -> new LongAdder()).increment();
                            requests.add(WriteRequest.builder().putRequest(PutRequest.builder()
                                    .item(UserItems.toItem(u)).build()).build());
                        }
                        pacer.acquire(requests.size());
                        write(dynamoDb, table, requests, progress, retries);
                    }
                }));
            }
            for (Future<?> f : futures) {
                f.get();
            }
            double seconds = progress.elapsedSeconds();
            long written = progress.done();
            return new Summary(written, seconds, written / Math.max(seconds, 1e-9), retries.sum(),
                    sorted(plans), sorted(countries));
        } catch (java.util.concurrent.ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof RuntimeException re) {
                throw re;
            }
            throw new CliException("load failed: " + cause, CliException.FAILURE, cause);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CliException("interrupted");
        }
    }

    /** Writes a batch, retrying unprocessed items with backoff (throttling, or a local server under load). */
    private static void write(DynamoDbClient dynamoDb, String table, List<WriteRequest> requests, Progress progress,
                              LongAdder retries) throws InterruptedException {
        List<WriteRequest> pending = requests;
        long backoff = 20;
        for (int attempt = 0; ; attempt++) {
            Map<String, List<WriteRequest>> items = Map.of(table, pending);
            BatchWriteItemResponse r = dynamoDb.batchWriteItem(b -> b.requestItems(items));
            List<WriteRequest> left = r.hasUnprocessedItems() && !r.unprocessedItems().isEmpty()
                    ? r.unprocessedItems().values().iterator().next() : List.of();
            progress.add(pending.size() - left.size());
            if (left.isEmpty()) {
                return;
            }
            if (attempt >= 10) {
                throw new CliException(left.size() + " items still unprocessed after 10 retries (throttled)");
            }
            retries.add(left.size());
            Thread.sleep(backoff + (long) (Math.random() * backoff));
            backoff = Math.min(backoff * 2, 2000);
            pending = left;
        }
    }

    private static Map<String, Long> sorted(Map<String, LongAdder> counts) {
        return counts.entrySet().stream()
                .sorted((a, b) -> Long.compare(b.getValue().sum(), a.getValue().sum()))
                .collect(Collectors.toMap(Map.Entry::getKey, e -> e.getValue().sum(), (a, b) -> a,
                        java.util.LinkedHashMap::new));
    }

    private static String format(Map<String, Long> counts) {
        return counts.entrySet().stream().map(e -> String.format(Locale.ROOT, "%s %,d", e.getKey(), e.getValue()))
                .collect(Collectors.joining(" · "));
    }

    /** Spaces writes evenly to the target rate across threads; unlimited when rate is 0. */
    static final class Pacer {
        private final double rate;
        private final long start = System.nanoTime();
        private final AtomicLong issued = new AtomicLong();

        Pacer(double rate) {
            this.rate = rate;
        }

        void acquire(int items) throws InterruptedException {
            if (rate <= 0) {
                return;
            }
            long before = issued.getAndAdd(items);
            long dueNanos = start + (long) (before / rate * 1e9);
            long wait = dueNanos - System.nanoTime();
            if (wait > 0) {
                Thread.sleep(wait / 1_000_000, (int) (wait % 1_000_000));
            }
        }
    }
}
