package io.userstreams.localstack.opensearch;

import io.userstreams.localstack.Ports;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A real single-node OpenSearch running as a child process on 127.0.0.1.
 *
 * <p>3.6.0 runs on a JDK 21+ when one is installed, otherwise 2.19.6 on the running JDK 17. The
 * distribution comes from the local Maven repository (Maven resolves it during the build) and is
 * unpacked once per version under {@link Config#stateRoot()}; each node gets its own state folder
 * there (config copy, data, logs, captured output, pid file) that is deleted on {@link #close()}.
 * As root, OpenSearch (which refuses root) runs as uid 65534 through {@code setpriv}.
 *
 * <p>Every node is stopped by {@link #close()} and by a JVM shutdown hook; a node left behind by
 * a killed JVM is stopped on the next start that uses the same state root.
 */
public final class OpenSearchNode implements AutoCloseable {

    /**
     * The node's heap, and the client compiler only: a local node serves a few requests per second,
     * and without C2 it starts on half the CPU (9-10 instead of 18-20 CPU seconds measured on the
     * 2-core build machine, where a build starts a dozen nodes).
     */
    static final String JAVA_OPTS = "-Xms512m -Xmx512m -XX:TieredStopAtLevel=1";

    /** uid/gid OpenSearch runs as when we are root ("nobody"). */
    static final int UNPRIVILEGED_ID = 65534;
    /** Lines of the node's output quoted in a start failure. */
    static final int LOG_TAIL_LINES = 40;

    private static final Logger log = LoggerFactory.getLogger(OpenSearchNode.class);
    private static final Pattern HEALTH_STATUS = Pattern.compile("\"status\"\\s*:\\s*\"(green|yellow)\"");
    private static final Pattern VERSION_NUMBER = Pattern.compile("\"number\"\\s*:\\s*\"([^\"]+)\"");
    private static final Set<OpenSearchNode> LIVE = ConcurrentHashMap.newKeySet();
    private static volatile boolean reaperInstalled;

    private final Process process;
    private final URI endpoint;
    private final Path folder;
    private final Path logFile;
    private final int transportPort;
    private volatile String version;
    private volatile Duration startDuration = Duration.ZERO;
    private boolean closed;

    /**
     * Where and how to run the node.
     *
     * @param host           loopback address to bind (127.0.0.1)
     * @param httpPort       HTTP port; 0 picks a free one
     * @param stateRoot      holds the unpacked distributions and one folder per running node
     * @param startTimeout   how long to wait for the cluster to answer yellow/green
     * @param extraSettings  additional {@code -Ekey=value} settings (tests use it to force a failure)
     */
    public record Config(String host, int httpPort, Path stateRoot, Duration startTimeout, List<String> extraSettings) {

        /**
         * 10 s on an idle 2-core machine, but 60-100 s were measured while other test JVMs kept
         * the load average at 12-20.
         */
        public static final Duration DEFAULT_START_TIMEOUT = Duration.ofSeconds(240);

        public Config {
            Objects.requireNonNull(host, "host");
            Objects.requireNonNull(stateRoot, "stateRoot");
            Objects.requireNonNull(startTimeout, "startTimeout");
            if (httpPort < 0 || httpPort > 65535) {
                throw new IllegalArgumentException("OpenSearch HTTP port must be 0..65535, got " + httpPort);
            }
            try {
                if (!InetAddress.getByName(host).isLoopbackAddress()) {
                    throw new IllegalArgumentException("OpenSearch binds loopback only, got host " + host);
                }
            } catch (UnknownHostException e) {
                throw new IllegalArgumentException("Unknown host " + host, e);
            }
            if (startTimeout.isNegative() || startTimeout.isZero()) {
                throw new IllegalArgumentException("startTimeout must be positive");
            }
            stateRoot = stateRoot.toAbsolutePath().normalize();
            extraSettings = List.copyOf(extraSettings == null ? List.of() : extraSettings);
        }

        public Config(String host, int httpPort, Path stateRoot, Duration startTimeout) {
            this(host, httpPort, stateRoot, startTimeout, List.of());
        }

        /**
         * Free ports, the shared default state root, {@link #DEFAULT_START_TIMEOUT} to start. A crash
         * is reported as soon as the process exits; the timeout only bounds a node that hangs.
         */
        public static Config forTests() {
            return new Config("127.0.0.1", 0, defaultStateRoot(), DEFAULT_START_TIMEOUT);
        }

        /** The given HTTP port (9200 by convention), the shared default state root. */
        public static Config standalone(int port) {
            return new Config("127.0.0.1", port, defaultStateRoot(), DEFAULT_START_TIMEOUT);
        }

        /**
         * {@code $USER_STREAMS_STATE_DIR/opensearch} (or {@code -Duserstreams.state.dir}), else
         * {@code <tmp>/user-streams-<user>/opensearch}: a place every module's tests share, so the
         * 161 MB distribution is unpacked once, and one that uid 65534 can traverse when we are root.
         */
        public static Path defaultStateRoot() {
            String configured = System.getProperty("userstreams.state.dir", System.getenv("USER_STREAMS_STATE_DIR"));
            if (configured != null && !configured.isBlank()) {
                return Path.of(configured, "opensearch");
            }
            return Path.of(System.getProperty("java.io.tmpdir"), "user-streams-" + System.getProperty("user.name"), "opensearch");
        }

        public Config withHttpPort(int port) {
            return new Config(host, port, stateRoot, startTimeout, extraSettings);
        }

        public Config withStateRoot(Path root) {
            return new Config(host, httpPort, root, startTimeout, extraSettings);
        }

        public Config withStartTimeout(Duration timeout) {
            return new Config(host, httpPort, stateRoot, timeout, extraSettings);
        }

        /** Adds {@code -Ekey=value}; meant for tests (e.g. a bogus setting to see a start failure). */
        public Config withSetting(String key, String value) {
            List<String> settings = new ArrayList<>(extraSettings);
            settings.add(key + "=" + value);
            return new Config(host, httpPort, stateRoot, startTimeout, settings);
        }
    }

    private OpenSearchNode(Process process, URI endpoint, Path folder, Path logFile, int transportPort, String version) {
        this.process = process;
        this.endpoint = endpoint;
        this.folder = folder;
        this.logFile = logFile;
        this.transportPort = transportPort;
        this.version = version;
    }

    /**
     * Starts a node and blocks until {@code GET /_cluster/health} answers yellow or green.
     *
     * @throws OpenSearchStartException when the port is taken, the node exits, or it is not ready
     *                                  in time (with the tail of its log)
     */
    public static OpenSearchNode start(Config config) {
        return start(config, DistributionChoice.detect());
    }

    /** Starts a given version on a given JDK (tests use it to run the 2.19.6 fallback on JDK 17). */
    static OpenSearchNode start(Config config, DistributionChoice choice) {
        Path zip = Distributions.locateZip(Distributions.localRepository(), choice.version());
        boolean root = Processes.currentUid() == 0;
        Path nodesRoot = config.stateRoot().resolve("nodes");
        Path home;
        try {
            createShared(config.stateRoot());
            if (root) {
                requireTraversableByUnprivileged(config.stateRoot());
            }
            home = Distributions.unpack(zip, config.stateRoot().resolve("dist"), choice.version());
            createShared(nodesRoot);
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot prepare OpenSearch state root " + config.stateRoot() + ": " + e.getMessage(), e);
        }
        StaleNodes.sweep(nodesRoot);

        boolean pickPorts = config.httpPort() == 0;
        if (!pickPorts && !Ports.isFree(config.host(), config.httpPort())) {
            throw new OpenSearchStartException(portInUseMessage(config.host(), config.httpPort()), null, null);
        }
        // auto-picked ports can be grabbed by someone else before OpenSearch binds them: retry once
        int attempts = pickPorts ? 2 : 1;
        for (int attempt = 1; ; attempt++) {
            try {
                return launch(config, choice, home, nodesRoot, root,
                        pickPorts ? Ports.freePort(config.host()) : config.httpPort(),
                        Ports.freePort(config.host()));
            } catch (PortRaceException e) {
                if (attempt >= attempts) {
                    throw e.failure;
                }
                log.atInfo().addKeyValue("attempt", attempt).log("OpenSearch lost a port race; retrying with new ports");
            }
        }
    }

    private static OpenSearchNode launch(Config config, DistributionChoice choice, Path home, Path nodesRoot,
                                         boolean root, int httpPort, int transportPort) {
        ProcessHandle self = ProcessHandle.current();
        Path folder = nodesRoot.resolve(StaleNodes.folderName(self.pid(), UUID.randomUUID().toString().substring(0, 8)));
        return launchIn(config, choice, home, folder, root, httpPort, transportPort);
    }

    /** How a node was launched, so it can be started again on the same folder and ports. */
    private record Launch(Config config, DistributionChoice choice, Path home, boolean root, int httpPort) {
    }

    private volatile Launch launchedWith;

    /**
     * Stops the node (SIGTERM) and starts it again on the same ports and data folder — what a node
     * restart, a relocation or a blue/green update does to the node's in-memory state (tests use
     * it). This node is closed without deleting its data; use the returned node from now on.
     */
    public OpenSearchNode restart() {
        synchronized (this) {
            if (closed) {
                throw new IllegalStateException("node already closed");
            }
            closed = true;
        }
        boolean forced = stopProcess();
        log.atInfo().addKeyValue("pid", process.pid()).addKeyValue("signal", forced ? "SIGKILL" : "SIGTERM")
                .log("OpenSearch stopped for a restart (data kept)");
        Launch l = launchedWith;
        return launchIn(l.config(), l.choice(), l.home(), folder, l.root(), l.httpPort(), transportPort);
    }

    private static OpenSearchNode launchIn(Config config, DistributionChoice choice, Path home, Path folder,
                                           boolean root, int httpPort, int transportPort) {
        long startNanos = System.nanoTime();
        ProcessHandle self = ProcessHandle.current();
        Path logFile = folder.resolve("opensearch.log");
        Process process;
        try {
            if (!Files.exists(folder.resolve("config"))) {
                prepareFolder(home, folder, root);
            }
            ProcessBuilder builder = new ProcessBuilder(command(config, home, folder, root, httpPort, transportPort))
                    .directory(folder.toFile())
                    .redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(logFile.toFile()))
                    .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
            Map<String, String> env = builder.environment();
            env.keySet().removeAll(List.of("JAVA_TOOL_OPTIONS", "JAVA_OPTS", "_JAVA_OPTIONS", "OPENSEARCH_HOME", "JDK_JAVA_OPTIONS"));
            env.put("JAVA_HOME", choice.javaHome().toString());
            env.put("OPENSEARCH_JAVA_HOME", choice.javaHome().toString());
            env.put("OPENSEARCH_PATH_CONF", folder.resolve("config").toString());
            env.put("OPENSEARCH_TMPDIR", folder.resolve("tmp").toString());
            env.put("OPENSEARCH_JAVA_OPTS", JAVA_OPTS);
            if (root) {
                env.put("HOME", folder.toString());
            }
            process = builder.start();
        } catch (IOException e) {
            throw new OpenSearchStartException("Could not launch OpenSearch " + choice.version() + " from " + home
                    + ": " + e.getMessage(), logFile, e);
        }
        URI endpoint = URI.create("http://" + config.host() + ":" + httpPort);
        OpenSearchNode node = new OpenSearchNode(process, endpoint, folder, logFile, transportPort, choice.version());
        node.launchedWith = new Launch(config, choice, home, root, httpPort);
        register(node);
        try {
            StaleNodes.write(folder, new StaleNodes.PidFile(process.pid(), self.pid(), StaleNodes.startOf(self), httpPort));
        } catch (IOException e) {
            log.atWarn().addKeyValue("folder", folder.toString()).log("Could not write the OpenSearch pid file: " + e);
        }
        log.atInfo().addKeyValue("version", choice.version()).addKeyValue("javaHome", choice.javaHome().toString())
                .addKeyValue("pid", process.pid()).addKeyValue("httpPort", httpPort).addKeyValue("transportPort", transportPort)
                .addKeyValue("user", root ? "uid " + UNPRIVILEGED_ID : "current").addKeyValue("folder", folder.toString())
                .log("Starting OpenSearch");
        try {
            node.awaitReady(config.startTimeout(), choice, startNanos);
        } catch (RuntimeException e) {
            LIVE.remove(node);
            Processes.killTreeNow(process.toHandle());
            String tail = tail(logFile, LOG_TAIL_LINES);
            OpenSearchStartException failure = new OpenSearchStartException(e.getMessage()
                    + "\nFull log: " + logFile + "\nLast " + LOG_TAIL_LINES + " lines:\n" + tail, logFile, e);
            if (config.httpPort() == 0 && (tail.contains("BindException") || tail.contains("Address already in use"))) {
                throw new PortRaceException(failure);
            }
            throw failure;
        }
        node.startDuration = Duration.ofNanos(System.nanoTime() - startNanos);
        log.atInfo().addKeyValue("version", node.version).addKeyValue("endpoint", endpoint.toString())
                .addKeyValue("pid", process.pid()).addKeyValue("startMs", node.startDuration.toMillis())
                .log("OpenSearch ready");
        return node;
    }

    /** Signals an auto-picked port taken between our check and OpenSearch's bind. */
    private static final class PortRaceException extends RuntimeException {
        final OpenSearchStartException failure;

        PortRaceException(OpenSearchStartException failure) {
            super(failure.getMessage(), failure, false, false);
            this.failure = failure;
        }
    }

    static String portInUseMessage(String host, int port) {
        return "OpenSearch HTTP port " + port + " on " + host + " is already in use. Stop what is using it, or choose "
                + "another port: --opensearch-port <port> (standalone) or the OPENSEARCH_PORT environment variable; "
                + "0 picks a free port.";
    }

    private static List<String> command(Config config, Path home, Path folder, boolean root, int httpPort, int transportPort) {
        List<String> command = new ArrayList<>();
        if (root) {
            // OpenSearch refuses to run as root
            command.addAll(List.of("setpriv", "--reuid=" + UNPRIVILEGED_ID, "--regid=" + UNPRIVILEGED_ID, "--clear-groups", "--"));
        }
        command.add(home.resolve("bin").resolve("opensearch").toString());
        command.addAll(List.of(
                "-Ediscovery.type=single-node",
                "-Enetwork.host=" + config.host(),
                "-Ehttp.port=" + httpPort,
                "-Etransport.port=" + transportPort,
                "-Epath.data=" + folder.resolve("data"),
                "-Epath.logs=" + folder.resolve("logs"),
                "-Ecluster.name=user-streams-local",
                "-Enode.name=user-streams-local",
                "-Ecluster.routing.allocation.disk.threshold_enabled=false"));
        for (String setting : config.extraSettings()) {
            command.add("-E" + setting);
        }
        return command;
    }

    /** Writable copy of config/ with jvm.options paths pointing into the node folder. */
    private static void prepareFolder(Path home, Path folder, boolean root) throws IOException {
        Files.createDirectories(folder);
        for (String sub : List.of("data", "logs", "tmp")) {
            Files.createDirectories(folder.resolve(sub));
        }
        FileTrees.copy(home.resolve("config"), folder.resolve("config"));
        Path jvmOptions = folder.resolve("config").resolve("jvm.options");
        Files.writeString(jvmOptions, rewriteJvmOptions(Files.readString(jvmOptions), folder));
        Files.createFile(folder.resolve("opensearch.log"));
        if (root) {
            FileTrees.chown(folder, UNPRIVILEGED_ID, UNPRIVILEGED_ID);
        }
    }

    /** The distribution writes these relative to its home, which is read-only for the node. */
    static String rewriteJvmOptions(String options, Path folder) {
        String logs = folder.resolve("logs").toString();
        return options
                .replaceAll("(?m)^(\\S*-XX:HeapDumpPath=).*$", "$1" + Matcher.quoteReplacement(folder.resolve("data").toString()))
                .replaceAll("(?m)^(\\S*-XX:ErrorFile=)logs/", "$1" + Matcher.quoteReplacement(logs + "/"))
                .replaceAll("(?m)^(\\S*-Xlog:.*file=)logs/", "$1" + Matcher.quoteReplacement(logs + "/"))
                .replaceAll("(?m)^(\\S*-Xloggc:)logs/", "$1" + Matcher.quoteReplacement(logs + "/"));
    }

    private static void createShared(Path dir) throws IOException {
        Files.createDirectories(dir);
        try {
            Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
        } catch (IOException e) {
            // not ours to change (shared root created by another user): fine if it is usable
        }
    }

    /** uid 65534 must reach the distribution and its node folder through every parent folder. */
    private static void requireTraversableByUnprivileged(Path stateRoot) throws IOException {
        for (Path p = stateRoot; p != null; p = p.getParent()) {
            Set<PosixFilePermission> perms = Files.getPosixFilePermissions(p);
            if (!perms.contains(PosixFilePermission.OTHERS_EXECUTE)) {
                throw new IOException("running as root, OpenSearch runs as uid " + UNPRIVILEGED_ID + " and cannot enter " + p
                        + " (" + PosixFilePermissions.toString(perms) + "). Use a state root under /tmp: set "
                        + "USER_STREAMS_STATE_DIR or -Duserstreams.state.dir");
            }
        }
    }

    private void awaitReady(Duration timeout, DistributionChoice choice, long startNanos) {
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();
        long deadline = startNanos + timeout.toNanos();
        String lastProblem = "no answer yet";
        while (true) {
            if (!process.isAlive()) {
                throw new IllegalStateException("OpenSearch " + choice.version() + " exited with code " + process.exitValue()
                        + " before it was ready (" + endpoint + ")");
            }
            try {
                HttpResponse<String> response = http.send(
                        HttpRequest.newBuilder(endpoint.resolve("/_cluster/health")).timeout(Duration.ofSeconds(2)).build(),
                        HttpResponse.BodyHandlers.ofString());
                if (response.statusCode() == 200 && HEALTH_STATUS.matcher(response.body()).find()) {
                    readVersion(http);
                    return;
                }
                lastProblem = "HTTP " + response.statusCode() + " " + abbreviate(response.body());
            } catch (IOException e) {
                lastProblem = e.getClass().getSimpleName();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("Interrupted while waiting for OpenSearch at " + endpoint, e);
            }
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("OpenSearch " + choice.version() + " was not ready within "
                        + timeout.toSeconds() + " s at " + endpoint + " (last health check: " + lastProblem + ")");
            }
            sleep(250);
        }
    }

    private void readVersion(HttpClient http) {
        try {
            HttpResponse<String> root = http.send(HttpRequest.newBuilder(endpoint.resolve("/")).timeout(Duration.ofSeconds(5)).build(),
                    HttpResponse.BodyHandlers.ofString());
            Matcher m = VERSION_NUMBER.matcher(root.body());
            if (root.statusCode() == 200 && m.find()) {
                version = m.group(1);
            }
        } catch (IOException e) {
            // keep the distribution's version
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static String abbreviate(String s) {
        return s.length() > 200 ? s.substring(0, 200) + "…" : s;
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("Interrupted while waiting for OpenSearch", e);
        }
    }

    /** The last {@code lines} lines of a file (reads only its end). */
    static String tail(Path file, int lines) {
        try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "r")) {
            long length = raf.length();
            int window = (int) Math.min(length, 64 * 1024);
            byte[] bytes = new byte[window];
            raf.seek(length - window);
            raf.readFully(bytes);
            String text = new String(bytes, StandardCharsets.UTF_8);
            Deque<String> last = new ArrayDeque<>();
            for (String line : text.split("\r?\n")) {
                last.addLast(line);
                if (last.size() > lines) {
                    last.removeFirst();
                }
            }
            return String.join("\n", last);
        } catch (IOException e) {
            return "(log " + file + " unreadable: " + e.getMessage() + ")";
        }
    }

    public URI endpoint() {
        return endpoint;
    }

    /** Version reported by the running node (e.g. "3.6.0"). */
    public String version() {
        return version;
    }

    /** Pid of the OpenSearch JVM. */
    public long pid() {
        return process.pid();
    }

    public int transportPort() {
        return transportPort;
    }

    /** From process start to the first yellow/green health answer. */
    public Duration startDuration() {
        return startDuration;
    }

    /** The node's captured stdout/stderr. */
    public Path logFile() {
        return logFile;
    }

    /** Resident memory of the OpenSearch JVM (VmRSS), or -1 when it is gone or /proc is unavailable. */
    public long residentSetBytes() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid()), "status"))) {
                if (line.startsWith("VmRSS:")) {
                    return Long.parseLong(line.replaceAll("\\D", "")) * 1024;
                }
            }
        } catch (IOException | RuntimeException e) {
            // process gone
        }
        return -1;
    }

    public boolean isRunning() {
        return process.isAlive();
    }

    /** SIGTERM, wait up to 15 s, then SIGKILL (whole process tree); deletes the node folder. Idempotent. */
    @Override
    public void close() {
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
        }
        long startNanos = System.nanoTime();
        boolean forced = stopProcess();
        FileTrees.deleteQuietly(folder);
        log.atInfo().addKeyValue("pid", process.pid()).addKeyValue("endpoint", endpoint.toString())
                .addKeyValue("stopMs", (System.nanoTime() - startNanos) / 1_000_000)
                .addKeyValue("signal", forced ? "SIGKILL" : "SIGTERM").log("OpenSearch stopped");
    }

    private boolean stopProcess() {
        LIVE.remove(this);
        return Processes.terminateTree(process.toHandle(), Duration.ofSeconds(15));
    }

    private static void register(OpenSearchNode node) {
        installReaper();
        LIVE.add(node);
    }

    /** One hook for all nodes: Ctrl-C or the end of a test JVM leaves no OpenSearch behind. */
    private static void installReaper() {
        if (reaperInstalled) {
            return;
        }
        synchronized (OpenSearchNode.class) {
            if (reaperInstalled) {
                return;
            }
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                for (OpenSearchNode node : List.copyOf(LIVE)) {
                    try {
                        node.close();
                    } catch (RuntimeException e) {
                        Processes.terminateTree(node.process.toHandle(), Duration.ZERO);
                    }
                }
            }, "opensearch-node-reaper"));
            reaperInstalled = true;
        }
    }

    @Override
    public String toString() {
        return "OpenSearchNode[" + version + " " + endpoint + " pid " + process.pid() + "]";
    }
}
