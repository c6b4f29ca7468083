package io.userstreams.localstack;

import io.userstreams.localstack.LocalStackOptions.Server;
import io.userstreams.localstack.opensearch.OpenSearchNode;
import io.userstreams.localsns.SnsServer;
import io.userstreams.localdynamodb.LocalDynamoDb;
import io.userstreams.localses.LocalMailServer;
import io.userstreams.localses.SesServer;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.FutureTask;
import java.util.concurrent.atomic.AtomicInteger;
import org.opensearch.client.opensearch.OpenSearchClient;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.streams.DynamoDbStreamsClient;
import software.amazon.awssdk.services.sns.SnsClient;
import software.amazon.awssdk.services.sqs.SqsClient;

/**
 * The local AWS stack on 127.0.0.1: the local DynamoDB (with Streams) and ElasticMQ in this JVM, the
 * project's SNS endpoint in this JVM delivering into ElasticMQ, and a real OpenSearch node as a child
 * process. {@link #start} checks every port first, starts the servers in parallel (OpenSearch, the
 * slowest, first), creates the resources from template.yaml and logs one start-up line with each
 * server's time. {@link #close} stops everything in reverse order; a JVM shutdown hook does the same.
 */
public final class LocalStack implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(LocalStack.class);
    private static final AtomicInteger THREADS = new AtomicInteger();

    private final LocalStackOptions options;
    private final String host = LocalStackOptions.DEFAULT_HOST;
    private final Object lock = new Object();
    private final Map<String, Duration> startupTimes = Collections.synchronizedMap(new LinkedHashMap<>());
    private volatile Duration totalStartup = Duration.ZERO;

    // Servers, set as each comes up; guarded by lock so close() during start-up stops what exists.
    private LocalDynamoDb dynamoDbServer;
    private ElasticMqServer sqsServer;
    private SnsServer snsServer;
    private LocalMailServer mailServer;
    private SesServer sesServer;
    private OpenSearchNode openSearchNode;
    private boolean closed;
    private Thread shutdownHook;

    private volatile URI dynamoDbEndpoint;
    private volatile URI sqsEndpoint;
    private volatile URI snsEndpoint;
    private volatile URI sesEndpoint;
    private volatile URI openSearchEndpoint;
    private volatile LocalResources resources;

    // Clients, created on first use and closed with the stack.
    private DynamoDbClient dynamoDb;
    private DynamoDbStreamsClient dynamoDbStreams;
    private SnsClient sns;
    private SqsClient sqs;
    private OpenSearchClient openSearch;

    private LocalStack(LocalStackOptions options) {
        this.options = options;
    }

    /**
     * Starts the stack and, unless switched off, creates the resources. Fails before starting anything
     * when a configured port is in use ({@link PortInUseException}); when a later step fails, whatever
     * already started is stopped before the error is thrown.
     */
    public static LocalStack start(LocalStackOptions options) {
        LocalStack stack = new LocalStack(options);
        try {
            stack.doStart();
            return stack;
        } catch (RuntimeException | Error e) {
            stack.close();
            throw e;
        }
    }

    private void doStart() {
        long t0 = System.nanoTime();
        Map<Server, Integer> ports = checkPorts(options, host);
        if (options.shutdownHook()) {
            shutdownHook = new Thread(this::closeFromHook, "local-stack-shutdown");
            Runtime.getRuntime().addShutdownHook(shutdownHook);
        }
        prepareFolders();
        ExecutorService pool = Executors.newFixedThreadPool(1, r -> {
            Thread t = new Thread(r, "local-stack-start-" + THREADS.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        FutureTask<Void> openSearchStart = null;
        Thread openSearchThread = null;
        Future<?> dynamoDbStart = null;
        try {
            if (options.openSearch()) {
                // ~10 s (60-100 s on a busy machine): started first, the in-process servers come up meanwhile.
                // Its own thread, so a failure elsewhere can interrupt it (the node then kills its process).
                int port = ports.get(Server.OPENSEARCH);
                openSearchStart = new FutureTask<>(timed("opensearch", () -> {
                    // The shared root keeps the unpacked distribution across runs; the node's own folder goes on close.
                    OpenSearchNode node = OpenSearchNode.start(new OpenSearchNode.Config(host, port,
                            options.cacheDir().resolve("opensearch"), options.openSearchStartTimeout()));
                    register(node::close, () -> openSearchNode = node);
                    openSearchEndpoint = URI.create(String.valueOf(node.endpoint()));
                    return null;
                }));
                openSearchThread = new Thread(openSearchStart, "local-stack-opensearch-" + THREADS.incrementAndGet());
                openSearchThread.setDaemon(true);
                openSearchThread.start();
            }
            // The template is read up front: a broken one fails before the servers are waited for.
            ResourceCreator creator = options.createResources()
                    ? new ResourceCreator(ResourceCreator.loadTemplate(options.template().orElse(null))) : null;
            LocalResources.Builder resourcesBuilder = new LocalResources.Builder();
            dynamoDbStart = pool.submit(() -> {
                timed("dynamodb", () -> {
                    LocalDynamoDb.Builder db = LocalDynamoDb.builder().host(host).port(ports.get(Server.DYNAMODB))
                            .region(options.region()).accountId(options.accountId())
                            .shardsPerStream(options.dynamoDbShards())
                            .shardRollOverInterval(options.shardRollOverInterval())
                            .ttlSweepInterval(options.ttlSweepInterval());
                    options.dynamoDbDataDir().ifPresent(db::dataDirectory);
                    LocalDynamoDb server = db.start();
                    register(server::close, () -> dynamoDbServer = server);
                    dynamoDbEndpoint = server.endpoint();
                    return null;
                }).call();
                if (creator != null) {
                    // Tables while ElasticMQ and the SNS endpoint still start.
                    timed("tables", () -> {
                        creator.createTables(dynamoDb(), resourcesBuilder);
                        return null;
                    }).call();
                }
                return null;
            });
            call(timed("sqs", () -> {
                ElasticMqServer server = ElasticMqServer.start(host, ports.get(Server.SQS), options.region(),
                        options.accountId());
                register(server::close, () -> sqsServer = server);
                sqsEndpoint = server.endpoint();
                return null;
            }));
            call(timed("sns", () -> {
                SnsServer server = SnsServer.start(new SnsServer.Config(host, ports.get(Server.SNS), options.region(),
                        options.accountId(), sqsEndpoint));
                register(server::close, () -> snsServer = server);
                snsEndpoint = URI.create(String.valueOf(server.endpoint()));
                return null;
            }));
            call(timed("mail", () -> {
                // A real SMTP/IMAP server and the SES v2 endpoint that relays into it.
                LocalMailServer mail = LocalMailServer.start(host, ports.get(Server.SMTP), ports.get(Server.IMAP));
                register(mail::close, () -> mailServer = mail);
                SesServer ses = SesServer.start(new SesServer.Config(host, ports.get(Server.SES), options.region(),
                        host, mail.smtpPort(), java.util.Set.of(LocalResources.LOCAL_MAIL_DOMAIN), java.util.Set.of()));
                register(ses::close, () -> sesServer = ses);
                sesEndpoint = ses.endpoint();
                return null;
            }));
            await(dynamoDbStart);
            if (creator != null) {
                call(timed("messaging", () -> {
                    creator.createMessaging(sns(), sqs(), resourcesBuilder);
                    resourcesBuilder.configurationSets.forEach(sesServer::createConfigurationSet);
                    return null;
                }));
            }
            if (openSearchStart != null) {
                await(openSearchStart);
            }
            if (creator != null) {
                ResourceCreator c = creator;
                LocalResources.Builder b = resourcesBuilder;
                c.indexSpec().ifPresent(spec -> b.openSearchIndex = spec.name());
                if (openSearchEnabled() && c.indexSpec().isPresent()) {
                    call(timed("index", () -> {
                        ResourceCreator.createIndex(openSearch(), c.indexSpec().get());
                        return null;
                    }));
                }
                describeEndpoints(b);
                resources = new LocalResources(b);
            }
        } catch (RuntimeException | Error e) {
            // Stop or finish every start in flight so nothing it starts outlives the failure; close() stops
            // what did start. OpenSearch is interrupted rather than awaited: it may be a minute from ready.
            if (openSearchThread != null) {
                openSearchThread.interrupt();
                joinQuietly(openSearchThread);
            }
            awaitQuietly(dynamoDbStart);
            throw e;
        } finally {
            pool.shutdownNow();
        }
        totalStartup = Duration.ofNanos(System.nanoTime() - t0);
        var event = log.atInfo().addKeyValue("totalMs", totalStartup.toMillis());
        for (Map.Entry<String, Duration> e : startupTimes().entrySet()) {
            event = event.addKeyValue(e.getKey() + "Ms", e.getValue().toMillis());
        }
        event.log(startupSummary());
    }

    /** One line: total start-up time and each step's, e.g. for the test log. */
    public String startupSummary() {
        StringBuilder s = new StringBuilder("local stack started in ").append(totalStartup.toMillis()).append(" ms (");
        String sep = "";
        for (Map.Entry<String, Duration> e : startupTimes().entrySet()) {
            s.append(sep).append(e.getKey()).append(' ').append(e.getValue().toMillis()).append(" ms");
            sep = ", ";
        }
        s.append("): dynamodb ").append(dynamoDbEndpoint).append(", sqs ").append(sqsEndpoint)
                .append(", sns ").append(snsEndpoint).append(", ses ").append(sesEndpoint)
                .append(", smtp ").append(mailServer == null ? "off" : host + ":" + mailServer.smtpPort())
                .append(", imap ").append(mailServer == null ? "off" : host + ":" + mailServer.imapPort())
                .append(", opensearch ").append(openSearchEndpoint == null ? "off" : openSearchEndpoint.toString());
        return s.toString();
    }

    /** Start-up time of each server and of resource creation, in the order they finished. */
    public Map<String, Duration> startupTimes() {
        synchronized (startupTimes) {
            return Collections.unmodifiableMap(new LinkedHashMap<>(startupTimes));
        }
    }

    public Duration totalStartupTime() {
        return totalStartup;
    }

    // ---------------------------------------------------------------- ports

    /**
     * Checks every fixed port (0 stays 0: each server binds a free port itself, without a race)
     * and fails, before anything starts, when a fixed port is taken or given twice.
     */
    static Map<Server, Integer> checkPorts(LocalStackOptions options, String host) {
        Map<Server, Integer> ports = new EnumMap<>(Server.class);
        List<String> problems = new ArrayList<>();
        Map<Integer, Server> seen = new LinkedHashMap<>();
        List<PortInUseException.Conflict> conflicts = new ArrayList<>();
        for (Server server : Server.values()) {
            if (server == Server.OPENSEARCH && !options.openSearch()) {
                continue;
            }
            int port = options.port(server);
            if (port != LocalStackOptions.FREE_PORT) {
                Server other = seen.putIfAbsent(port, server);
                if (other != null) {
                    problems.add("port " + port + " is set for both " + other.displayName() + " and "
                            + server.displayName() + ": change one with " + server.flag() + " / " + server.variable());
                } else if (!Ports.isFree(host, port)) {
                    conflicts.add(new PortInUseException.Conflict(server, port));
                }
            }
            ports.put(server, port);
        }
        if (!conflicts.isEmpty()) {
            throw new PortInUseException(conflicts);
        }
        if (!problems.isEmpty()) {
            throw new IllegalArgumentException(String.join("; ", problems));
        }
        return ports;
    }



    // ---------------------------------------------------------------- start helpers

    private Callable<Void> timed(String name, Callable<Void> step) {
        return () -> {
            long t = System.nanoTime();
            step.call();
            startupTimes.put(name, Duration.ofNanos(System.nanoTime() - t));
            return null;
        };
    }

    private static void call(Callable<Void> step) {
        try {
            step.call();
        } catch (RuntimeException e) {
            throw e;
        } catch (Exception e) {
            throw new LocalStackException(e.getMessage(), e);
        }
    }

    private static void await(Future<?> future) {
        try {
            future.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new LocalStackException("interrupted while starting the local stack", e);
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof RuntimeException re) {
                throw re;
            }
            if (cause instanceof Error err) {
                throw err;
            }
            throw new LocalStackException(String.valueOf(cause.getMessage()), cause);
        }
    }

    private static void awaitQuietly(Future<?> future) {
        if (future == null) {
            return;
        }
        try {
            future.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException ignored) {
            // reported by the step that failed first
        }
    }

    private static void joinQuietly(Thread thread) {
        try {
            thread.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Records a started server, or stops it at once when the stack was closed meanwhile (Ctrl-C). */
    private void register(AutoCloseable server, Runnable assign) {
        synchronized (lock) {
            if (!closed) {
                assign.run();
                return;
            }
        }
        closeQuietly("late server", server);
        throw new LocalStackException("the local stack was closed while starting");
    }

    private void prepareFolders() {
        try {
            if (options.stateDir().isPresent()) {
                Files.createDirectories(options.stateDir().get());
            }
        } catch (IOException e) {
            throw new LocalStackException("cannot create the state folder " + options.stateDir().get() + ": "
                    + e.getMessage() + " (choose another with --state-dir)", e);
        }
    }

    // ---------------------------------------------------------------- accessors

    public LocalStackOptions options() {
        return options;
    }

    public String region() {
        return options.region();
    }

    /**
     * The local DynamoDB itself, for tests that steer it: shard roll-over and split
     * ({@code localDynamoDb().streams()}), faults, a TTL sweep now.
     */
    public LocalDynamoDb localDynamoDb() {
        ensureOpen();
        LocalDynamoDb server = dynamoDbServer;
        if (server == null) {
            throw new IllegalStateException("DynamoDB is not running in this local stack");
        }
        return server;
    }

    public URI dynamoDbEndpoint() {
        return dynamoDbEndpoint;
    }

    /** DynamoDB Streams is served by the local DynamoDB on the same endpoint. */
    public URI dynamoDbStreamsEndpoint() {
        return dynamoDbEndpoint;
    }

    public URI sqsEndpoint() {
        return sqsEndpoint;
    }

    public URI snsEndpoint() {
        return snsEndpoint;
    }

    /** The SES v2 endpoint (relays into {@link #mailServer()}). */
    public URI sesEndpoint() {
        return sesEndpoint;
    }

    /** The SES endpoint itself, e.g. {@code sesServer().faults()} for throttling tests. */
    public SesServer sesServer() {
        return sesServer;
    }

    /** The SMTP/IMAP server the SES endpoint delivers into; tests read inboxes over IMAP. */
    public LocalMailServer mailServer() {
        return mailServer;
    }

    /** The OpenSearch endpoint; {@code null} when the stack runs without OpenSearch. */
    public URI openSearchEndpoint() {
        return openSearchEndpoint;
    }

    public boolean openSearchEnabled() {
        return openSearchEndpoint != null;
    }

    /** The SNS server itself, e.g. {@code snsServer().faults()} for fault-injection tests. */
    public SnsServer snsServer() {
        return snsServer;
    }

    /** The OpenSearch node (pid, version); empty when OpenSearch is off. */
    public Optional<OpenSearchNode> openSearchNode() {
        return Optional.ofNullable(openSearchNode);
    }

    /**
     * Restarts the OpenSearch node on the same ports with its data kept, as a node restart,
     * relocation or blue/green update does: what the node held only in memory (delete tombstones)
     * is gone. The stack stops the new node on close.
     */
    public void restartOpenSearch() {
        OpenSearchNode old;
        synchronized (lock) {
            if (closed) {
                throw new LocalStackException("the local stack is closed");
            }
            old = openSearchNode;
        }
        if (old == null) {
            throw new IllegalStateException("this local stack runs no OpenSearch node");
        }
        OpenSearchNode restarted = old.restart();
        register(restarted::close, () -> openSearchNode = restarted);
    }


    /** The resources created from template.yaml; creates them first when start-up did not. */
    public LocalResources resources() {
        LocalResources r = resources;
        if (r == null) {
            synchronized (lock) {
                if (resources == null) {
                    resources = LocalResources.create(this);
                }
                r = resources;
            }
        }
        return r;
    }

    /** The variables a runtime or child process needs to use this stack; see {@link LocalResources#environment()}. */
    public Map<String, String> environment() {
        return resources().environment();
    }

    void describeEndpoints(LocalResources.Builder b) {
        b.region = options.region();
        b.dynamoDbEndpoint = dynamoDbEndpoint;
        b.sqsEndpoint = sqsEndpoint;
        b.snsEndpoint = snsEndpoint;
        b.sesEndpoint = sesEndpoint;
        if (mailServer != null) {
            b.smtpPort = mailServer.smtpPort();
            b.imapPort = mailServer.imapPort();
        }
        b.openSearchEndpoint = openSearchEndpoint;
    }

    // ---------------------------------------------------------------- clients

    public DynamoDbClient dynamoDb() {
        synchronized (lock) {
            ensureOpen();
            if (dynamoDb == null) {
                dynamoDb = LocalClients.dynamoDb(require(dynamoDbEndpoint, "DynamoDB"), region());
            }
            return dynamoDb;
        }
    }

    public DynamoDbStreamsClient dynamoDbStreams() {
        synchronized (lock) {
            ensureOpen();
            if (dynamoDbStreams == null) {
                dynamoDbStreams = LocalClients.dynamoDbStreams(require(dynamoDbEndpoint, "DynamoDB"), region());
            }
            return dynamoDbStreams;
        }
    }

    public SnsClient sns() {
        synchronized (lock) {
            ensureOpen();
            if (sns == null) {
                sns = LocalClients.sns(require(snsEndpoint, "SNS"), region());
            }
            return sns;
        }
    }

    public SqsClient sqs() {
        synchronized (lock) {
            ensureOpen();
            if (sqs == null) {
                sqs = LocalClients.sqs(require(sqsEndpoint, "SQS"), region());
            }
            return sqs;
        }
    }

    /** The OpenSearch client; fails when the stack runs without OpenSearch. */
    public OpenSearchClient openSearch() {
        synchronized (lock) {
            ensureOpen();
            if (openSearch == null) {
                if (openSearchEndpoint == null) {
                    throw new IllegalStateException("OpenSearch is off in this local stack: start it with "
                            + "LocalStackOptions...openSearch(true) (standalone: drop --no-opensearch)");
                }
                openSearch = LocalClients.openSearch(openSearchEndpoint);
            }
            return openSearch;
        }
    }

    /**
     * Creates an SQS queue, subscribes it to the topic (raw or with the SNS JSON envelope) and returns
     * its URL: the way a test reads what was published.
     */
    public String subscribeQueue(String topicArn, String queueName, boolean raw) {
        String url = sqs().createQueue(r -> r.queueName(queueName)).queueUrl();
        String arn = sqs().getQueueAttributes(r -> r.queueUrl(url)
                .attributeNamesWithStrings("QueueArn")).attributesAsStrings().get("QueueArn");
        sns().subscribe(r -> r.topicArn(topicArn).protocol("sqs").endpoint(arn)
                .attributes(Map.of("RawMessageDelivery", Boolean.toString(raw))));
        return url;
    }

    private static URI require(URI endpoint, String what) {
        if (endpoint == null) {
            throw new IllegalStateException(what + " is not running in this local stack");
        }
        return endpoint;
    }

    private void ensureOpen() {
        if (closed) {
            throw new IllegalStateException("the local stack is closed");
        }
    }

    // ---------------------------------------------------------------- close

    /** Stops clients, SNS, SQS, DynamoDB and OpenSearch, in that order. Safe to call more than once. */
    @Override
    public void close() {
        List<Runnable> steps = new ArrayList<>();
        synchronized (lock) {
            if (closed) {
                return;
            }
            closed = true;
            // Clients first, then the servers in reverse start order (SNS delivers into SQS).
            List<AutoCloseable> clients = new ArrayList<>();
            Collections.addAll(clients, dynamoDb, dynamoDbStreams, sns, sqs);
            OpenSearchClient os = openSearch;
            SnsServer snsS = snsServer;
            SesServer sesS = sesServer;
            LocalMailServer mailS = mailServer;
            ElasticMqServer sqsS = sqsServer;
            LocalDynamoDb ddbS = dynamoDbServer;
            OpenSearchNode osN = openSearchNode;
            steps.add(() -> clients.forEach(c -> closeQuietly("client", c)));
            if (os != null) {
                steps.add(() -> closeQuietly("opensearch client", os._transport()));
            }
            steps.add(() -> closeQuietly("ses", sesS));
            steps.add(() -> closeQuietly("mail", mailS));
            steps.add(() -> closeQuietly("sns", snsS == null ? null : snsS::close));
            steps.add(() -> closeQuietly("sqs", sqsS));
            steps.add(() -> closeQuietly("dynamodb", ddbS));
            steps.add(() -> closeQuietly("opensearch", osN == null ? null : osN::close));
        }
        long t = System.nanoTime();
        steps.forEach(Runnable::run);
        Thread hook = shutdownHook;
        if (hook != null && Thread.currentThread() != hook) {
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException shuttingDown) {
                // the JVM is exiting; the hook is running or about to, and will find the stack closed
            }
        }
        log.atInfo().addKeyValue("durationMs", Duration.ofNanos(System.nanoTime() - t).toMillis()).log("local stack stopped");
    }

    private void closeFromHook() {
        close();
    }

    private static void closeQuietly(String what, AutoCloseable c) {
        if (c == null) {
            return;
        }
        try {
            c.close();
        } catch (Exception e) {
            log.atWarn().addKeyValue("server", what).setCause(e).log("stopping failed");
        }
    }

}
