package io.userstreams.mail;

import io.userstreams.localdefaults.LocalDefaults;
import io.userstreams.core.aws.AwsConnection;
import java.net.URI;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;

/**
 * The mail sender's configuration, from environment variables (the names template.yaml sets).
 *
 * @param usersTable         read (consistently) before each send: a user deleted meanwhile gets no mail
 * @param sendsTable         one claim per welcome key: IN_PROGRESS with a lease, then SENT / REJECTED / SKIPPED
 * @param suppressionTable   addresses SES reported as hard bounces or complaints; never mailed again
 * @param fromAddress        the verified sender, e.g. {@code User Streams <welcome@mail.example.com>}
 * @param configurationSet   the SES configuration set whose events feed the suppression list; empty: none
 * @param claimLease         how long an IN_PROGRESS claim holds off other deliveries of the same welcome
 * @param retention          how long SENT/REJECTED records are kept (TTL): longer than any redelivery
 * @param sesEndpoint        AWS_ENDPOINT_URL_SESV2, for the local SES endpoint
 */
public record MailSettings(String usersTable, String sendsTable, String suppressionTable, String fromAddress,
                           Optional<String> configurationSet, Duration claimLease, Duration retention,
                           AwsConnection connection, Optional<URI> sesEndpoint) {

    public static final String USERS_TABLE = "USERS_TABLE";
    public static final String MAIL_SENDS_TABLE = "MAIL_SENDS_TABLE";
    public static final String MAIL_SUPPRESSION_TABLE = "MAIL_SUPPRESSION_TABLE";
    public static final String MAIL_FROM_ADDRESS = "MAIL_FROM_ADDRESS";
    public static final String MAIL_CONFIGURATION_SET = "MAIL_CONFIGURATION_SET";
    public static final String MAIL_CLAIM_LEASE_SECONDS = "MAIL_CLAIM_LEASE_SECONDS";
    public static final String MAIL_RETENTION_DAYS = "MAIL_RETENTION_DAYS";
    public static final String SES_ENDPOINT = "AWS_ENDPOINT_URL_SESV2";

    /** Local defaults (the names the local stack creates); AWS sets every variable in template.yaml. */
    public static final String LOCAL_SENDS_TABLE = LocalDefaults.MAIL_SENDS_TABLE;
    public static final String LOCAL_SUPPRESSION_TABLE = LocalDefaults.MAIL_SUPPRESSION_TABLE;
    public static final String LOCAL_FROM_ADDRESS = LocalDefaults.FROM_ADDRESS;

    public MailSettings {
        if (claimLease.isNegative() || claimLease.isZero()) {
            throw new IllegalArgumentException(MAIL_CLAIM_LEASE_SECONDS + " must be positive");
        }
        if (retention.compareTo(Duration.ofDays(5)) < 0) {
            // SQS keeps a message at most 4 days (the queue's retention): a record must outlive every redelivery.
            throw new IllegalArgumentException(MAIL_RETENTION_DAYS + " must be at least 5 (longer than the queue's retention)");
        }
    }

    public static MailSettings fromEnvironment(Map<String, String> env) {
        return new MailSettings(
                env.getOrDefault(USERS_TABLE, LocalDefaults.USERS_TABLE),
                env.getOrDefault(MAIL_SENDS_TABLE, LOCAL_SENDS_TABLE),
                env.getOrDefault(MAIL_SUPPRESSION_TABLE, LOCAL_SUPPRESSION_TABLE),
                env.getOrDefault(MAIL_FROM_ADDRESS, LOCAL_FROM_ADDRESS),
                Optional.ofNullable(blankToNull(env.get(MAIL_CONFIGURATION_SET))),
                Duration.ofSeconds(number(env, MAIL_CLAIM_LEASE_SECONDS, 120)),
                Duration.ofDays(number(env, MAIL_RETENTION_DAYS, 30)),
                AwsConnection.fromEnvironment(env),
                Optional.ofNullable(blankToNull(env.get(SES_ENDPOINT))).map(URI::create));
    }

    private static long number(Map<String, String> env, String name, long fallback) {
        String v = blankToNull(env.get(name));
        if (v == null) {
            return fallback;
        }
        try {
            return Long.parseLong(v.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(name + " must be a whole number, was '" + v + "'");
        }
    }

    private static String blankToNull(String s) {
        return s == null || s.isBlank() ? null : s;
    }
}
