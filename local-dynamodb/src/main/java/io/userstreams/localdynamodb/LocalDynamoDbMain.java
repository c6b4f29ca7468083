package io.userstreams.localdynamodb;

import io.userstreams.localdefaults.LocalDefaults;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.CountDownLatch;

/**
 * Runs the server standalone until SIGTERM/SIGINT:
 * {@code java -cp local-dynamodb.jar:jackson...:slf4j... io.userstreams.localdynamodb.LocalDynamoDbMain --port 8000}.
 */
public final class LocalDynamoDbMain {
    private static final String USAGE = """
            Usage: LocalDynamoDbMain [options]
              --port N                   TCP port on 127.0.0.1 (default 8000, 0 = free port)
              --host ADDRESS             address to bind (default 127.0.0.1)
              --region NAME              region in ARNs (default us-east-1)
              --account-id ID            account in ARNs (default 000000000000)
              --shards N                 open shards per stream (default 1)
              --shard-roll-over DUR      shard lifetime before roll-over (default 4h)
              --stream-retention DUR     stream record retention (default 24h)
              --iterator-lifetime DUR    shard iterator lifetime (default 15m)
              --ttl-sweep-interval DUR   TTL sweeper interval (default 30s)
              --db-path DIR              load tables from DIR on start, save them there on stop
              --help                     this text
            DUR: 500ms, 30s, 15m, 4h, 1d or ISO-8601 (PT30S).""";

    private LocalDynamoDbMain() { }

    public static void main(String[] args) throws InterruptedException {
        LocalDynamoDb.Builder builder = LocalDynamoDb.builder().port(LocalDefaults.DYNAMODB_PORT);
        try {
            for (int i = 0; i < args.length; i++) {
                String option = args[i];
                if (option.equals("--help") || option.equals("-h")) {
                    System.out.println(USAGE);
                    return;
                }
                if (i + 1 >= args.length) {
                    throw new IllegalArgumentException("missing value for " + option);
                }
                String value = args[++i];
                switch (option) {
                    case "--port" -> builder.port(Integer.parseInt(value));
                    case "--host" -> builder.host(value);
                    case "--region" -> builder.region(value);
                    case "--account-id" -> builder.accountId(value);
                    case "--shards" -> builder.shardsPerStream(Integer.parseInt(value));
                    case "--shard-roll-over" -> builder.shardRollOverInterval(duration(value));
                    case "--stream-retention" -> builder.streamRetention(duration(value));
                    case "--iterator-lifetime" -> builder.iteratorLifetime(duration(value));
                    case "--ttl-sweep-interval" -> builder.ttlSweepInterval(duration(value));
                    case "--db-path" -> builder.dataDirectory(Path.of(value));
                    default -> throw new IllegalArgumentException("unknown option " + option);
                }
            }
        } catch (IllegalArgumentException e) {
            System.err.println(e.getMessage());
            System.err.println(USAGE);
            System.exit(2);
            return;
        }
        LocalDynamoDb db = builder.start();
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            db.close();
            stopped.countDown();
        }, "local-dynamodb-shutdown"));
        System.out.println("{\"event\":\"local_dynamodb_started\",\"endpoint\":\"" + db.endpoint() + "\",\"region\":\""
                + db.region() + "\"}");
        stopped.await();
    }

    /** 500ms, 30s, 15m, 4h, 1d, or ISO-8601. */
    static Duration duration(String text) {
        String value = text.trim().toLowerCase(Locale.ROOT);
        try {
            if (value.startsWith("p")) {
                return Duration.parse(text.trim());
            }
            if (value.endsWith("ms")) {
                return Duration.ofMillis(Long.parseLong(value.substring(0, value.length() - 2)));
            }
            long amount = Long.parseLong(value.substring(0, value.length() - 1));
            return switch (value.charAt(value.length() - 1)) {
                case 's' -> Duration.ofSeconds(amount);
                case 'm' -> Duration.ofMinutes(amount);
                case 'h' -> Duration.ofHours(amount);
                case 'd' -> Duration.ofDays(amount);
                default -> throw new IllegalArgumentException("bad duration " + text);
            };
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("bad duration '" + text + "' (use 500ms, 30s, 15m, 4h, 1d or PT30S)");
        }
    }
}
