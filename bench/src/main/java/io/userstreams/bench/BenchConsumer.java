package io.userstreams.bench;

import io.userstreams.core.aws.CallMeter;
import io.userstreams.core.processing.BatchOutcome;
import io.userstreams.kcl.ConsumerApplication;
import io.userstreams.kcl.ConsumerSettings;
import io.userstreams.kcl.JsonLogs;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * The KCL consumer as {@code ConsumerMain} wires it, in its own JVM, with probes on stdout for the
 * benchmark: {@code DELIVERED <epochMs> <n>} when a batch reaches the core and {@code DONE <epochMs> <n> <micros>}
 * when the core finished {@code n} of its records in {@code micros}, then {@code IDS <deliveredMs> <doneMs> <userIds>}
 * (comma-separated) so the benchmark can split a record's write → indexed time. {@code BENCH_MODE=noop}: KCL, the adapter and the
 * record conversion with no reactions (the consumer's ceiling). With {@code USER_STREAMS_METER_CALLS}
 * naming a file, the call meter is written there every 250 ms and at shutdown.
 */
public final class BenchConsumer {

    private BenchConsumer() {
    }

    public static void main(String[] args) throws Exception {
        JsonLogs.toFile(Path.of(System.getenv("LOG_FILE")), "WARN");
        boolean noop = "noop".equals(System.getenv("BENCH_MODE"));
        ConsumerApplication.Builder builder = ConsumerApplication.builder(ConsumerSettings.fromEnvironment());
        if (noop) {
            builder.processor(records -> BatchOutcome.allDone(records.size(), 0));
        }
        ConsumerApplication app = builder.processorDecorator(core -> records -> {
            long delivered = System.currentTimeMillis();
            print("DELIVERED " + delivered + " " + records.size());
            long start = System.nanoTime();
            BatchOutcome outcome = core.process(records);
            long done = System.currentTimeMillis();
            print("DONE " + done + " " + outcome.completed() + " " + (System.nanoTime() - start) / 1000);
            String ids = records.stream().limit(outcome.completed()).map(r -> r.userId().orElse("?"))
                    .collect(java.util.stream.Collectors.joining(","));
            if (!ids.isEmpty()) {
                print("IDS " + delivered + " " + done + " " + ids);
            }
            return outcome;
        }).build();
        ScheduledExecutorService meter = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "meter");
            t.setDaemon(true);
            return t;
        });
        CallMeter.target().ifPresent(file -> meter.scheduleWithFixedDelay(() -> CallMeter.writeTo(file), 250, 250,
                TimeUnit.MILLISECONDS));
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            app.shutdown(Duration.ofSeconds(20));
            CallMeter.target().ifPresent(CallMeter::writeTo);
        }));
        app.start();
        print("STARTED " + System.currentTimeMillis());
        app.awaitTermination();
    }

    private static void print(String line) {
        synchronized (System.out) {
            System.out.println(line);
            System.out.flush();
        }
    }
}
