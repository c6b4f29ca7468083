package io.userstreams.cli.stream;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.userstreams.cli.CliException;
import io.userstreams.cli.Logs;
import io.userstreams.cli.Progress;
import io.userstreams.cli.Target;
import io.userstreams.core.UserStreamsCore;
import io.userstreams.core.change.ChangeRecord;
import io.userstreams.core.change.StreamRecordConverter;
import io.userstreams.core.config.ReactionId;
import io.userstreams.core.processing.BatchOutcome;
import io.userstreams.core.processing.BatchProcessor;
import io.userstreams.lambda.LambdaStreamJson;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code replay FILE}: feeds recorded stream records (JSON Lines from {@code capture}, or a Lambda
 * event file with {@code "Records"}) through the core processor in file order, with the same
 * idempotency as the live consumer: replaying twice changes nothing. A line that cannot be read is
 * reported with its number, written to the rejects file, and skipped; the rest is replayed and the
 * exit code is 1.
 */
@Command(name = "replay", mixinStandardHelpOptions = true, description = "Replay captured stream records through the reactions (idempotent).")
public final class ReplayCommand implements Callable<Integer> {

    @Mixin
    Target target;

    @Spec
    CommandSpec spec;

    @Parameters(paramLabel = "FILE", description = "JSON Lines of Lambda-format stream records (or one Lambda event).")
    Path file;

    @Option(names = "--rejects", paramLabel = "FILE", description = "Where unreadable lines go (default: FILE.rejects).")
    Path rejects;

    @Option(names = "--reactions", defaultValue = "all", paramLabel = "LIST",
            description = "Reactions to run: all, or a list of welcome-email,derived-tables,search-index (default ${DEFAULT-VALUE}).")
    String reactions;

    @Option(names = "--batch", defaultValue = "1000", description = "Records per processor batch (default ${DEFAULT-VALUE}).")
    int batch;

    @Option(names = "--parallelism", defaultValue = "4",
            description = "Ordered lanes per batch, split by userId: one item's records stay in file order (default ${DEFAULT-VALUE}).")
    int parallelism;

    @Option(names = "--max-retries", defaultValue = "5",
            description = "Retries of a batch stopped by a systemic failure (sink down) before giving up (default ${DEFAULT-VALUE}).")
    int maxRetries;

    /** A readable record and the line it came from. */
    record Line(int number, ChangeRecord record) {
    }

    /** Figures of the last run, for tests. */
    public record Summary(long lines, long records, long malformed, long deadLettered, double seconds) {
    }

    private volatile Summary summary;

    public Summary summary() {
        return summary;
    }

    @Override
    public Integer call() throws IOException {
        if (!Files.isReadable(file)) {
            throw CliException.usage("cannot read " + file);
        }
        if (batch < 1) {
            throw CliException.usage("--batch must be at least 1");
        }
        if (parallelism < 1 || parallelism > 64) {
            throw CliException.usage("--parallelism must be 1-64");
        }
        var enabled = parseReactions();
        Logs.quiet();
        PrintWriter err = spec.commandLine().getErr();
        Path rejectsFile = rejects != null ? rejects : Path.of(file + ".rejects");
        List<Line> lines = new ArrayList<>();
        List<String> rejected = new ArrayList<>();
        long lineCount = read(lines, rejected, err);
        Files.deleteIfExists(rejectsFile);
        if (!rejected.isEmpty()) {
            Files.write(rejectsFile, rejected, StandardCharsets.UTF_8);
            err.println(rejected.size() + " malformed line(s) written to " + rejectsFile);
        }
        target.checkReachable();
        long deadLettered = 0;
        try (UserStreamsCore core = UserStreamsCore.builder()
                .settings(target.settings().withReactions(enabled))
                .connection(target.connection()).httpClient(target.httpClient()).build();
             Progress progress = new Progress(err, "replay", lines.size(), null)) {
            err.println("replaying " + lines.size() + " records from " + file + " into " + target.describe()
                    + " (reactions: " + ReactionId.toList(enabled) + ")");
            BatchProcessor processor = core.processor();
            java.util.concurrent.ExecutorService lanes = java.util.concurrent.Executors.newFixedThreadPool(parallelism);
            try {
                for (int from = 0; from < lines.size(); from += batch) {
                    List<Line> chunk = lines.subList(from, Math.min(lines.size(), from + batch));
                    deadLettered += processInLanes(processor, chunk, progress, lanes);
                }
            } finally {
                lanes.shutdownNow();
            }
            double seconds = progress.elapsedSeconds();
            summary = new Summary(lineCount, lines.size(), rejected.size(), deadLettered, seconds);
        } finally {
            target.close();
        }
        spec.commandLine().getOut().printf(Locale.ROOT,
                "replayed %,d records from %,d lines in %.2f s (%,.0f records/s): %,d dead-lettered, %,d malformed line(s)%s%n",
                summary.records(), summary.lines(), summary.seconds(), summary.records() / Math.max(summary.seconds(), 1e-9),
                summary.deadLettered(), summary.malformed(), rejected.isEmpty() ? "" : " → " + rejectsFile);
        return rejected.isEmpty() ? 0 : 1;
    }

