package io.userstreams.faults;

import java.util.Arrays;
import java.util.EnumSet;
import java.util.Set;

/** The faults of the suite, numbered as in the issue that asked for them. */
enum Scenario {
    CONSUMER_KILLED(1, "consumer kill -9 mid-batch, restarted", EnumSet.of(RuntimeKind.KCL)),
    TAKEOVER(2, "two consumers, lease holder killed", EnumSet.of(RuntimeKind.KCL)),
    OPENSEARCH_DOWN(3, "OpenSearch refused for 20 s", EnumSet.allOf(RuntimeKind.class)),
    SNS_FAILING(4, "SNS 5xx and throttling", EnumSet.allOf(RuntimeKind.class)),
    DYNAMODB_ERRORS(5, "DynamoDB throttling, conflicts", EnumSet.allOf(RuntimeKind.class)),
    POISON(6, "1,000+ bad records in traffic", EnumSet.allOf(RuntimeKind.class)),
    REDELIVERY(7, "redelivery storm, capture replay", EnumSet.allOf(RuntimeKind.class)),
    SIGTERM(8, "SIGTERM under load, restart", EnumSet.of(RuntimeKind.KCL)),
    SIGTERM_AT_SHARD_END(9, "SIGTERM at shard end, restart", EnumSet.of(RuntimeKind.KCL)),
    OPENSEARCH_RESTART(10, "OpenSearch restart before replay", EnumSet.of(RuntimeKind.LAMBDA));

    /** Which runtime hosts the reactions in a scenario run. */
    enum RuntimeKind {
        KCL, LAMBDA;

        String label() {
            return name().toLowerCase();
        }
    }

    final int number;
    final String title;
    final Set<RuntimeKind> runtimes;

    Scenario(int number, String title, Set<RuntimeKind> runtimes) {
        this.number = number;
        this.title = title;
        this.runtimes = runtimes;
    }

    static Scenario byNumber(int n) {
        return Arrays.stream(values()).filter(s -> s.number == n).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("no scenario " + n + " (there are 1-" + values().length + ")"));
    }
}
