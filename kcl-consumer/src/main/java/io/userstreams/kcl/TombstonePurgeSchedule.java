package io.userstreams.kcl;

import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs the core's tombstone purge in the background: first a few minutes after start (not in the
 * way of start-up), then daily. Several consumers may run it at once: a delete-by-query of
 * documents no one writes any more is idempotent. A failure is logged and tried again next time.
 */
final class TombstonePurgeSchedule implements AutoCloseable {

    static final Duration FIRST_RUN = Duration.ofMinutes(5);
    static final Duration INTERVAL = Duration.ofDays(1);

    private static final Logger log = LoggerFactory.getLogger(TombstonePurgeSchedule.class);

    private final ScheduledExecutorService executor;

    private TombstonePurgeSchedule(LongSupplier purge, Duration first, Duration interval) {
        executor = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "tombstone-purge");
            t.setDaemon(true);
            return t;
        });
        executor.scheduleWithFixedDelay(() -> runOnce(purge), first.toMillis(), interval.toMillis(), TimeUnit.MILLISECONDS);
    }

    static TombstonePurgeSchedule daily(LongSupplier purge) {
        return new TombstonePurgeSchedule(purge, FIRST_RUN, INTERVAL);
    }

    static TombstonePurgeSchedule every(LongSupplier purge, Duration first, Duration interval) {
        return new TombstonePurgeSchedule(purge, first, interval);
    }

    static void runOnce(LongSupplier purge) {
        long started = System.nanoTime();
        try {
            long removed = purge.getAsLong();
            log.atInfo().addKeyValue("removed", removed)
                    .addKeyValue("durationMs", (System.nanoTime() - started) / 1_000_000).log("tombstones purged");
        } catch (RuntimeException e) {
            log.atWarn().addKeyValue("errorType", e.getClass().getSimpleName())
                    .log("tombstone purge failed; tried again at the next run");
        }
    }

    @Override
    public void close() {
        executor.shutdownNow();
    }
}
