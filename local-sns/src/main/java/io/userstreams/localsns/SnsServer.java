package io.userstreams.localsns;

import io.userstreams.localdefaults.LocalDefaults;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.BindException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Locale;
import java.util.Objects;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.awscore.retry.AwsRetryStrategy;
import software.amazon.awssdk.http.apache5.Apache5HttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.sqs.SqsClient;

/**
 * An SNS-compatible endpoint on the JDK's HTTP server: the Query API subset the product uses
 * (CreateTopic, Subscribe, Publish, PublishBatch, GetTopicAttributes, ListTopics, ...; the AWS JSON
 * 1.0 protocol for the same actions is accepted too), with the
 * real service's validation and error codes, delivering synchronously into an SQS server
 * (ElasticMQ) or to HTTP endpoints. Works with the real SDK v2 {@code SnsClient}.
 *
 * <p>Local-only differences: http(s) subscriptions are confirmed at once, the envelope's
 * Signature is not verifiable, SMS/email/Lambda protocols are refused. FIFO topics deduplicate
 * within a 5-minute window (a package-private clock setter lets tests move time).
 */
public final class SnsServer implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(SnsServer.class);
    private static final int MAX_REQUEST_BYTES = 2 * 1024 * 1024;

    static {
        // The JDK server writes headers and body separately; with Nagle on, each response waits for the
        // client's delayed ACK (~40 ms per call). Read once when the JDK's ServerConfig loads, so set it
        // early; an explicit setting by the application wins.
        if (System.getProperty("sun.net.httpserver.nodelay") == null) {
            System.setProperty("sun.net.httpserver.nodelay", "true");
        }
    }

    /**
     * @param host        interface to bind; use 127.0.0.1
     * @param port        0 picks a free port
     * @param region      region in topic ARNs
     * @param accountId   12-digit account id in topic ARNs
     * @param sqsEndpoint the SQS server that sqs subscriptions deliver into; null disables them
     */
    public record Config(String host, int port, String region, String accountId, URI sqsEndpoint) {
        public Config {
            Objects.requireNonNull(host, "host");
            Objects.requireNonNull(region, "region");
            Objects.requireNonNull(accountId, "accountId");
            if (port < 0 || port > 65535) {
                throw new IllegalArgumentException("SNS port must be 0..65535, was " + port);
            }
            if (!accountId.matches("\\d{12}")) {
                throw new IllegalArgumentException("accountId must be 12 digits, was " + accountId);
            }
        }

        /** 127.0.0.1, a free port, us-east-1, account 000000000000. */
        public static Config forTests(URI sqsEndpoint) {
            return new Config(LocalDefaults.HOST, 0, LocalDefaults.REGION, LocalDefaults.ACCOUNT_ID, sqsEndpoint);
        }
    }

    static final int HANDLER_THREADS = 16;

    private final HttpServer server;
    private final ExecutorService executor;
    private final URI endpoint;
    private final SnsFaults faults = new SnsFaults();
    private final SnsService service;
    private final QueryProtocol query;
    private final JsonProtocol json;
    private final Delivery delivery;

    private SnsServer(HttpServer server, ExecutorService executor, URI endpoint, Config config) {
        this.server = server;
        this.executor = executor;
        this.endpoint = endpoint;
        this.delivery = new Delivery(config.sqsEndpoint() == null ? null : sqsClient(config), endpoint);
        this.service = new SnsService(config.region(), config.accountId(), delivery);
        SnsActions actions = new SnsActions(service, faults);
        this.query = new QueryProtocol(actions);
        this.json = new JsonProtocol(actions);
    }

    /**
     * Binds and starts. A taken port fails with an {@link IllegalStateException} naming it.
     */
    public static SnsServer start(Config config) {
        long t0 = System.nanoTime();
        HttpServer server;
        try {
            server = HttpServer.create(new InetSocketAddress(config.host(), config.port()), 64);
        } catch (BindException e) {
            throw new IllegalStateException("SNS endpoint cannot listen on " + config.host() + ":" + config.port()
                    + " (" + e.getMessage() + "): the port is in use; choose another SNS port", e);
        } catch (IOException e) {
            throw new UncheckedIOException("SNS endpoint cannot listen on " + config.host() + ":" + config.port(), e);
        }
        int port = server.getAddress().getPort();
        AtomicInteger n = new AtomicInteger();
        // Publishers of different message groups deliver concurrently, each holding a thread until its
        // messages are in SQS: enough threads for a consumer's lanes (16 publishers at once) to overlap.
        ThreadPoolExecutor executor = new ThreadPoolExecutor(HANDLER_THREADS, HANDLER_THREADS, 30, TimeUnit.SECONDS, new LinkedBlockingQueue<>(),
                r -> {
                    Thread t = new Thread(r, "sns-" + port + "-" + n.incrementAndGet());
                    t.setDaemon(true);
                    return t;
                });
        executor.allowCoreThreadTimeOut(true);
        server.setExecutor(executor);
        URI endpoint = URI.create("http://" + hostForUri(config.host()) + ":" + port);
        SnsServer sns = new SnsServer(server, executor, endpoint, config);
        server.createContext("/", sns::handle);
        server.start();
        log.atInfo().addKeyValue("endpoint", endpoint).addKeyValue("sqsEndpoint", config.sqsEndpoint())
                .addKeyValue("startMillis", (System.nanoTime() - t0) / 1_000_000).log("SNS endpoint started");
        return sns;
    }

    private static String hostForUri(String host) {
        return host.contains(":") ? "[" + host + "]" : host;
    }

    private static SqsClient sqsClient(Config config) {
        return SqsClient.builder()
                .endpointOverride(config.sqsEndpoint())
                .region(Region.of(config.region()))
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("local", "local")))
                .httpClientBuilder(Apache5HttpClient.builder().connectionTimeout(Duration.ofSeconds(2))
                        .socketTimeout(Duration.ofSeconds(5)).maxConnections(HANDLER_THREADS))
                // A local queue that does not answer at once will not answer; don't stall Publish with retries.
                .overrideConfiguration(o -> o.retryStrategy(AwsRetryStrategy.doNotRetry())
                        .apiCallTimeout(Duration.ofSeconds(10)))
                .build();
    }

    public URI endpoint() {
        return endpoint;
    }

    public int port() {
        return endpoint.getPort();
    }

    public SnsFaults faults() {
        return faults;
    }

    /**
     * FIFO topics forget the deduplication ids seen so far, as if recreated: for resetting data
     * between tests that publish the same users' welcomes again within SNS's 5-minute window.
     */
    public void forgetDeduplication() {
        service.forgetDeduplication();
    }

    /** Replaces the clock used for the FIFO deduplication window and notification timestamps (tests). */
    void clock(java.time.Clock clock) {
        service.clock(clock);
    }

    /** Notifications handed to a queue or HTTP endpoint since start. */
    public long deliveredCount() {
        return delivery.delivered();
    }

    /** Deliveries that failed (missing queue, endpoint down) and were dropped, as SNS would after its retries. */
    public long failedDeliveryCount() {
        return delivery.failed();
    }

    /** One HTTP answer; {@code queryError} is the x-amzn-query-error header of JSON protocol errors. */
    record Reply(int status, String contentType, String body, String queryError) {
        static Reply xml(int status, String body) {
            return new Reply(status, "text/xml", body, null);
        }

        static Reply json(int status, String body, String queryError) {
            return new Reply(status, JsonProtocol.CONTENT_TYPE, body, queryError);
        }
    }

    private void handle(HttpExchange ex) throws IOException {
        long t0 = System.nanoTime();
        String requestId = UUID.randomUUID().toString();
        Reply reply;
        boolean jsonProtocol = ex.getRequestHeaders().containsKey("X-Amz-Target");
        try {
            reply = route(ex, requestId, jsonProtocol);
        } catch (RuntimeException e) {
            log.atError().addKeyValue("requestId", requestId).setCause(e).log("SNS endpoint failed on a request");
            SnsError err = new SnsError(500, "InternalFailure", "Internal error: " + e);
            reply = jsonProtocol ? JsonProtocol.error(err) : QueryProtocol.error(err, requestId);
        }
        byte[] bytes = reply.body().getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().set("Content-Type", reply.contentType());
        ex.getResponseHeaders().set("x-amzn-RequestId", requestId);
        if (reply.queryError() != null) {
            ex.getResponseHeaders().set("x-amzn-query-error", reply.queryError());
        }
        ex.sendResponseHeaders(reply.status(), bytes.length == 0 ? -1 : bytes.length);
        try (OutputStream out = ex.getResponseBody()) {
            out.write(bytes);
        }
        log.atDebug().addKeyValue("requestId", requestId).addKeyValue("status", reply.status())
                .addKeyValue("durationMicros", (System.nanoTime() - t0) / 1000).log("sns request");
    }

    private Reply route(HttpExchange ex, String requestId, boolean jsonProtocol) throws IOException {
        String method = ex.getRequestMethod().toUpperCase(Locale.ROOT);
        String rawQuery = ex.getRequestURI().getRawQuery();
        if (method.equals("GET") && !jsonProtocol) {
            // The envelope's UnsubscribeURL is a GET with the parameters in the query string.
            return query.handle(QueryParams.parse(rawQuery), requestId);
        }
        if (!method.equals("POST")) {
            return QueryProtocol.error(new SnsError(405, "MethodNotAllowed", "Use POST"), requestId);
        }
        byte[] body;
        try (InputStream in = ex.getRequestBody()) {
            body = in.readNBytes(MAX_REQUEST_BYTES + 1);
        }
        if (body.length > MAX_REQUEST_BYTES) {
            SnsError tooLarge = new SnsError(413, "RequestEntityTooLarge",
                    "Request body is larger than " + MAX_REQUEST_BYTES + " bytes");
            return jsonProtocol ? JsonProtocol.error(tooLarge) : QueryProtocol.error(tooLarge, requestId);
        }
        if (jsonProtocol) {
            return json.handle(ex.getRequestHeaders().getFirst("X-Amz-Target"), body);
        }
        return query.handle(QueryParams.parse(rawQuery, new String(body, StandardCharsets.UTF_8)), requestId);
    }

    /** Stops accepting requests, waits briefly for those in flight, then stops the threads and the SQS client. */
    @Override
    public void close() {
        server.stop(0);
        executor.shutdown();
        try {
            if (!executor.awaitTermination(2, TimeUnit.SECONDS)) {
                executor.shutdownNow();
            }
        } catch (InterruptedException e) {
            executor.shutdownNow();
            Thread.currentThread().interrupt();
        }
        delivery.close();
        log.atInfo().addKeyValue("endpoint", endpoint).log("SNS endpoint stopped");
    }
}
