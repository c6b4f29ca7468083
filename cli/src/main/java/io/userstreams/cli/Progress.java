package io.userstreams.cli;

import java.io.PrintWriter;
import java.util.Locale;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;

/**
 * A progress bar with a live rate on stderr. On a terminal it redraws one line; otherwise (CI, a
 * test, a pipe) it prints one line per interval so logs stay readable.
 */
public final class Progress implements AutoCloseable {

    private final PrintWriter err;
    private final String label;
    private final long total; // <= 0: unknown
    private final AtomicLong done = new AtomicLong();
    private final long startNanos = System.nanoTime();
    private final boolean terminal;
    private final ScheduledExecutorService ticker;
    private final Supplier<String> extra;
    private volatile long lastDone;
    private volatile long lastNanos = startNanos;
    private volatile double liveRate;

    public Progress(PrintWriter err, String label, long total, Supplier<String> extra) {
        this.err = err;
        this.label = label;
        this.total = total;
        this.extra = extra == null ? () -> "" : extra;
        this.terminal = System.console() != null && !Boolean.getBoolean("user-streams.plainProgress");
        this.ticker = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "progress");
            t.setDaemon(true);
            return t;
        });
        long period = terminal ? 200 : 1000;
        ticker.scheduleAtFixedRate(this::draw, period, period, TimeUnit.MILLISECONDS);
    }

    public void add(long n) {
        done.addAndGet(n);
    }

    public long done() {
        return done.get();
    }

    public double elapsedSeconds() {
        return (System.nanoTime() - startNanos) / 1e9;
    }

    public double averageRate() {
        double s = elapsedSeconds();
        return s <= 0 ? 0 : done.get() / s;
    }

    private synchronized void draw() {
        long now = System.nanoTime();
        long d = done.get();
        double window = (now - lastNanos) / 1e9;
        if (window > 0) {
            liveRate = (d - lastDone) / window;
        }
        lastDone = d;
        lastNanos = now;
        err.print((terminal ? "\r" : "") + line(d) + (terminal ? "\u001b[K" : "\n"));
        err.flush();
    }

    private String line(long d) {
        StringBuilder sb = new StringBuilder(label).append(' ');
        if (total > 0) {
            int width = 30;
            int filled = (int) Math.min(width, d * width / total);
            sb.append('[').append("#".repeat(filled)).append(".".repeat(width - filled)).append("] ");
            sb.append(String.format(Locale.ROOT, "%,d/%,d %3d%%", d, total, d * 100 / total));
        } else {
            sb.append(String.format(Locale.ROOT, "%,d", d));
        }
        sb.append(String.format(Locale.ROOT, "  %,.0f/s", liveRate));
        if (total > 0 && liveRate > 0 && d < total) {
            sb.append(String.format(Locale.ROOT, "  eta %.1fs", (total - d) / liveRate));
        }
        String more = extra.get();
        if (!more.isEmpty()) {
            sb.append("  ").append(more);
        }
        return sb.toString();
    }

    @Override
    public synchronized void close() {
        ticker.shutdownNow();
        lastNanos = startNanos;
        lastDone = 0;
        liveRate = averageRate();
        err.print((terminal ? "\r" : "") + line(done.get()) + (terminal ? "\u001b[K\n" : "\n"));
        err.flush();
    }
}
