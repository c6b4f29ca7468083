package io.userstreams.kcl;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Executors;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/**
 * {@code /health} (200 while the scheduler runs, 503 otherwise: what EC2 Auto Scaling health checks
 * read) and {@code /metrics} (Prometheus text). JDK HTTP server: no extra dependency.
 */
public final class OpsServer implements AutoCloseable {

    private final HttpServer server;

    public OpsServer(String bind, int port, BooleanSupplier healthy, Supplier<String> metrics) throws IOException {
        server = HttpServer.create(new InetSocketAddress(bind, port), 16);
        server.createContext("/health", ex -> {
            boolean ok = healthy.getAsBoolean();
            respond(ex, ok ? 200 : 503, "text/plain; charset=utf-8", ok ? "ok\n" : "not running\n");
        });
        server.createContext("/metrics", ex -> respond(ex, 200, "text/plain; version=0.0.4; charset=utf-8",
                metrics.get()));
        server.setExecutor(Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "ops-http");
            t.setDaemon(true);
            return t;
        }));
        server.start();
    }

    /** The consumer's server as its settings say, or null when HEALTH_PORT is negative. */
    static OpsServer open(ConsumerSettings settings, BooleanSupplier healthy, Supplier<String> metrics) {
        if (settings.healthPort() < 0) {
            return null;
        }
        try {
            return new OpsServer(settings.healthBind(), settings.healthPort(), healthy, metrics);
        } catch (IOException e) {
            throw new IllegalStateException("cannot open /health on " + settings.healthBind() + ":"
                    + settings.healthPort() + " (set HEALTH_PORT to a free port, 0 for any, -1 to disable)", e);
        }
    }

    public int port() {
        return server.getAddress().getPort();
    }

    private static void respond(HttpExchange ex, int status, String type, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().set("Content-Type", type);
        if ("HEAD".equals(ex.getRequestMethod())) {
            ex.sendResponseHeaders(status, -1);
            ex.close();
            return;
        }
        ex.sendResponseHeaders(status, bytes.length);
        try (OutputStream os = ex.getResponseBody()) {
            os.write(bytes);
        }
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
