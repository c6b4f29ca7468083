package io.userstreams.localses;

/** Failures the local endpoint can inject into SendEmail, with the status and code SES uses for each. */
public enum SesFault {
    /** The account's maximum send rate: SES answers 429 TooManyRequestsException. */
    THROTTLING(429, "TooManyRequestsException", "Maximum sending rate exceeded."),
    /** The 24-hour sending quota is used up. */
    DAILY_QUOTA(400, "LimitExceededException", "Daily message quota exceeded."),
    /** Sending is paused for the account or the configuration set. */
    SENDING_PAUSED(400, "SendingPausedException", "Email sending is disabled for this account."),
    /** An internal error of the service. */
    INTERNAL(500, "InternalFailure", "An internal failure occurred.");

    private final int status;
    private final String code;
    private final String message;

    SesFault(int status, String code, String message) {
        this.status = status;
        this.code = code;
        this.message = message;
    }

    SesError error() {
        return new SesError(status, code, message);
    }
}
