package io.userstreams.faults.proxy;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.net.URI;
import java.time.Duration;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Plain TCP forwarder on 127.0.0.1 that can inject real network faults: a refused port (outage) or
 * added latency. Every fault is scheduled to end by itself, so a failing test cannot leave it on.
 */
public final class TcpProxy implements AutoCloseable {

    private static final int CHUNK = 16 * 1024;
    private static final Duration REBIND_TIMEOUT = Duration.ofSeconds(5);

    private final String name;
    private final String targetHost;
    private final int targetPort;
    private final int port;
    private final ExecutorService pumps;
    private final ScheduledExecutorService scheduler;
    private final Set<Connection> connections = ConcurrentHashMap.newKeySet();
    private final AtomicLong accepted = new AtomicLong();
    private final AtomicLong resets = new AtomicLong();
    private final Object lock = new Object();

    // Guarded by lock.
    private ServerSocket listener;
    private boolean refusing;
    private boolean closed;
    private long delayNanos;
    private ScheduledFuture<?> refuseEnd;
    private ScheduledFuture<?> delayEnd;

    private TcpProxy(String name, String targetHost, int targetPort, ServerSocket listener) {
        this.name = name;
        this.targetHost = targetHost;
        this.targetPort = targetPort;
        this.listener = listener;
        this.port = listener.getLocalPort();
        this.pumps = Executors.newCachedThreadPool(daemonThreads("tcp-proxy-" + name));
        this.scheduler = Executors.newSingleThreadScheduledExecutor(daemonThreads("tcp-proxy-" + name + "-sched"));
    }

    /** Starts listening on a free loopback port and forwarding to {@code targetHost:targetPort}. */
    public static TcpProxy start(String name, String targetHost, int targetPort) {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(targetHost, "targetHost");
        try {
            ServerSocket ss = new ServerSocket();
            ss.setReuseAddress(true);
            ss.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            TcpProxy proxy = new TcpProxy(name, targetHost, targetPort, ss);
            proxy.startAcceptor(ss);
            return proxy;
        } catch (IOException e) {
            throw new IllegalStateException("cannot start TCP proxy " + name, e);
        }
    }

    public int port() {
        return port;
    }

    public URI endpoint(String scheme) {
        return URI.create(scheme + "://127.0.0.1:" + port);
    }

    public long accepted() {
        return accepted.get();
    }

    /** Connections reset by {@link #refuseFor}. */
    public long resets() {
        return resets.get();
    }

    /**
     * Real outage: the port stops listening (connects get ECONNREFUSED) and every open connection is
     * reset; after {@code d} the same port is bound again. Returns at once.
     */
    public void refuseFor(Duration d) {
        requirePositive(d);
        synchronized (lock) {
            ensureOpen();
            if (refuseEnd != null) {
                refuseEnd.cancel(false);
            }
            if (!refusing) {
                refusing = true;
                closeQuietly(listener);
                listener = null;
            }
            refuseEnd = scheduler.schedule(this::endRefusal, d.toNanos(), TimeUnit.NANOSECONDS);
        }
        for (Connection c : connections) {
            if (c.reset()) {
                resets.incrementAndGet();
            }
        }
    }

    /** Adds {@code latencyPerChunk} before every forwarded chunk (both directions) for {@code d}. */
    public void delayFor(Duration latencyPerChunk, Duration d) {
        requirePositive(d);
        if (latencyPerChunk.isNegative()) {
            throw new IllegalArgumentException("latency must not be negative");
        }
        synchronized (lock) {
            ensureOpen();
            if (delayEnd != null) {
                delayEnd.cancel(false);
            }
            delayNanos = latencyPerChunk.toNanos();
            delayEnd = scheduler.schedule(this::endDelay, d.toNanos(), TimeUnit.NANOSECONDS);
        }
    }

    public boolean faultActive() {
        synchronized (lock) {
            return refusing || delayNanos > 0;
        }
    }

