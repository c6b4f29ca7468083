package io.userstreams.core.config;

import io.userstreams.localdefaults.LocalDefaults;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * Where the reactions write and which of them run. Read from environment variables (the Lambda
 * way); template.yaml sets the same names. Defaults are the local stack's resource names.
 */
public record CoreSettings(
        String usersTable,
        String usersByEmailTable,
        String userStatsTable,
        String idempotencyTable,
        String welcomeTopicArn,
        String deadLetterQueueUrl,
        String openSearchEndpoint,
        String openSearchIndex,
        Set<ReactionId> reactions,
        int maxAttempts) {

    public static final String USERS_TABLE = "USERS_TABLE";
    public static final String USERS_BY_EMAIL_TABLE = "USERS_BY_EMAIL_TABLE";
    public static final String USER_STATS_TABLE = "USER_STATS_TABLE";
    public static final String IDEMPOTENCY_TABLE = "IDEMPOTENCY_TABLE";
    public static final String WELCOME_TOPIC_ARN = "WELCOME_TOPIC_ARN";
    public static final String DEAD_LETTER_QUEUE_URL = "DEAD_LETTER_QUEUE_URL";
    public static final String OPENSEARCH_ENDPOINT = "OPENSEARCH_ENDPOINT";
    public static final String OPENSEARCH_INDEX = "OPENSEARCH_INDEX";
    public static final String REACTIONS = "REACTIONS";
    public static final String MAX_ATTEMPTS = "MAX_ATTEMPTS";

    /** Every variable this class reads, for the template consistency check. */
    public static final Set<String> VARIABLES = Set.of(USERS_TABLE, USERS_BY_EMAIL_TABLE, USER_STATS_TABLE,
            IDEMPOTENCY_TABLE, WELCOME_TOPIC_ARN, DEAD_LETTER_QUEUE_URL, OPENSEARCH_ENDPOINT, OPENSEARCH_INDEX,
            REACTIONS, MAX_ATTEMPTS);

    public CoreSettings {
        Objects.requireNonNull(usersTable, USERS_TABLE);
        reactions = reactions.isEmpty() ? EnumSet.noneOf(ReactionId.class) : EnumSet.copyOf(reactions);
        if (maxAttempts < 1) {
            throw new IllegalArgumentException(MAX_ATTEMPTS + " must be at least 1, was " + maxAttempts);
        }
    }

    public boolean enabled(ReactionId reaction) {
        return reactions.contains(reaction);
    }

    public CoreSettings withReactions(Set<ReactionId> enabled) {
        return new CoreSettings(usersTable, usersByEmailTable, userStatsTable, idempotencyTable, welcomeTopicArn,
                deadLetterQueueUrl, openSearchEndpoint, openSearchIndex, enabled, maxAttempts);
    }

    public static CoreSettings fromEnvironment() {
        return fromEnvironment(System.getenv());
    }

    /** Reads the settings; a missing variable takes the local stack's default. */
    public static CoreSettings fromEnvironment(Map<String, String> env) {
        String maxAttempts = env.getOrDefault(MAX_ATTEMPTS, "3");
        int attempts;
        try {
            attempts = Integer.parseInt(maxAttempts.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(MAX_ATTEMPTS + " must be a whole number, was '" + maxAttempts + "'");
        }
        return new CoreSettings(
                env.getOrDefault(USERS_TABLE, LocalDefaults.USERS_TABLE),
                env.getOrDefault(USERS_BY_EMAIL_TABLE, LocalDefaults.USERS_BY_EMAIL_TABLE),
                env.getOrDefault(USER_STATS_TABLE, LocalDefaults.USER_STATS_TABLE),
                env.getOrDefault(IDEMPOTENCY_TABLE, LocalDefaults.IDEMPOTENCY_TABLE),
                env.get(WELCOME_TOPIC_ARN),
                env.get(DEAD_LETTER_QUEUE_URL),
                env.get(OPENSEARCH_ENDPOINT),
                env.getOrDefault(OPENSEARCH_INDEX, LocalDefaults.OPENSEARCH_INDEX),
                ReactionId.parseList(env.getOrDefault(REACTIONS, "all")),
                attempts);
    }

    /** The settings as environment variables: what a child process or a Lambda needs. */
    public Map<String, String> toEnvironment() {
        Map<String, String> env = new LinkedHashMap<>();
        env.put(USERS_TABLE, usersTable);
        env.put(USERS_BY_EMAIL_TABLE, usersByEmailTable);
        env.put(USER_STATS_TABLE, userStatsTable);
        env.put(IDEMPOTENCY_TABLE, idempotencyTable);
        if (welcomeTopicArn != null) env.put(WELCOME_TOPIC_ARN, welcomeTopicArn);
        if (deadLetterQueueUrl != null) env.put(DEAD_LETTER_QUEUE_URL, deadLetterQueueUrl);
        if (openSearchEndpoint != null) env.put(OPENSEARCH_ENDPOINT, openSearchEndpoint);
        env.put(OPENSEARCH_INDEX, openSearchIndex);
        env.put(REACTIONS, ReactionId.toList(reactions));
        env.put(MAX_ATTEMPTS, Integer.toString(maxAttempts));
        return env;
    }
}
