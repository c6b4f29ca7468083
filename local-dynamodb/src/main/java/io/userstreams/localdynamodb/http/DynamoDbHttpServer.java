package io.userstreams.localdynamodb.http;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The HTTP front: AWS JSON 1.0 over the JDK's HttpServer, one port for DynamoDB and DynamoDB Streams.
 * Operations are looked up by the full X-Amz-Target value, e.g. register("DynamoDBStreams_20120810.GetRecords", op).
 */
public final class DynamoDbHttpServer implements AutoCloseable {
    /** Created on first use: initialising the logging backend would add to start-up time. */
    private static final class Log {
        static final Logger LOG = LoggerFactory.getLogger(DynamoDbHttpServer.class);
    }
    /** One mapper for the whole server: creating one per request would dominate the hot path. */
    public static final ObjectMapper MAPPER = new ObjectMapper()
            .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);
    private static final String CONTENT_TYPE = "application/x-amz-json-1.0";
    private static final String ERROR_PREFIX = "com.amazonaws.dynamodb.v20120810#";

    static {
        // The JDK server leaves Nagle's algorithm on: each small response then waits ~40 ms for the
        // client's delayed ACK. Read once per JVM, when the first JDK HttpServer is created.
        if (System.getProperty("sun.net.httpserver.nodelay") == null) {
            System.setProperty("sun.net.httpserver.nodelay", "true");
        }
    }

    private final Map<String, Operation> operations = new ConcurrentHashMap<>();
    private final HttpServer server;
    private final ExecutorService executor;
    private volatile RequestInterceptor interceptor = (operation, request) -> { };

    public DynamoDbHttpServer(String host, int port, int threads) throws IOException {
        server = HttpServer.create(new InetSocketAddress(host, port), 256);
        AtomicInteger threadCount = new AtomicInteger();
        executor = Executors.newFixedThreadPool(threads, runnable -> {
            Thread thread = new Thread(runnable, "local-dynamodb-http-" + threadCount.incrementAndGet());
            thread.setDaemon(true);
            return thread;
        });
        server.setExecutor(executor);
        server.createContext("/", this::handle);
    }

    public void register(String target, Operation op) {
        operations.put(target, op);
    }

    public void setInterceptor(RequestInterceptor interceptor) {
        this.interceptor = interceptor == null ? (operation, request) -> { } : interceptor;
    }

    public void start() {
        server.start();
    }

    public int port() {
        return server.getAddress().getPort();
    }

    public String host() {
        return server.getAddress().getHostString();
    }

    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
        try {
            executor.awaitTermination(2, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void handle(HttpExchange exchange) throws IOException {
        // UUID.randomUUID() draws from one shared SecureRandom: a lock every request would contend on.
        ThreadLocalRandom random = ThreadLocalRandom.current();
        String requestId = new UUID(random.nextLong(), random.nextLong()).toString();
        int status = 200;
        byte[] body;
        String target = exchange.getRequestHeaders().getFirst("X-Amz-Target");
        try {
            body = MAPPER.writeValueAsBytes(dispatch(target, exchange.getRequestBody()));
        } catch (DynamoDbException e) {
            status = e.status();
            body = errorBody(e.code(), e.getMessage(), e.details());
        } catch (RuntimeException e) {
            Log.LOG.error("{\"event\":\"internal_error\",\"requestId\":\"{}\",\"target\":\"{}\"}", requestId, target, e);
            status = 500;
            body = errorBody("InternalServerError", "Internal server error", null);
        }
        exchange.getResponseHeaders().set("Content-Type", CONTENT_TYPE);
        exchange.getResponseHeaders().set("x-amzn-RequestId", requestId);
        // DynamoDB sends the CRC32 of every response body; the SDKs check it when present.
        java.util.zip.CRC32 crc = new java.util.zip.CRC32();
        crc.update(body);
        exchange.getResponseHeaders().set("x-amz-crc32", Long.toString(crc.getValue()));
        exchange.sendResponseHeaders(status, body.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(body);
        }
        exchange.close();
    }

    private JsonNode dispatch(String target, InputStream in) throws IOException {
        byte[] raw = in.readAllBytes();
        Operation op = target == null ? null : operations.get(target);
        if (op == null) {
            throw new DynamoDbException("UnknownOperationException", null);
        }
        ObjectNode request;
        try {
            JsonNode parsed = raw.length == 0 ? MAPPER.createObjectNode() : MAPPER.readTree(raw);
            if (!(parsed instanceof ObjectNode object)) {
                throw new DynamoDbException("SerializationException", "Start of structure or map found where not expected");
            }
            request = object;
        } catch (JsonProcessingException e) {
            throw new DynamoDbException("SerializationException", "Invalid JSON in request body");
        }
        int dot = target.indexOf('.');
        interceptor.beforeOperation(target.substring(dot + 1), request);
        JsonNode response = op.handle(request);
        return response == null ? MAPPER.createObjectNode() : response;
    }

    private static byte[] errorBody(String code, String message, ObjectNode details) {
        ObjectNode error = MAPPER.createObjectNode();
        error.put("__type", ERROR_PREFIX + code);
        if (message != null) {
            error.put("message", message);
        }
        if (details != null) {
            error.setAll(details);
        }
        try {
            return MAPPER.writeValueAsBytes(error);
        } catch (JsonProcessingException e) {
            return ("{\"__type\":\"" + ERROR_PREFIX + "InternalServerError\"}").getBytes(StandardCharsets.UTF_8);
        }
    }
}
