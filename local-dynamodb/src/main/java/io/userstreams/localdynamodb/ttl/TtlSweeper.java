package io.userstreams.localdynamodb.ttl;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.userstreams.localdynamodb.item.ItemOperations;
import io.userstreams.localdynamodb.table.Catalog;
import io.userstreams.localdynamodb.table.ItemKey;
import io.userstreams.localdynamodb.table.Table;
import java.math.BigDecimal;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Deletes items whose TTL attribute (a number, epoch seconds) is at or before now, on every table with TTL
 * enabled; each delete publishes a REMOVE marked as expired by TTL (the service's userIdentity).
 */
public final class TtlSweeper implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(TtlSweeper.class);

    private final Catalog catalog;
    private final ItemOperations items;
    private final Clock clock;
    private final ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor(runnable -> {
        Thread thread = new Thread(runnable, "local-dynamodb-ttl");
        thread.setDaemon(true);
        return thread;
    });

    public TtlSweeper(Catalog catalog, ItemOperations items, Clock clock) {
        this.catalog = catalog;
        this.items = items;
        this.clock = clock;
    }

    public void start(Duration interval) {
        long millis = interval.toMillis();
        scheduler.scheduleWithFixedDelay(() -> {
            try {
                sweep();
            } catch (RuntimeException e) {
                LOG.warn("{\"event\":\"ttl_sweep_failed\"}", e);
            }
        }, millis, millis, TimeUnit.MILLISECONDS);
    }

    /** One pass over every TTL-enabled table; returns the number of items deleted. */
    public synchronized int sweep() {
        BigDecimal now = BigDecimal.valueOf(clock.millis()).movePointLeft(3);
        int deleted = 0;
        for (Table table : catalog.all()) {
            String attribute = table.ttlAttribute;
            if (!table.ttlEnabled || attribute == null) {
                continue;
            }
            for (Map.Entry<ItemKey, byte[]> entry : table.items().entrySet()) {
                ObjectNode item = Table.parse(entry.getValue());
                if (item != null && ItemOperations.isExpired(item, attribute, now)
                        && items.expire(table, entry.getKey(), attribute, now)) {
                    deleted++;
                }
            }
        }
        if (deleted > 0) {
            LOG.debug("{\"event\":\"ttl_sweep\",\"deleted\":{}}", deleted);
        }
        return deleted;
    }

    @Override
    public void close() {
        scheduler.shutdownNow();
    }
}