    /**
     * Splits a chunk into ordered lanes by userId and runs them concurrently: records of one item stay
     * in one lane, in file order, and the next chunk starts only when every lane is done.
     */
    private long processInLanes(BatchProcessor processor, List<Line> chunk, Progress progress,
                                java.util.concurrent.ExecutorService pool) {
        if (parallelism == 1) {
            return processChunk(processor, chunk, progress);
        }
        List<List<Line>> lanes = new ArrayList<>();
        for (int i = 0; i < parallelism; i++) lanes.add(new ArrayList<>());
        for (Line l : chunk) {
            String key = l.record().userId().orElse(l.record().eventId());
            lanes.get(Math.floorMod(key.hashCode(), parallelism)).add(l);
        }
        List<java.util.concurrent.Future<Long>> futures = new ArrayList<>();
        for (List<Line> lane : lanes) {
            if (!lane.isEmpty()) futures.add(pool.submit(() -> processChunk(processor, lane, progress)));
        }
        long deadLettered = 0;
        RuntimeException failure = null;
        for (var f : futures) {
            try {
                deadLettered += f.get();
            } catch (java.util.concurrent.ExecutionException e) {
                if (failure == null) {
                    failure = e.getCause() instanceof RuntimeException re ? re : new IllegalStateException(e.getCause());
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new CliException("interrupted");
            }
        }
        if (failure != null) {
            throw failure;
        }
        return deadLettered;
    }

    /** Runs a chunk; a systemic stop is retried from the first unfinished record with backoff. */
    private long processChunk(BatchProcessor processor, List<Line> chunk, Progress progress) {
        List<Line> pending = chunk;
        long deadLettered = 0;
        int attempt = 0;
        while (!pending.isEmpty()) {
            BatchOutcome outcome = processor.process(pending.stream().map(Line::record).toList());
            deadLettered += outcome.deadLettered();
            progress.add(outcome.completed());
            if (outcome.isComplete()) {
                return deadLettered;
            }
            Line stuck = pending.get(outcome.completed());
            if (++attempt > maxRetries) {
                throw new CliException("replay stopped at line " + stuck.number() + " (event " + stuck.record().eventId()
                        + "): " + outcome.failure().map(Throwable::getMessage).orElse("unknown failure")
                        + ". Records before it are done; fix the sink and run replay again (it is idempotent).");
            }
            pending = pending.subList(outcome.completed(), pending.size());
            sleep(Math.min(10_000, 250L << attempt));
        }
        return deadLettered;
    }

    /** Reads the file: JSON Lines, or one (possibly pretty-printed) Lambda event. Returns the line count. */
    long read(List<Line> out, List<String> rejected, PrintWriter err) throws IOException {
        List<String> text = Files.readAllLines(file, StandardCharsets.UTF_8);
        if (looksLikeOneEvent(text)) {
            JsonNode event = LambdaStreamJson.MAPPER.readTree(String.join("\n", text));
            int i = 0;
            for (JsonNode r : LambdaStreamJson.records(event)) {
                i++;
                accept(i, r, r.toString(), out, rejected, err);
            }
            return text.size();
        }
        for (int i = 0; i < text.size(); i++) {
            String line = text.get(i);
            if (line.isBlank()) {
                continue;
            }
            JsonNode node;
            try {
                node = LambdaStreamJson.MAPPER.readTree(line);
            } catch (IOException e) {
                reject(i + 1, "not valid JSON: " + firstLine(e.getMessage()), line, rejected, err);
                continue;
            }
            try {
                for (JsonNode r : LambdaStreamJson.records(node)) {
                    accept(i + 1, r, line, out, rejected, err);
                }
            } catch (LambdaStreamJson.MalformedRecordException e) {
                reject(i + 1, e.getMessage(), line, rejected, err);
            }
        }
        return text.size();
    }

    private static boolean looksLikeOneEvent(List<String> text) {
        if (text.isEmpty() || !text.get(0).trim().startsWith("{")) {
            return false;
        }
        try {
            LambdaStreamJson.MAPPER.readTree(text.get(0));
            return false; // the first line is a complete JSON value: JSON Lines
        } catch (IOException e) {
            try {
                JsonNode all = LambdaStreamJson.MAPPER.readTree(String.join("\n", text));
                return all.isObject() && all.has("Records");
            } catch (IOException e2) {
                return false;
            }
        }
    }

    private void accept(int number, JsonNode node, String original, List<Line> out, List<String> rejected,
                        PrintWriter err) {
        try {
            var record = LambdaStreamJson.fromJson(node);
            out.add(new Line(number, StreamRecordConverter.convert(record, "replay")));
        } catch (LambdaStreamJson.MalformedRecordException | IllegalArgumentException | NullPointerException e) {
            reject(number, e.getMessage(), original, rejected, err);
        }
    }

    private static void reject(int number, String reason, String original, List<String> rejected, PrintWriter err) {
        err.println("line " + number + ": malformed record, skipped: " + reason);
        ObjectNode r = LambdaStreamJson.MAPPER.createObjectNode();
        r.put("line", number);
        r.put("error", reason);
        r.put("text", original);
        rejected.add(r.toString());
    }

    private java.util.Set<ReactionId> parseReactions() {
        try {
            var set = ReactionId.parseList(reactions);
            if (set.isEmpty()) {
                throw CliException.usage("--reactions is empty: nothing to replay into");
            }
            return set;
        } catch (IllegalArgumentException e) {
            throw CliException.usage(e.getMessage());
        }
    }

    private static String firstLine(String s) {
        if (s == null) return "";
        int nl = s.indexOf('\n');
        return nl < 0 ? s : s.substring(0, nl);
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CliException("interrupted");
        }
    }
}
