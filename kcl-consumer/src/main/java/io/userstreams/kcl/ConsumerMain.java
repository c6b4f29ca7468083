package io.userstreams.kcl;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The EC2 entry point: settings from the environment, JSON logs on stderr (or LOG_FILE), consume
 * until SIGTERM/SIGINT, then shut down gracefully (checkpoint what is done, release leases).
 * Exit codes: 0 after a clean stop, 1 on a failure, 2 on bad configuration.
 */
public final class ConsumerMain {

    private ConsumerMain() {
    }

    public static void main(String[] args) {
        String logFile = System.getenv("LOG_FILE");
        String level = System.getenv().getOrDefault("LOG_LEVEL", "INFO");
        if (logFile != null && !logFile.isBlank()) {
            JsonLogs.toFile(java.nio.file.Path.of(logFile), level);
        } else {
            JsonLogs.toStderr(level);
        }
        Logger log = LoggerFactory.getLogger(ConsumerMain.class);
        ConsumerSettings settings;
        try {
            settings = ConsumerSettings.fromEnvironment();
        } catch (IllegalArgumentException e) {
            System.err.println("configuration error: " + e.getMessage());
            System.exit(2);
            return;
        }
        System.exit(run(settings, log));
    }

    static int run(ConsumerSettings settings, Logger log) {
        ConsumerApplication app = ConsumerApplication.builder(settings).build();
        AtomicReference<Boolean> clean = new AtomicReference<>(true);
        Thread hook = new Thread(() -> clean.set(app.shutdown(Duration.ofSeconds(25))), "graceful-shutdown");
        // SIGTERM (systemd, Auto Scaling) and Ctrl-C both run shutdown hooks.
        Runtime.getRuntime().addShutdownHook(hook);
        try {
            app.start();
            app.awaitTermination();
            return 0;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return 1;
        } catch (RuntimeException e) {
            log.atError().setCause(e).log("consumer failed: " + e.getMessage());
            app.shutdown(Duration.ofSeconds(10));
            return 1;
        }
    }
}
