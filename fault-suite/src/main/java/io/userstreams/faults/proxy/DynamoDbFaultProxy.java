package io.userstreams.faults.proxy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.EnumMap;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Random;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicLong;
import java.util.zip.CRC32;

/**
 * HTTP proxy on 127.0.0.1 in front of the local DynamoDB (AWS JSON 1.0) that answers chosen writes with
 * real DynamoDB error responses instead of forwarding them. Everything else passes through unchanged.
 * The local DynamoDB does not verify SigV4 signatures, so the rewritten Host header is harmless.
 */
public final class DynamoDbFaultProxy implements AutoCloseable {

    private static final String TARGET_PREFIX = "DynamoDB_20120810.";
    private static final String TRANSACT_WRITE = "TransactWriteItems";
    private static final Set<String> WRITE_OPERATIONS =
            Set.of(TRANSACT_WRITE, "UpdateItem", "PutItem", "DeleteItem", "BatchWriteItem");

    // The JDK client refuses to set some of these; the others are per-hop and must not be forwarded.
    private static final Set<String> SKIPPED_REQUEST_HEADERS = Set.of("host", "content-length", "connection",
            "expect", "upgrade", "transfer-encoding", "keep-alive", "proxy-connection", "te", "trailer",
            "http2-settings");
    // HttpServer sets the length itself from the byte count we pass.
    private static final Set<String> SKIPPED_RESPONSE_HEADERS = Set.of("content-length", "transfer-encoding",
            "connection", "keep-alive");

    private static final ObjectMapper JSON = new ObjectMapper();

    private final URI upstream;
    private final HttpServer server;
    private final ExecutorService executor;
    private final HttpClient client;
    private final AtomicLong forwarded = new AtomicLong();
    private final Map<DynamoDbFault, AtomicLong> injected = new EnumMap<>(DynamoDbFault.class);
    private volatile Injection injection;

    private DynamoDbFaultProxy(URI upstream) throws IOException {
        this.upstream = upstream;
        for (DynamoDbFault f : DynamoDbFault.values()) {
            injected.put(f, new AtomicLong());
        }
        this.executor = Executors.newCachedThreadPool(TcpProxy.daemonThreads("dynamodb-fault-proxy"));
        this.client = HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .followRedirects(HttpClient.Redirect.NEVER)
                .connectTimeout(Duration.ofSeconds(5))
                .executor(executor)
                .build();
        this.server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.setExecutor(executor);
        server.createContext("/", this::handle);
        server.start();
    }

    /** Starts the proxy on a free loopback port, forwarding to {@code dynamoDbEndpoint}. */
    public static DynamoDbFaultProxy start(URI dynamoDbEndpoint) {
        Objects.requireNonNull(dynamoDbEndpoint, "dynamoDbEndpoint");
        try {
            return new DynamoDbFaultProxy(dynamoDbEndpoint);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start DynamoDB fault proxy", e);
        }
    }

