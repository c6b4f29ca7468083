package io.userstreams.mail;

/**
 * What became of one welcome message.
 *
 * @param kind         SENT, DUPLICATE (an earlier delivery finished it), SKIPPED (the user is gone),
 *                     REJECTED (permanent: recorded, not retried) or RETRY (systemic: the message is
 *                     handed back to the queue)
 * @param reason       a short code (e.g. Suppressed, InvalidAddress, NameTooLong, Throttled)
 * @param detail       the service's words, never an address
 * @param sesMessageId SES's id of the sent mail
 */
public record MailOutcome(Kind kind, String reason, String detail, String sesMessageId, Throwable cause) {

    public enum Kind { SENT, DUPLICATE, SKIPPED, REJECTED, RETRY }

    static MailOutcome sent(String sesMessageId) {
        return new MailOutcome(Kind.SENT, null, null, sesMessageId, null);
    }

    static MailOutcome duplicate(String existing) {
        return new MailOutcome(Kind.DUPLICATE, existing, null, null, null);
    }

    static MailOutcome skipped(String reason) {
        return new MailOutcome(Kind.SKIPPED, reason, null, null, null);
    }

    static MailOutcome rejected(String reason, String detail) {
        return new MailOutcome(Kind.REJECTED, reason, detail, null, null);
    }

    static MailOutcome retry(String reason, Throwable cause) {
        return new MailOutcome(Kind.RETRY, reason, cause == null ? null : cause.getMessage(), null, cause);
    }

    /** Done with this message: delete it from the queue. */
    public boolean done() {
        return kind != Kind.RETRY;
    }
}
