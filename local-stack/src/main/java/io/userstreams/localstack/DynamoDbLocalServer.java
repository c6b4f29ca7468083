package io.userstreams.localstack;

import com.amazonaws.services.dynamodbv2.local.main.ServerRunner;
import com.amazonaws.services.dynamodbv2.local.server.DynamoDBProxyServer;
import java.lang.reflect.Field;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import org.eclipse.jetty.server.Connector;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;

/**
 * DynamoDB Local 2.x inside this JVM, served over HTTP so other processes (the CLI, a second
 * consumer) reach it too. In-memory, one shared database, no telemetry, 127.0.0.1 only.
 */
final class DynamoDbLocalServer implements AutoCloseable {

    /**
     * DynamoDB Local's embedded SDK v1 warns on every start that JAXB is missing; it only picks a
     * slower XML path we never use (the server speaks JSON). Held here so the level sticks.
     */
    private static final java.util.logging.Logger SDK_V1_LOG = quietSdkV1Log();

    private static java.util.logging.Logger quietSdkV1Log() {
        java.util.logging.Logger logger = java.util.logging.Logger.getLogger("com.amazonaws");
        logger.setLevel(java.util.logging.Level.SEVERE);
        return logger;
    }

    private static final String JOBS_PACKAGE = "com.amazonaws.services.dynamodbv2.local.shared.jobs.";

    private final DynamoDBProxyServer proxy;
    private final URI endpoint;
    private final int port;
    private final Set<Long> threadsBefore;

    private DynamoDbLocalServer(DynamoDBProxyServer proxy, int port, String host, Set<Long> threadsBefore) {
        this.proxy = proxy;
        this.threadsBefore = threadsBefore;
        this.port = port;
        this.endpoint = URI.create("http://" + host + ":" + port);
    }

    /**
     * Starts the server; port 0 binds a free port. Throws when the port cannot be bound (the
     * library's own {@code start()} prints the error and carries on without a listener).
     */
    static DynamoDbLocalServer start(String host, int port, Path nativeLibDir) throws Exception {
        prepareSqliteNatives(nativeLibDir);
        Set<Long> threadsBefore = threadIds();
        // -sharedDb: one database whatever the access key and region; -disableTelemetry: never call AWS.
        // The CLI rejects port 0, so it gets a placeholder; the connector's port is set below.
        DynamoDBProxyServer proxy = ServerRunner.createServerFromCommandLineArgs(new String[] {
            "-inMemory", "-sharedDb", "-disableTelemetry", "-port", Integer.toString(port == 0 ? 8000 : port)});
        Server jetty = jettyOf(proxy);
        ServerConnector connector = connectorOf(jetty);
        // Jetty's Server(int) binds every interface; the stack must only ever listen on loopback.
        connector.setHost(host);
        connector.setPort(port);
        try {
            proxy.safeStart();
        } catch (Exception e) {
            stopQuietly(proxy);
            throw e;
        }
        return new DynamoDbLocalServer(proxy, connector.getLocalPort(), host, threadsBefore);
    }

    /**
     * DynamoDB Local extracts its sqlite4java library from its jar into {@code org.sqlite.tmpdir}
     * (default java.io.tmpdir); point it at the shared cache so the file has a known home.
     */
    private static void prepareSqliteNatives(Path nativeLibDir) throws Exception {
        if (System.getProperty("org.sqlite.tmpdir") == null && nativeLibDir != null) {
            Files.createDirectories(nativeLibDir);
            System.setProperty("org.sqlite.tmpdir", nativeLibDir.toString());
        }
    }

    /**
     * The proxy keeps its Jetty server private and builds it with {@code new Server(port)}, which
     * listens on all interfaces. Reading the field is the only way to set the host before start
     * (classpath code, so no module opening is needed).
     */
    private static Server jettyOf(DynamoDBProxyServer proxy) {
        try {
            Field f = DynamoDBProxyServer.class.getDeclaredField("server");
            f.setAccessible(true);
            return (Server) f.get(proxy);
        } catch (ReflectiveOperationException | RuntimeException e) {
            throw new IllegalStateException("cannot bind DynamoDB Local to 127.0.0.1: the DynamoDBLocal jar "
                    + "changed its DynamoDBProxyServer.server field (expected version 2.6.x)", e);
        }
    }

    private static ServerConnector connectorOf(Server jetty) {
        Connector[] connectors = jetty.getConnectors();
        if (connectors.length != 1 || !(connectors[0] instanceof ServerConnector sc)) {
            throw new IllegalStateException("DynamoDB Local's Jetty server has unexpected connectors "
                    + java.util.Arrays.toString(connectors) + ": cannot restrict it to 127.0.0.1");
        }
        return sc;
    }

    URI endpoint() {
        return endpoint;
    }

    int port() {
        return port;
    }

    @Override
    public void close() throws Exception {
        proxy.stop();
        stopBackgroundJobs();
    }

    /**
     * DynamoDB Local's stop() leaves its background job threads (shard roll-over, TTL) asleep for
     * hours, non-daemon, which keeps a JVM from exiting. Their sleep ends on an interrupt; only
     * threads that appeared since this server started and run those jobs are touched, so another
     * DynamoDB Local in the same JVM keeps its own.
     */
    private void stopBackgroundJobs() {
        for (Map.Entry<Thread, StackTraceElement[]> e : Thread.getAllStackTraces().entrySet()) {
            Thread t = e.getKey();
            if (threadsBefore.contains(t.getId())) {
                continue;
            }
            for (StackTraceElement frame : e.getValue()) {
                if (frame.getClassName().startsWith(JOBS_PACKAGE)) {
                    t.interrupt();
                    break;
                }
            }
        }
    }

    private static Set<Long> threadIds() {
        Set<Long> ids = new HashSet<>();
        for (Thread t : Thread.getAllStackTraces().keySet()) {
            ids.add(t.getId());
        }
        return ids;
    }

    private static void stopQuietly(DynamoDBProxyServer proxy) {
        try {
            proxy.stop();
        } catch (Exception ignored) {
            // the start already failed; that error is the one to report
        }
    }
}
