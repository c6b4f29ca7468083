package io.userstreams.kcl;

import io.userstreams.core.aws.AwsConnection;
import io.userstreams.core.config.CoreSettings;
import java.net.InetAddress;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Everything the consumer needs, read from environment variables (the same names template.yaml sets
 * on EC2). Flags of {@code user-streams consume} override the same names. Validated on load so a bad
 * value fails at start-up with a message that says what to fix.
 *
 * @param applicationName  KCL application name: names the lease table and the coordinator tables
 * @param streamArn        the users table's stream; empty means "the latest stream of {@code USERS_TABLE}"
 * @param workerId         this consumer's identity in the lease table; unique per process
 * @param pollInterval     idle time between GetRecords calls per shard (bounds latency)
 * @param maxRecords       records per GetRecords call (at most 1,000 for DynamoDB Streams)
 * @param parallelism      ordered lanes per shard batch, split by item key (1 = strictly sequential)
 * @param healthPort       port of /health and /metrics; 0 picks a free port, -1 disables the endpoint
 * @param healthBind       address the endpoint binds: 127.0.0.1 locally, 0.0.0.0 on EC2
 * @param failover         a lease not renewed for this long is taken by another worker
 * @param leaderLease      how long the leader lock lives without a heartbeat
 * @param leaderHeartbeat  how often the leader renews its lock (≤ a third of the lease)
 * @param core             the reactions' settings (tables, topic, queue, index, REACTIONS)
 * @param connection       region, credentials and endpoints
 */
public record ConsumerSettings(
        String applicationName,
        Optional<String> streamArn,
        String workerId,
        Duration pollInterval,
        int maxRecords,
        int parallelism,
        int healthPort,
        String healthBind,
        Duration failover,
        Duration leaderLease,
        Duration leaderHeartbeat,
        CoreSettings core,
        AwsConnection connection) {

    public static final String APPLICATION_NAME = "APPLICATION_NAME";
    public static final String STREAM_ARN = "STREAM_ARN";
    public static final String WORKER_ID = "WORKER_ID";
    public static final String POLL_INTERVAL_MS = "POLL_INTERVAL_MS";
    public static final String MAX_RECORDS = "MAX_RECORDS";
    public static final String PARALLELISM = "PARALLELISM";
    public static final String HEALTH_PORT = "HEALTH_PORT";
    public static final String HEALTH_BIND = "HEALTH_BIND";
    public static final String FAILOVER_MS = "FAILOVER_MS";
    public static final String LEADER_LEASE_MS = "LEADER_LEASE_MS";
    public static final String LEADER_HEARTBEAT_MS = "LEADER_HEARTBEAT_MS";

    /** Every variable this class reads itself (core and connection variables come on top). */
    public static final Set<String> VARIABLES = Set.of(APPLICATION_NAME, STREAM_ARN, WORKER_ID, POLL_INTERVAL_MS,
            MAX_RECORDS, PARALLELISM, HEALTH_PORT, HEALTH_BIND, FAILOVER_MS, LEADER_LEASE_MS, LEADER_HEARTBEAT_MS);

    public static final String DEFAULT_APPLICATION_NAME = "user-streams-consumer";

    public ConsumerSettings {
        if (applicationName == null || !applicationName.matches("[a-zA-Z0-9_.-]{3,200}")) {
            throw new IllegalArgumentException(APPLICATION_NAME + " must be 3-200 characters of letters, digits,"
                    + " '_', '-' or '.' (it names the lease table), was '" + applicationName + "'");
        }
        streamArn = streamArn == null ? Optional.empty() : streamArn.filter(s -> !s.isBlank());
        if (workerId == null || workerId.isBlank()) {
            throw new IllegalArgumentException(WORKER_ID + " must not be blank");
        }
        if (pollInterval.isNegative() || pollInterval.toMillis() < 10) {
            throw new IllegalArgumentException(POLL_INTERVAL_MS + " must be at least 10, was " + pollInterval.toMillis());
        }
        if (maxRecords < 1 || maxRecords > 1000) {
            throw new IllegalArgumentException(MAX_RECORDS + " must be 1..1000 (the GetRecords limit), was " + maxRecords);
        }
        if (parallelism < 1 || parallelism > 64) {
            throw new IllegalArgumentException(PARALLELISM + " must be 1..64, was " + parallelism);
        }
        if (healthPort < -1 || healthPort > 65535) {
            throw new IllegalArgumentException(HEALTH_PORT + " must be 0..65535, or -1 to disable, was " + healthPort);
        }
        if (leaderHeartbeat.multipliedBy(3).compareTo(leaderLease) > 0) {
            throw new IllegalArgumentException(LEADER_HEARTBEAT_MS + " must be at most a third of " + LEADER_LEASE_MS
                    + " (the lock client's rule), was " + leaderHeartbeat.toMillis() + " / " + leaderLease.toMillis());
        }
    }

    public static ConsumerSettings fromEnvironment() {
        return fromEnvironment(System.getenv());
    }

    /** Reads the settings; anything missing takes the local default. */
    public static ConsumerSettings fromEnvironment(Map<String, String> env) {
        return new ConsumerSettings(
                env.getOrDefault(APPLICATION_NAME, DEFAULT_APPLICATION_NAME).trim(),
                Optional.ofNullable(env.get(STREAM_ARN)).map(String::trim),
                Optional.ofNullable(env.get(WORKER_ID)).filter(s -> !s.isBlank()).orElseGet(ConsumerSettings::defaultWorkerId),
                Duration.ofMillis(number(env, POLL_INTERVAL_MS, 200)),
                (int) number(env, MAX_RECORDS, 1000),
                (int) number(env, PARALLELISM, 4),
                (int) number(env, HEALTH_PORT, 8081),
                env.getOrDefault(HEALTH_BIND, "127.0.0.1").trim(),
                Duration.ofMillis(number(env, FAILOVER_MS, 3000)),
                Duration.ofMillis(number(env, LEADER_LEASE_MS, 10_000)),
                Duration.ofMillis(number(env, LEADER_HEARTBEAT_MS, 3000)),
                CoreSettings.fromEnvironment(env),
                AwsConnection.fromEnvironment(env));
    }

    /** host-pid: unique per process, readable in the lease table. */
    public static String defaultWorkerId() {
        String host;
        try {
            host = InetAddress.getLocalHost().getHostName();
        } catch (Exception e) {
            host = "worker";
        }
        return host + "-" + ProcessHandle.current().pid();
    }

    private static long number(Map<String, String> env, String name, long fallback) {
        String value = env.get(name);
        if (value == null || value.isBlank()) {
            return fallback;
        }
        try {
            return Long.parseLong(value.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(name + " must be a whole number, was '" + value + "'");
        }
    }

    /** Local when every endpoint is on this machine: fake credentials, no CloudWatch metrics. */
    public boolean isLocal() {
        return connection.isLocal();
    }

    public ConsumerSettings withWorkerId(String id) {
        return new ConsumerSettings(applicationName, streamArn, id, pollInterval, maxRecords, parallelism, healthPort,
                healthBind, failover, leaderLease, leaderHeartbeat, core, connection);
    }

    public ConsumerSettings withHealthPort(int port) {
        return new ConsumerSettings(applicationName, streamArn, workerId, pollInterval, maxRecords, parallelism, port,
                healthBind, failover, leaderLease, leaderHeartbeat, core, connection);
    }
}
