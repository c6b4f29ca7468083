package io.userstreams.localstack;

import io.userstreams.localdefaults.LocalDefaults;
import java.net.URI;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * The resources the local stack created from template.yaml, with their local names, ARNs and URLs,
 * and the environment a process needs to use them ({@link #environment()}).
 */
public final class LocalResources {

    // Logical ids in template.yaml; the LocalName is the fallback when a logical id is renamed.
    static final String USERS_TABLE_ID = "UsersTable";
    static final String USERS_BY_EMAIL_TABLE_ID = "UsersByEmailTable";
    static final String USER_STATS_TABLE_ID = "UserStatsTable";
    static final String IDEMPOTENCY_TABLE_ID = "IdempotencyTable";
    static final String WELCOME_TOPIC_ID = "WelcomeTopic";
    static final String DEAD_LETTER_QUEUE_ID = "DeadLetterQueue";
    static final String WELCOME_QUEUE_ID = "WelcomeQueue";
    static final String MAIL_SENDS_TABLE_ID = "MailSendsTable";
    static final String MAIL_SUPPRESSION_TABLE_ID = "MailSuppressionTable";

    /** The sender domain the local SES endpoint treats as verified (the template's MailDomain locally). */
    public static final String LOCAL_MAIL_DOMAIN = LocalDefaults.MAIL_DOMAIN;
    public static final String LOCAL_FROM_ADDRESS = LocalDefaults.FROM_ADDRESS;

    private final Map<String, String> tables;
    private final Map<String, String> topics;
    private final Map<String, String> queues;
    private final String usersTable;
    private final String usersByEmailTable;
    private final String userStatsTable;
    private final String idempotencyTable;
    private final String usersStreamArn;
    private final String welcomeTopicArn;
    private final String deadLetterQueueUrl;
    private final String openSearchIndex;
    private final URI openSearchEndpoint;
    private final String region;
    private final URI dynamoDbEndpoint;
    private final URI sqsEndpoint;
    private final URI snsEndpoint;
    // The welcome mail path; absent (null / 0) with a template that has none.
    private final String welcomeQueueUrl;
    private final String mailSendsTable;
    private final String mailSuppressionTable;
    private final String configurationSet;
    private final URI sesEndpoint;
    private final int smtpPort;
    private final int imapPort;

    LocalResources(Builder b) {
        this.tables = Collections.unmodifiableMap(new LinkedHashMap<>(b.tables));
        this.topics = Collections.unmodifiableMap(new LinkedHashMap<>(b.topics));
        this.queues = Collections.unmodifiableMap(new LinkedHashMap<>(b.queues));
        this.usersTable = Objects.requireNonNull(b.usersTable, "usersTable");
        this.usersByEmailTable = Objects.requireNonNull(b.usersByEmailTable, "usersByEmailTable");
        this.userStatsTable = Objects.requireNonNull(b.userStatsTable, "userStatsTable");
        this.idempotencyTable = Objects.requireNonNull(b.idempotencyTable, "idempotencyTable");
        this.usersStreamArn = Objects.requireNonNull(b.usersStreamArn, "usersStreamArn");
        this.welcomeTopicArn = Objects.requireNonNull(b.welcomeTopicArn, "welcomeTopicArn");
        this.deadLetterQueueUrl = Objects.requireNonNull(b.deadLetterQueueUrl, "deadLetterQueueUrl");
        this.openSearchIndex = b.openSearchIndex;
        this.openSearchEndpoint = b.openSearchEndpoint;
        this.region = Objects.requireNonNull(b.region, "region");
        this.dynamoDbEndpoint = Objects.requireNonNull(b.dynamoDbEndpoint, "dynamoDbEndpoint");
        this.sqsEndpoint = Objects.requireNonNull(b.sqsEndpoint, "sqsEndpoint");
        this.snsEndpoint = Objects.requireNonNull(b.snsEndpoint, "snsEndpoint");
        this.welcomeQueueUrl = b.welcomeQueueUrl;
        this.mailSendsTable = b.mailSendsTable;
        this.mailSuppressionTable = b.mailSuppressionTable;
        this.configurationSet = b.configurationSets.isEmpty() ? null : b.configurationSets.get(0);
        this.sesEndpoint = b.sesEndpoint;
        this.smtpPort = b.smtpPort;
        this.imapPort = b.imapPort;
    }

    /** Creates (or finds, when they exist) the template's resources on a running stack. */
    public static LocalResources create(LocalStack stack) {
        return ResourceCreator.create(stack, stack.options().template().orElse(null));
    }

    /** Same, from another template (a working copy, a test fixture). */
    public static LocalResources create(LocalStack stack, java.net.URL template) {
        return ResourceCreator.create(stack, template);
    }

    public String usersTable() {
        return usersTable;
    }

    public String usersByEmailTable() {
        return usersByEmailTable;
    }

    public String userStatsTable() {
        return userStatsTable;
    }

    public String idempotencyTable() {
        return idempotencyTable;
    }

    /** The users table's stream ARN, in the stack's region. */
    public String usersStreamArn() {
        return usersStreamArn;
    }

    public String welcomeTopicArn() {
        return welcomeTopicArn;
    }

    public String deadLetterQueueUrl() {
        return deadLetterQueueUrl;
    }

    /** The search index name from the template (present even when OpenSearch is off). */
    public String openSearchIndex() {
        return openSearchIndex;
    }

    /** The OpenSearch endpoint; empty when the stack runs without OpenSearch. */
    public Optional<URI> openSearchEndpoint() {
        return Optional.ofNullable(openSearchEndpoint);
    }

    /** The FIFO queue the welcome topic delivers into and the mail sender reads; empty without one. */
    public Optional<String> welcomeQueueUrl() {
        return Optional.ofNullable(welcomeQueueUrl);
    }

    /** The mail sender's claims table (one item per welcome key). */
    public Optional<String> mailSendsTable() {
        return Optional.ofNullable(mailSendsTable);
    }

    /** Addresses the mail sender never mails (bounces, complaints). */
    public Optional<String> mailSuppressionTable() {
        return Optional.ofNullable(mailSuppressionTable);
    }

    /** The SES v2 endpoint; empty when the stack runs without the mail servers. */
    public Optional<URI> sesEndpoint() {
        return Optional.ofNullable(sesEndpoint);
    }

    /** The local IMAP port (inboxes); 0 without the mail servers. */
    public int imapPort() {
        return imapPort;
    }

    public int smtpPort() {
        return smtpPort;
    }

    /** Every table by logical id → local name. */
    public Map<String, String> tables() {
        return tables;
    }

    /** Every topic by logical id → ARN. */
    public Map<String, String> topics() {
        return topics;
    }

    /** Every queue by logical id → URL. */
    public Map<String, String> queues() {
        return queues;
    }

    /**
     * The variables the runtimes read (core's CoreSettings and AwsConnection): resource names,
     * AWS_REGION, the SDK-standard AWS_ENDPOINT_URL_* overrides and the fake credentials, so the map
     * can be handed to a child process as is.
     */
    public Map<String, String> environment() {
        Map<String, String> env = new LinkedHashMap<>();
        env.put("USERS_TABLE", usersTable);
        env.put("USERS_BY_EMAIL_TABLE", usersByEmailTable);
        env.put("USER_STATS_TABLE", userStatsTable);
        env.put("IDEMPOTENCY_TABLE", idempotencyTable);
        env.put("WELCOME_TOPIC_ARN", welcomeTopicArn);
        env.put("DEAD_LETTER_QUEUE_URL", deadLetterQueueUrl);
        if (openSearchEndpoint != null) {
            env.put("OPENSEARCH_ENDPOINT", openSearchEndpoint.toString());
        }
        if (openSearchIndex != null) {
            env.put("OPENSEARCH_INDEX", openSearchIndex);
        }
        env.put("AWS_REGION", region);
        env.put("AWS_ENDPOINT_URL_DYNAMODB", dynamoDbEndpoint.toString());
        env.put("AWS_ENDPOINT_URL_DYNAMODB_STREAMS", dynamoDbEndpoint.toString());
        env.put("AWS_ENDPOINT_URL_SNS", snsEndpoint.toString());
        env.put("AWS_ENDPOINT_URL_SQS", sqsEndpoint.toString());
        if (sesEndpoint != null) {
            env.put("AWS_ENDPOINT_URL_SESV2", sesEndpoint.toString());
            env.put("MAIL_FROM_ADDRESS", LOCAL_FROM_ADDRESS);
        }
        if (welcomeQueueUrl != null) {
            env.put("WELCOME_QUEUE_URL", welcomeQueueUrl);
        }
        if (mailSendsTable != null) {
            env.put("MAIL_SENDS_TABLE", mailSendsTable);
        }
        if (mailSuppressionTable != null) {
            env.put("MAIL_SUPPRESSION_TABLE", mailSuppressionTable);
        }
        if (configurationSet != null) {
            env.put("MAIL_CONFIGURATION_SET", configurationSet);
        }
        env.put("AWS_ACCESS_KEY_ID", "local");
        env.put("AWS_SECRET_ACCESS_KEY", "local");
        return Collections.unmodifiableMap(env);
    }

    @Override
    public String toString() {
        return "LocalResources" + environment();
    }

    static final class Builder {
        final Map<String, String> tables = new LinkedHashMap<>();
        final Map<String, String> topics = new LinkedHashMap<>();
        final Map<String, String> queues = new LinkedHashMap<>();
        String usersTable;
        String usersByEmailTable;
        String userStatsTable;
        String idempotencyTable;
        String usersStreamArn;
        String welcomeTopicArn;
        String deadLetterQueueUrl;
        String openSearchIndex;
        URI openSearchEndpoint;
        String region;
        URI dynamoDbEndpoint;
        URI sqsEndpoint;
        URI snsEndpoint;
        String welcomeQueueUrl;
        String mailSendsTable;
        String mailSuppressionTable;
        final java.util.List<String> configurationSets = new java.util.ArrayList<>();
        URI sesEndpoint;
        int smtpPort;
        int imapPort;
    }
}
