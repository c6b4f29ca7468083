package io.userstreams.kcl;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.prometheus.metrics.config.EscapingScheme;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Executors;
import java.util.function.BooleanSupplier;

/**
 * {@code /health} (200 while the scheduler runs, 503 otherwise: what EC2 Auto Scaling health checks
 * read) and {@code /metrics} (the registry in the Prometheus text format, written by the Prometheus
 * client's own writer). JDK HTTP server: no HTTP server dependency.
 */
public final class OpsServer implements AutoCloseable {

    private static final PrometheusTextFormatWriter TEXT = PrometheusTextFormatWriter.create();

    private final HttpServer server;

    public OpsServer(String bind, int port, BooleanSupplier healthy, PrometheusRegistry metrics) throws IOException {
        server = HttpServer.create(new InetSocketAddress(bind, port), 16);
        server.createContext("/health", ex -> {
            boolean ok = healthy.getAsBoolean();
            respond(ex, ok ? 200 : 503, "text/plain; charset=utf-8", ok ? "ok\n" : "not running\n");
        });
        server.createContext("/metrics", ex -> {
            // names are escaped as the scraper asks (Accept header), as the client's own exporter does
            EscapingScheme escaping = EscapingScheme.fromAcceptHeader(ex.getRequestHeaders().getFirst("Accept"));
            ByteArrayOutputStream body = new ByteArrayOutputStream(16_384);
            TEXT.write(body, metrics.scrape(), escaping);
            respond(ex, 200, TEXT.getContentType(), body.toByteArray());
        });
        server.setExecutor(Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "ops-http");
            t.setDaemon(true);
            return t;
        }));
        server.start();
    }

    /** The consumer's server as its settings say, or null when HEALTH_PORT is negative. */
    static OpsServer open(ConsumerSettings settings, BooleanSupplier healthy, PrometheusRegistry metrics) {
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
        respond(ex, status, type, body.getBytes(StandardCharsets.UTF_8));
    }

    private static void respond(HttpExchange ex, int status, String type, byte[] bytes) throws IOException {
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
