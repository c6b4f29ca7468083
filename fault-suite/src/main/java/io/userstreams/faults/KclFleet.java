package io.userstreams.faults;

import io.userstreams.kcl.ConsumerSettings;
import java.io.IOException;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.BooleanSupplier;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.ResourceNotFoundException;

/**
 * The KCL consumers of one application (one lease table): started as real processes, killed,
 * terminated; and what their lease table says (owners, checkpoints).
 */
final class KclFleet implements AutoCloseable {

    private final String application;
    private final Map<String, String> environment;
    private final DynamoDbClient dynamoDb;
    private final Path logDir;
    private final List<ConsumerProcess> processes = new ArrayList<>();
    private int started;

    /** @param environment the stack's variables with the endpoints the consumers must use (proxies) */
    KclFleet(String application, Map<String, String> environment, int maxRecords, DynamoDbClient dynamoDb, Path logDir) {
        this.application = application;
        Map<String, String> env = new HashMap<>(environment);
        env.put(ConsumerSettings.APPLICATION_NAME, application);
        env.put(ConsumerSettings.HEALTH_PORT, "-1");
        env.put(ConsumerSettings.MAX_RECORDS, Integer.toString(maxRecords));
        this.environment = Map.copyOf(env);
        this.dynamoDb = dynamoDb;
        this.logDir = logDir;
    }

    String application() {
        return application;
    }

    /** Starts one more consumer and waits until its KCL scheduler runs. */
    synchronized ConsumerProcess startWorker() {
        String id = application + "-w" + (++started);
        ConsumerProcess p = ConsumerProcess.start(id, environment, logDir);
        processes.add(p);
        await("consumer " + id + " started", Duration.ofSeconds(90), () -> {
            if (!p.isAlive()) {
                throw new IllegalStateException("consumer " + id + " exited at start; log " + p.logFile());
            }
            return logContains(p, "\"state\":\"STARTED\"");
        });
        return p;
    }

    /**
     * Waits until live workers of this fleet hold every lease of a shard not finished yet (a shard
     * that ended and was checkpointed SHARD_END needs no owner); returns the owner of one of them.
     */
    String awaitLeaseHeld(Duration timeout) {
        await(application + " leases held", timeout, () -> {
            Map<String, String> owners = unfinishedOwners();
            return !owners.isEmpty() && owners.values().stream().allMatch(o -> o != null && live(o));
        });
        return unfinishedOwners().values().iterator().next();
    }

    private Map<String, String> unfinishedOwners() {
        Map<String, String> owners = owners();
        checkpoints().forEach((lease, checkpoint) -> {
            if ("SHARD_END".equals(checkpoint)) {
                owners.remove(lease);
            }
        });
        return owners;
    }

    synchronized List<ConsumerProcess> live() {
        return processes.stream().filter(ConsumerProcess::isAlive).toList();
    }

    private synchronized boolean live(String workerId) {
        return processes.stream().anyMatch(p -> p.isAlive() && p.workerId().equals(workerId));
    }

    synchronized Optional<ConsumerProcess> process(String workerId) {
        return processes.stream().filter(p -> p.workerId().equals(workerId)).findFirst();
    }

    /** Shard lease → owner (null when unowned). */
    Map<String, String> owners() {
        Map<String, String> out = new HashMap<>();
        for (Map<String, AttributeValue> lease : leases()) {
            out.put(lease.get("leaseKey").s(), lease.containsKey("leaseOwner") ? lease.get("leaseOwner").s() : null);
        }
        return out;
    }

    /** Shard lease → checkpoint (a sequence number, TRIM_HORIZON or SHARD_END). */
    Map<String, String> checkpoints() {
        Map<String, String> out = new HashMap<>();
        for (Map<String, AttributeValue> lease : leases()) {
            out.put(lease.get("leaseKey").s(), lease.containsKey("checkpoint") ? lease.get("checkpoint").s() : "");
        }
        return out;
    }

    /** Waits until the checkpoint of some shard moved past what it was (the consumer is working). */
    void awaitProgress(Duration timeout) {
        Map<String, String> before = checkpoints();
        await(application + " checkpoint moves", timeout, () -> !checkpoints().equals(before) && !checkpoints().isEmpty());
    }

    /** True when every shard this fleet leases is checkpointed at least as far as {@code other}'s. */
    boolean caughtUpWith(KclFleet other) {
        Map<String, String> mine = checkpoints();
        Map<String, String> theirs = other.checkpoints();
        if (mine.isEmpty() || !mine.keySet().containsAll(theirs.keySet())) {
            return false;
        }
        for (Map.Entry<String, String> t : theirs.entrySet()) {
            String m = mine.get(t.getKey());
            if ("SHARD_END".equals(m)) {
                continue;
            }
            if (!isNumber(m) || (isNumber(t.getValue()) && new BigInteger(m).compareTo(new BigInteger(t.getValue())) < 0)) {
                return false;
            }
        }
        return true;
    }

    private static boolean isNumber(String s) {
        return s != null && !s.isEmpty() && s.chars().allMatch(Character::isDigit);
    }

    private List<Map<String, AttributeValue>> leases() {
        try {
            return dynamoDb.scan(b -> b.tableName(application).consistentRead(true)).items().stream()
                    .filter(i -> i.containsKey("leaseKey") && i.get("leaseKey").s().contains("shardId-")).toList();
        } catch (ResourceNotFoundException e) {
            return List.of();
        }
    }

    private static boolean logContains(ConsumerProcess p, String text) {
        try {
            return Files.exists(p.logFile()) && Files.readString(p.logFile()).contains(text);
        } catch (IOException e) {
            return false;
        }
    }

    static void await(String what, Duration timeout, BooleanSupplier condition) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("timed out after " + timeout + " waiting for: " + what);
            }
            try {
                Thread.sleep(200);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted waiting for: " + what, e);
            }
        }
    }

    /** Stops every consumer gracefully (SIGTERM); kills what does not stop. */
    synchronized void stopAll() {
        for (ConsumerProcess p : processes) {
            if (p.isAlive()) {
                try {
                    p.terminate(Duration.ofSeconds(40));
                } catch (RuntimeException e) {
                    p.close();
                }
            }
        }
    }

    @Override
    public synchronized void close() {
        processes.forEach(ConsumerProcess::close);
    }
}
