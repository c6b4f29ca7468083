package io.userstreams.kcl;

import java.util.Map;

/**
 * Every setting of the consumer, declared once: its environment variable (the enum name, the same in
 * template.yaml), its command-line flag, its default and what it does. {@link ConsumerSettings} reads
 * them, {@code user-streams consume} turns them into flags, and the table in docs/consumer.md is
 * checked against {@link #markdownRow()} by a test.
 */
public enum ConsumerSetting {
    APPLICATION_NAME("--application-name", "user-streams-consumer", null,
            "KCL application name = lease table name (plus `-CoordinatorState` and `-WorkerMetricStats` tables)"),
    STREAM_ARN("--stream-arn", null, "latest stream of `USERS_TABLE`", "the users table's stream (implies AWS)"),
    WORKER_ID("--worker-id", null, "host-pid", "unique per consumer process"),
    POLL_INTERVAL_MS("--poll-interval-ms", "200", null,
            "idle time between reads per shard; the adapter's 1 s default alone costs ~530 ms p50"),
    MAX_RECORDS("--max-records", "1000", null, "records per GetRecords call (1-1000)"),
    PARALLELISM("--parallelism", "4", null, "ordered lanes per batch, split by userId; 1 = strictly sequential"),
    HEALTH_PORT("--health-port", "8081", null, "port of `/health` and `/metrics` (0: any free port, -1: off)"),
    HEALTH_BIND("--health-bind", "127.0.0.1", null, "address of `/health` and `/metrics` (0.0.0.0 on EC2)"),
    FAILOVER_MS("--failover-ms", "3000", null, "how long a dead worker keeps its shards"),
    LEADER_LEASE_MS("--leader-lease-ms", "10000", null, "how long a dead leader blocks lease assignment"),
    LEADER_HEARTBEAT_MS("--leader-heartbeat-ms", "3000", null,
            "how often the leader renews its lock (at most a third of `LEADER_LEASE_MS`)");

    private final String flag;
    private final String defaultValue;
    private final String defaultDoc;
    private final String doc;

    ConsumerSetting(String flag, String defaultValue, String defaultDoc, String doc) {
        this.flag = flag;
        this.defaultValue = defaultValue;
        this.defaultDoc = defaultDoc;
        this.doc = doc;
    }

    /** The environment variable. */
    public String variable() {
        return name();
    }

    public String flag() {
        return flag;
    }

    /** The default value, or null when it is computed (see {@link #defaultDoc()}). */
    public String defaultValue() {
        return defaultValue;
    }

    /** The default as documented. */
    public String defaultDoc() {
        return defaultDoc != null ? defaultDoc : "`" + defaultValue + "`";
    }

    public String doc() {
        return doc;
    }

    /** The value in {@code env} (trimmed), else the default (null when computed or absent). */
    String read(Map<String, String> env) {
        String value = env.get(variable());
        return value == null || value.isBlank() ? defaultValue : value.trim();
    }

    /** This setting's row in the configuration table of docs/consumer.md. */
    public String markdownRow() {
        return "| `" + variable() + "` | `" + flag + "` | " + defaultDoc() + " | " + doc + " |";
    }

    /** The flag's help text. */
    public String flagDescription() {
        return doc.replace("`", "") + ". Env: " + variable() + ". Default: " + defaultDoc().replace("`", "") + ".";
    }
}