    public URI endpoint() {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort());
    }

    /**
     * For {@code d}, answers each write (TransactWriteItems, UpdateItem, PutItem, DeleteItem,
     * BatchWriteItem) naming one of {@code tables}, with {@code probability}, by the next fault of
     * {@code faults} (round-robin). Ends by itself; a new call replaces the current injection.
     */
    public void injectFor(Duration d, Set<String> tables, double probability, List<DynamoDbFault> faults,
            long seed) {
        if (d == null || d.isNegative() || d.isZero()) {
            throw new IllegalArgumentException("duration must be positive: " + d);
        }
        if (probability < 0 || probability > 1) {
            throw new IllegalArgumentException("probability must be in [0,1]: " + probability);
        }
        if (faults.isEmpty()) {
            throw new IllegalArgumentException("faults must not be empty");
        }
        injection = new Injection(System.nanoTime() + d.toNanos(), Set.copyOf(tables), probability,
                List.copyOf(faults), new Random(seed));
    }

    public boolean faultActive() {
        Injection inj = injection;
        return inj != null && inj.active();
    }

    /** Waits until the current injection has ended by itself. */
    public void awaitFaultEnd(Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (faultActive()) {
            if (System.nanoTime() - deadline >= 0) {
                throw new IllegalStateException("DynamoDB fault still active after " + timeout);
            }
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted", e);
            }
        }
    }

    /** Responses injected so far, per fault actually sent (a THROTTLING fallback counts as THROTTLING). */
    public Map<DynamoDbFault, Long> injected() {
        Map<DynamoDbFault, Long> snapshot = new EnumMap<>(DynamoDbFault.class);
        injected.forEach((k, v) -> snapshot.put(k, v.get()));
        return snapshot;
    }

    /** Requests forwarded to DynamoDB (whatever their outcome). */
    public long forwarded() {
        return forwarded.get();
    }

    @Override
    public void close() {
        injection = null;
        server.stop(0);
        executor.shutdownNow();
    }

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            byte[] body = exchange.getRequestBody().readAllBytes();
            Reply fault = maybeFault(exchange, body);
            if (fault != null) {
                send(exchange, fault.status, fault.headers, fault.body);
            } else {
                forward(exchange, body);
            }
        }
    }

    private Reply maybeFault(HttpExchange exchange, byte[] body) {
        Injection inj = injection;
        if (inj == null || !inj.active()) {
            return null;
        }
        String target = exchange.getRequestHeaders().getFirst("X-Amz-Target");
        if (target == null || !target.startsWith(TARGET_PREFIX)) {
            return null;
        }
        String operation = target.substring(TARGET_PREFIX.length());
        if (!WRITE_OPERATIONS.contains(operation)) {
            return null;
        }
        JsonNode request;
        try {
            request = JSON.readTree(body);
        } catch (IOException e) {
            return null; // not ours to judge: let DynamoDB reject it
        }
        if (request == null || !namesTable(request, inj.tables)) {
            return null;
        }
        DynamoDbFault fault = inj.next();
        if (fault == null) {
            return null;
        }
        int transactItems = request.path("TransactItems").size();
        if (fault == DynamoDbFault.TRANSACTION_CONFLICT && (!TRANSACT_WRITE.equals(operation) || transactItems == 0)) {
            fault = DynamoDbFault.THROTTLING;
        }
        injected.get(fault).incrementAndGet();
        return errorReply(fault, transactItems);
    }

    /** Any textual "TableName" anywhere in the body, or a RequestItems key (BatchWriteItem). */
    static boolean namesTable(JsonNode request, Set<String> tables) {
        JsonNode requestItems = request.path("RequestItems");
        if (requestItems.isObject()) {
            Iterator<String> names = requestItems.fieldNames();
            while (names.hasNext()) {
                if (tables.contains(names.next())) {
                    return true;
                }
            }
        }
        for (JsonNode name : request.findValues("TableName")) {
            if (name.isTextual() && tables.contains(name.asText())) {
                return true;
            }
        }
        return false;
    }

    static Reply errorReply(DynamoDbFault fault, int transactItems) {
        ObjectNode json = JSON.createObjectNode();
        json.put("__type", DynamoDbFault.TYPE_PREFIX + fault.errorCode());
        if (fault == DynamoDbFault.TRANSACTION_CONFLICT) {
            // Real DynamoDB spells this one "Message" and lists one reason per transact item, in order.
            StringBuilder codes = new StringBuilder("TransactionConflict");
            for (int i = 1; i < transactItems; i++) {
                codes.append(", None");
            }
            json.put("Message", fault.message() + " [" + codes + "]");
            ArrayNode reasons = json.putArray("CancellationReasons");
            reasons.addObject().put("Code", "TransactionConflict").put("Message", "Transaction is ongoing for the item");
            for (int i = 1; i < transactItems; i++) {
                reasons.addObject().put("Code", "None");
            }
        } else {
            json.put("message", fault.message());
        }
        byte[] bytes;
        try {
            bytes = JSON.writeValueAsBytes(json);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        CRC32 crc = new CRC32();
        crc.update(bytes);
        Map<String, String> headers = Map.of(
                "Content-Type", "application/x-amz-json-1.0",
                "x-amzn-RequestId", requestId(),
                "x-amz-crc32", Long.toString(crc.getValue()));
        return new Reply(400, headers, bytes);
    }

    private void forward(HttpExchange exchange, byte[] body) throws IOException {
        URI requestUri = exchange.getRequestURI();
        String pathAndQuery = (requestUri.getRawPath() == null || requestUri.getRawPath().isEmpty()
                ? "/" : requestUri.getRawPath())
                + (requestUri.getRawQuery() == null ? "" : "?" + requestUri.getRawQuery());
        URI target = URI.create(upstream.getScheme() + "://" + upstream.getRawAuthority() + pathAndQuery);
        HttpRequest.Builder request = HttpRequest.newBuilder(target)
                .method(exchange.getRequestMethod(), body.length == 0
                        ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofByteArray(body));
        exchange.getRequestHeaders().forEach((name, values) -> {
            if (SKIPPED_REQUEST_HEADERS.contains(name.toLowerCase(Locale.ROOT))) {
                return;
            }
            for (String v : values) {
                try {
                    request.header(name, v);
                } catch (IllegalArgumentException restricted) {
                    // a header the JDK client will not send; DynamoDB does not need it
                }
            }
        });
        HttpResponse<byte[]> response;
        try {
            response = client.send(request.build(), HttpResponse.BodyHandlers.ofByteArray());
        } catch (IOException e) {
            // Upstream unreachable: say so honestly as a gateway error.
            byte[] msg = ("DynamoDB upstream unreachable: " + e).getBytes(StandardCharsets.UTF_8);
            send(exchange, 502, Map.of("Content-Type", "text/plain; charset=utf-8"), msg);
            return;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return;
        }
        forwarded.incrementAndGet();
        response.headers().map().forEach((name, values) -> {
            String lower = name.toLowerCase(Locale.ROOT);
            if (!lower.startsWith(":") && !SKIPPED_RESPONSE_HEADERS.contains(lower)) {
                exchange.getResponseHeaders().put(name, values);
            }
        });
        byte[] responseBody = response.body();
        boolean noBody = "HEAD".equalsIgnoreCase(exchange.getRequestMethod())
                || response.statusCode() == 204 || response.statusCode() == 304;
        exchange.sendResponseHeaders(response.statusCode(), noBody || responseBody.length == 0 ? -1 : responseBody.length);
        if (!noBody && responseBody.length > 0) {
            exchange.getResponseBody().write(responseBody);
        }
    }

    private static void send(HttpExchange exchange, int status, Map<String, String> headers, byte[] body)
            throws IOException {
        headers.forEach((k, v) -> exchange.getResponseHeaders().set(k, v));
        exchange.sendResponseHeaders(status, body.length == 0 ? -1 : body.length);
        if (body.length > 0) {
            exchange.getResponseBody().write(body);
        }
    }

    private static String requestId() {
        // DynamoDB request ids are 52 upper-case alphanumerics.
        String hex = (UUID.randomUUID().toString() + UUID.randomUUID()).replace("-", "").toUpperCase(Locale.ROOT);
        return hex.substring(0, 52);
    }

    record Reply(int status, Map<String, String> headers, byte[] body) {
    }

    /** One injectFor window; the deadline makes it end by itself. */
    private static final class Injection {
        private final long endNanos;
        private final Set<String> tables;
        private final double probability;
        private final List<DynamoDbFault> faults;
        private final Random random;
        private long nextFault;

        Injection(long endNanos, Set<String> tables, double probability, List<DynamoDbFault> faults, Random random) {
            this.endNanos = endNanos;
            this.tables = tables;
            this.probability = probability;
            this.faults = faults;
            this.random = random;
        }

        boolean active() {
            return System.nanoTime() - endNanos < 0;
        }

        /** The next fault if this request is hit, else null; synchronized so the seed gives one sequence. */
        synchronized DynamoDbFault next() {
            if (random.nextDouble() >= probability) {
                return null;
            }
            return faults.get((int) (nextFault++ % faults.size()));
        }
    }
}
