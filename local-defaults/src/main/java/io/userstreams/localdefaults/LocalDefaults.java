package io.userstreams.localdefaults;

import java.net.URI;

/**
 * What "local" means, spelled once: the region and account of local ARNs, the standard ports of
 * the local servers on 127.0.0.1, and the local names of the resources in template.yaml
 * ({@code Metadata.UserStreams.LocalName}, checked against the template by local-stack's tests).
 * Production code reads these only as the defaults of settings the environment does not set.
 */
public final class LocalDefaults {

    public static final String HOST = "127.0.0.1";
    /** A real region: the KCL adapter refuses stream ARNs whose region is not one. */
    public static final String REGION = "us-east-1";
    public static final String ACCOUNT_ID = "000000000000";

    public static final int DYNAMODB_PORT = 8000;
    public static final int SQS_PORT = 9324;
    public static final int SNS_PORT = 9911;
    public static final int SES_PORT = 9912;
    public static final int SMTP_PORT = 3025;
    public static final int IMAP_PORT = 3143;
    public static final int OPENSEARCH_PORT = 9200;

    public static final String USERS_TABLE = "users";
    public static final String USERS_BY_EMAIL_TABLE = "users_by_email";
    public static final String USER_STATS_TABLE = "user_stats";
    public static final String IDEMPOTENCY_TABLE = "user_streams_idempotency";
    public static final String MAIL_SENDS_TABLE = "user_streams_mail_sends";
    public static final String MAIL_SUPPRESSION_TABLE = "user_streams_mail_suppression";
    public static final String WELCOME_TOPIC = "user-streams-welcome.fifo";
    public static final String DEAD_LETTER_QUEUE = "user-streams-dlq";
    public static final String WELCOME_QUEUE = "user-streams-welcome-mail.fifo";
    public static final String MAIL_CONFIGURATION_SET = "user-streams-mail";
    public static final String OPENSEARCH_INDEX = "users";

    /** The sender domain the local SES endpoint treats as verified (the template's MailDomain locally). */
    public static final String MAIL_DOMAIN = "mail.user-streams.example";
    public static final String FROM_ADDRESS = "User Streams <welcome@" + MAIL_DOMAIN + ">";

    private LocalDefaults() {
    }

    /** {@code http://127.0.0.1:<port>}. */
    public static URI endpoint(int port) {
        return URI.create("http://" + HOST + ":" + port);
    }

    public static URI dynamoDbEndpoint() {
        return endpoint(DYNAMODB_PORT);
    }

    public static URI openSearchEndpoint() {
        return endpoint(OPENSEARCH_PORT);
    }

    /** The ARN of a topic of the local account in {@code region}. */
    public static String topicArn(String region, String topicName) {
        return "arn:aws:sns:" + region + ":" + ACCOUNT_ID + ":" + topicName;
    }

    /** The URL ElasticMQ gives a queue of the local account: {@code <sqsEndpoint>/000000000000/<name>}. */
    public static String queueUrl(URI sqsEndpoint, String queueName) {
        String base = sqsEndpoint.toString();
        return (base.endsWith("/") ? base.substring(0, base.length() - 1) : base) + "/" + ACCOUNT_ID + "/" + queueName;
    }
}