    /** Waits until no fault is active; throws if it is still active after {@code timeout}. */
    public void awaitFaultEnd(Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        synchronized (lock) {
            while (refusing || delayNanos > 0) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    throw new IllegalStateException("fault on proxy " + name + " still active after " + timeout);
                }
                try {
                    TimeUnit.NANOSECONDS.timedWait(lock, left);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IllegalStateException("interrupted", e);
                }
            }
        }
    }

    @Override
    public void close() {
        synchronized (lock) {
            if (closed) {
                return;
            }
            closed = true;
            closeQuietly(listener);
            listener = null;
            refusing = false;
            delayNanos = 0;
            lock.notifyAll();
        }
        scheduler.shutdownNow();
        // Reset rather than FIN so no TIME_WAIT keeps the port from being bound again.
        for (Connection c : connections) {
            c.reset();
        }
        pumps.shutdownNow();
    }

    @Override
    public String toString() {
        return "TcpProxy[" + name + " 127.0.0.1:" + port + " -> " + targetHost + ":" + targetPort + "]";
    }

    private void endRefusal() {
        // Bind outside the lock: the retry loop may take a while.
        ServerSocket ss = null;
        long deadline = System.nanoTime() + REBIND_TIMEOUT.toNanos();
        IOException last = null;
        while (ss == null && System.nanoTime() < deadline) {
            synchronized (lock) {
                if (closed) {
                    return;
                }
            }
            ServerSocket candidate = null;
            try {
                candidate = new ServerSocket();
                candidate.setReuseAddress(true);
                candidate.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
                ss = candidate;
            } catch (IOException e) {
                closeQuietly(candidate);
                last = e;
                sleepQuietly(100);
            }
        }
        synchronized (lock) {
            refusing = false;
            refuseEnd = null;
            lock.notifyAll();
            if (closed || ss == null) {
                closeQuietly(ss);
                if (ss == null) {
                    // The fault still ends (faultActive false) but the proxy is unusable; say why.
                    throw new IllegalStateException("cannot re-bind port " + port + " of " + this, last);
                }
                return;
            }
            listener = ss;
        }
        startAcceptor(ss);
    }

    private void endDelay() {
        synchronized (lock) {
            delayNanos = 0;
            delayEnd = null;
            lock.notifyAll();
        }
    }

    private void startAcceptor(ServerSocket ss) {
        Thread t = new Thread(() -> acceptLoop(ss), "tcp-proxy-" + name + "-accept");
        t.setDaemon(true);
        t.start();
    }

    private void acceptLoop(ServerSocket ss) {
        while (!ss.isClosed()) {
            Socket client;
            try {
                client = ss.accept();
            } catch (IOException e) {
                return; // listener closed by refuseFor/close
            }
            accepted.incrementAndGet();
            try {
                pumps.execute(() -> connect(client));
            } catch (RuntimeException rejected) {
                closeQuietly(client); // pool shut down by close()
                return;
            }
        }
    }

    private void connect(Socket client) {
        Socket upstream = new Socket();
        try {
            client.setTcpNoDelay(true);
            upstream.setTcpNoDelay(true);
            upstream.connect(new InetSocketAddress(targetHost, targetPort), 5_000);
        } catch (IOException e) {
            // Target down: mirror it to the client as a reset.
            Connection failed = new Connection(client, upstream);
            failed.reset();
            return;
        }
        Connection c = new Connection(client, upstream);
        connections.add(c);
        synchronized (lock) {
            if (closed || refusing) {
                // Raced with a fault/close that already swept the connection set.
                connections.remove(c);
                c.reset();
                return;
            }
        }
        try {
            pumps.execute(() -> pump(c, client, upstream));
            pumps.execute(() -> pump(c, upstream, client));
        } catch (RuntimeException rejected) {
            connections.remove(c);
            c.reset();
        }
    }

    private void pump(Connection c, Socket from, Socket to) {
        byte[] buf = new byte[CHUNK];
        try {
            InputStream in = from.getInputStream();
            OutputStream out = to.getOutputStream();
            int n;
            while ((n = in.read(buf)) >= 0) {
                long delay;
                synchronized (lock) {
                    delay = delayNanos;
                }
                if (delay > 0) {
                    TimeUnit.NANOSECONDS.sleep(delay);
                }
                out.write(buf, 0, n);
                out.flush();
            }
            // Half-close so the peer sees EOF while the other direction may still flow.
            if (!to.isClosed()) {
                to.shutdownOutput();
            }
        } catch (IOException | InterruptedException e) {
            c.reset();
        } finally {
            if (c.pumpDone()) {
                connections.remove(c);
                c.close();
            }
        }
    }

    private static void requirePositive(Duration d) {
        if (d == null || d.isNegative() || d.isZero()) {
            throw new IllegalArgumentException("duration must be positive: " + d);
        }
    }

    private void ensureOpen() {
        if (closed) {
            throw new IllegalStateException(this + " is closed");
        }
    }

    private static void sleepQuietly(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static void closeQuietly(AutoCloseable c) {
        if (c == null) {
            return;
        }
        try {
            c.close();
        } catch (Exception ignored) {
            // best effort
        }
    }

    static ThreadFactory daemonThreads(String prefix) {
        AtomicInteger n = new AtomicInteger();
        return r -> {
            Thread t = new Thread(r, prefix + "-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        };
    }

    /** One client connection and its upstream socket. */
    private static final class Connection {
        private final Socket client;
        private final Socket upstream;
        private final AtomicInteger pumpsLeft = new AtomicInteger(2);

        Connection(Socket client, Socket upstream) {
            this.client = client;
            this.upstream = upstream;
        }

        boolean pumpDone() {
            return pumpsLeft.decrementAndGet() == 0;
        }

        /** RST both sides (SO_LINGER 0); returns true if the client side was still open. */
        boolean reset() {
            boolean wasOpen = !client.isClosed();
            abort(client);
            abort(upstream);
            return wasOpen;
        }

        void close() {
            closeQuietly(client);
            closeQuietly(upstream);
        }

        private static void abort(Socket s) {
            try {
                if (!s.isClosed()) {
                    s.setSoLinger(true, 0);
                }
            } catch (SocketException ignored) {
                // already gone
            }
            closeQuietly(s);
        }
    }
}
