package io.userstreams.kcl;

import io.userstreams.core.processing.BatchOutcome;
import java.time.Duration;

/**
 * A consumer in its own JVM for the failover, shutdown and lineage tests: the real ConsumerMain wiring
 * plus probes on stdout — {@code DELIVERED <epochMs> <firstSeq> <count>} when a batch reaches the core,
 * {@code APPLIED <lastSeq>} and {@code VERSIONS <epochMs> id:version,...} (the records it finished, in
 * order) when the core has applied it — and an optional pause AFTER the core has applied a batch and
 * BEFORE it is checkpointed (CHILD_PAUSE_AFTER_APPLY_MS), so a kill lands between side effects and
 * checkpoint.
 */
public final class ChildConsumer {

    private ChildConsumer() {
    }

    public static void main(String[] args) throws Exception {
        JsonLogs.toFile(java.nio.file.Path.of(System.getenv("LOG_FILE")), "INFO");
        long pause = Long.parseLong(System.getenv().getOrDefault("CHILD_PAUSE_AFTER_APPLY_MS", "0"));
        boolean noop = "noop".equals(System.getenv("CHILD_MODE"));
        boolean reportIds = "true".equals(System.getenv("CHILD_REPORT_IDS"));
        ConsumerApplication.Builder builder = ConsumerApplication.builder(ConsumerSettings.fromEnvironment());
        if (noop) {
            // The benchmark's ceiling: KCL + adapter + conversion, no reactions.
            builder.processor(records -> BatchOutcome.allDone(records.size(), 0));
        }
        ConsumerApplication app = builder
                .processorDecorator(core -> records -> {
                    synchronized (System.out) {
                        System.out.println("DELIVERED " + System.currentTimeMillis() + " "
                                + records.get(0).sequenceNumber() + " " + records.size());
                        System.out.flush();
                    }
                    BatchOutcome outcome = core.process(records);
                    if (reportIds && outcome.completed() > 0) {
                        StringBuilder ids = new StringBuilder("DONE ").append(System.currentTimeMillis()).append(' ');
                        for (int i = 0; i < outcome.completed(); i++) {
                            ids.append(records.get(i).userId().orElse("?")).append(',');
                        }
                        synchronized (System.out) {
                            System.out.println(ids);
                            System.out.flush();
                        }
                    }
                    if (!reportIds && outcome.completed() > 0) {
                        StringBuilder versions = new StringBuilder("VERSIONS ").append(System.currentTimeMillis())
                                .append(' ');
                        for (int i = 0; i < outcome.completed(); i++) {
                            var r = records.get(i);
                            var v = r.newImage().get("version");
                            versions.append(r.userId().orElse("?")).append(':')
                                    .append(v == null || v.n() == null ? "del" : v.n()).append(',');
                        }
                        synchronized (System.out) {
                            System.out.println(versions);
                            System.out.println("APPLIED " + records.get(outcome.completed() - 1).sequenceNumber());
                            System.out.flush();
                        }
                        if (pause > 0) {
                            try {
                                Thread.sleep(pause);
                            } catch (InterruptedException e) {
                                Thread.currentThread().interrupt();
                            }
                        }
                    }
                    return outcome;
                }).build();
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            boolean clean = app.shutdown(Duration.ofSeconds(25));
            System.out.println("STOPPED clean=" + clean);
            System.out.flush();
        }));
        app.start();
        System.out.println("STARTED " + System.currentTimeMillis());
        System.out.flush();
        app.awaitTermination();
    }
}
