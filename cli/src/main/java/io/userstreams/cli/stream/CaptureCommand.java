package io.userstreams.cli.stream;

import io.userstreams.cli.CliException;
import io.userstreams.cli.Logs;
import io.userstreams.cli.Progress;
import io.userstreams.cli.Target;
import io.userstreams.lambda.LambdaStreamJson;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicBoolean;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.Record;
import software.amazon.awssdk.services.dynamodb.model.ResourceNotFoundException;
import software.amazon.awssdk.services.dynamodb.streams.DynamoDbStreamsClient;

/**
 * {@code capture --out FILE}: tails the users stream into JSON Lines, one record per line in the
 * Lambda DynamoDB event record format (what {@code replay}, the test kit and EventLoader read).
 * Stops on Ctrl-C (the file is complete up to the last line), after {@code --count} records, or
 * after {@code --idle} seconds without new records.
 */
@Command(name = "capture", mixinStandardHelpOptions = true, description = "Tail the users stream into a JSON Lines file (Lambda event record format).")
public final class CaptureCommand implements Callable<Integer> {

    @Mixin
    Target target;

    @Spec
    CommandSpec spec;

    @Option(names = "--out", required = true, paramLabel = "FILE", description = "Where to write (JSON Lines).")
    Path out;

    @Option(names = "--append", description = "Append to FILE instead of replacing it.")
    boolean append;

    @Option(names = "--from", defaultValue = "trim-horizon", paramLabel = "trim-horizon|latest",
            description = "Start from the oldest retained record (default) or only new ones.")
    String from;

    @Option(names = "--count", paramLabel = "N", description = "Stop after N records.")
    Long count;

    @Option(names = "--idle", paramLabel = "SECONDS",
            description = "Stop after this many seconds without new records (default: run until Ctrl-C).")
    Double idleSeconds;

    @Option(names = "--poll-ms", defaultValue = "200", description = "Wait between empty polls (default ${DEFAULT-VALUE} ms).")
    long pollMillis;

    private final AtomicBoolean stop = new AtomicBoolean();
    private final java.util.concurrent.CountDownLatch finished = new java.util.concurrent.CountDownLatch(1);

    /** Asks a running capture to finish (tests; Ctrl-C does the same through a shutdown hook). */
    public void stop() {
        stop.set(true);
    }

    @Override
    public Integer call() throws IOException {
        if (!from.equals("trim-horizon") && !from.equals("latest")) {
            throw CliException.usage("--from must be trim-horizon or latest, was '" + from + "'");
        }
        Logs.quiet();
        target.checkReachable();
        PrintWriter err = spec.commandLine().getErr();
        Map<String, Long> kinds = new TreeMap<>();
        // Ctrl-C: ask the loop to stop and give it a moment to flush the last lines.
        Thread hook = new Thread(() -> {
            stop();
            try {
                finished.await(3, java.util.concurrent.TimeUnit.SECONDS);
            } catch (InterruptedException ignored) {
                Thread.currentThread().interrupt();
            }
        }, "capture-stop");
        Runtime.getRuntime().addShutdownHook(hook);
        long written = 0;
        try (DynamoDbClient dynamoDb = target.dynamoDb();
             DynamoDbStreamsClient streams = target.dynamoDbStreams();
             BufferedWriter w = Files.newBufferedWriter(out, StandardCharsets.UTF_8, StandardOpenOption.CREATE,
                     StandardOpenOption.WRITE, append ? StandardOpenOption.APPEND : StandardOpenOption.TRUNCATE_EXISTING)) {
            String arn = StreamReader.streamArn(dynamoDb, target.usersTable());
            String region = target.isAws() ? target.connection().region().id() : arnRegion(arn);
            err.println("capturing " + arn + " → " + out + " (from " + from + "; "
                    + (count != null ? "stop after " + count + " records" : idleSeconds != null
                    ? "stop after " + idleSeconds + " s idle" : "Ctrl-C to stop") + ")");
            StreamReader reader = new StreamReader(streams, arn, from.equals("latest"));
            reader.refresh();
            long[] total = {0};
            try (Progress progress = new Progress(err, "capture", count == null ? 0 : count,
                    () -> kinds.toString())) {
                long lastRecordNanos = System.nanoTime();
                while (!stop.get()) {
                    int n = reader.poll((shardId, records) -> {
                        for (Record r : records) {
                            if (count != null && total[0] >= count) {
                                return;
                            }
                            try {
                                w.write(LambdaStreamJson.toJson(r, arn, region).toString());
                                w.write('\n');
                            } catch (IOException e) {
                                throw new java.io.UncheckedIOException(e);
                            }
                            total[0]++;
                            kinds.merge(r.eventNameAsString(), 1L, Long::sum);
                            progress.add(1);
                        }
                    }, 1000);
                    w.flush(); // each line is complete on disk before the next poll: Ctrl-C loses nothing read
                    if (count != null && total[0] >= count) {
                        break;
                    }
                    if (n > 0) {
                        lastRecordNanos = System.nanoTime();
                    } else {
                        if (idleSeconds != null && (System.nanoTime() - lastRecordNanos) / 1e9 >= idleSeconds) {
                            break;
                        }
                        sleep(pollMillis);
                    }
                }
                written = total[0];
                spec.commandLine().getOut().printf(Locale.ROOT, "captured %,d records (%s) to %s in %.1f s: %,.0f records/s%n",
                        written, kinds, out, progress.elapsedSeconds(), progress.averageRate());
            }
        } catch (ResourceNotFoundException e) {
            throw new CliException("table or stream not found at " + target.describe() + ": " + e.awsErrorDetails().errorMessage());
        } catch (SdkClientException e) {
            throw target.unreachable("DynamoDB Streams", target.dynamoDbEndpoint(), e);
        } finally {
            finished.countDown();
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException ignored) {
                // already shutting down: the hook has run
            }
            target.close();
        }
        return 0;
    }

    static String arnRegion(String arn) {
        String[] parts = arn.split(":");
        return parts.length > 3 ? parts[3] : null;
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
