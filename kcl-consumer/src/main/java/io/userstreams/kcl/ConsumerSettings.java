package io.userstreams.kcl;

import io.userstreams.core.aws.AwsConnection;
import io.userstreams.core.config.CoreSettings;
import java.net.InetAddress;
import java.time.Duration;
import java.util.Arrays;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

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

    public static final String APPLICATION_NAME = ConsumerSetting.APPLICATION_NAME.variable();
    public static final String STREAM_ARN = ConsumerSetting.STREAM_ARN.variable();
    public static final String WORKER_ID = ConsumerSetting.WORKER_ID.variable();
    public static final String POLL_INTERVAL_MS = ConsumerSetting.POLL_INTERVAL_MS.variable();
    public static final String MAX_RECORDS = ConsumerSetting.MAX_RECORDS.variable();
    public static final String PARALLELISM = ConsumerSetting.PARALLELISM.variable();
    public static final String HEALTH_PORT = ConsumerSetting.HEALTH_PORT.variable();
    public static final String HEALTH_BIND = ConsumerSetting.HEALTH_BIND.variable();
    public static final String FAILOVER_MS = ConsumerSetting.FAILOVER_MS.variable();
    public static final String LEADER_LEASE_MS = ConsumerSetting.LEADER_LEASE_MS.variable();
    public static final String LEADER_HEARTBEAT_MS = ConsumerSetting.LEADER_HEARTBEAT_MS.variable();

    /** Every variable this class reads itself (core and connection variables come on top). */
    public static final Set<String> VARIABLES = Arrays.stream(ConsumerSetting.values()).map(ConsumerSetting::variable)
            .collect(Collectors.toUnmodifiableSet());

    public static final String DEFAULT_APPLICATION_NAME = ConsumerSetting.APPLICATION_NAME.defaultValue();

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
                ConsumerSetting.APPLICATION_NAME.read(env),
                Optional.ofNullable(ConsumerSetting.STREAM_ARN.read(env)),
                Optional.ofNullable(ConsumerSetting.WORKER_ID.read(env)).orElseGet(ConsumerSettings::defaultWorkerId),
                Duration.ofMillis(number(env, ConsumerSetting.POLL_INTERVAL_MS)),
                (int) number(env, ConsumerSetting.MAX_RECORDS),
                (int) number(env, ConsumerSetting.PARALLELISM),
                (int) number(env, ConsumerSetting.HEALTH_PORT),
                ConsumerSetting.HEALTH_BIND.read(env),
                Duration.ofMillis(number(env, ConsumerSetting.FAILOVER_MS)),
                Duration.ofMillis(number(env, ConsumerSetting.LEADER_LEASE_MS)),
                Duration.ofMillis(number(env, ConsumerSetting.LEADER_HEARTBEAT_MS)),
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

    private static long number(Map<String, String> env, ConsumerSetting setting) {
        String value = setting.read(env);
        try {
            return Long.parseLong(value);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(setting.variable() + " must be a whole number, was '" + value + "'");
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
