package io.userstreams.localsns;

/** A failure the SNS endpoint can be told to return instead of handling Publish / PublishBatch. */
public enum SnsFault {
    /** HTTP 500 {@code InternalError}: the SDK maps it to {@code InternalErrorException} and retries it. */
    INTERNAL_ERROR(500, "InternalError", "Request could not be completed due to an internal error (injected fault)"),
    /** HTTP 400 {@code Throttling} "Rate exceeded", what SNS answers when an API rate limit is hit; retried by the SDK. */
    THROTTLING(400, "Throttling", "Rate exceeded"),
    /** HTTP 429 {@code Throttled}, the modeled per-account publish limit: the SDK throws {@code ThrottledException}. */
    THROTTLED(429, "Throttled", "Rate exceeded"),
    /** HTTP 503 {@code ServiceUnavailable}; retried by the SDK. */
    UNAVAILABLE(503, "ServiceUnavailable", "Service is unavailable (injected fault)");

    private final int httpStatus;
    private final String code;
    private final String message;

    SnsFault(int httpStatus, String code, String message) {
        this.httpStatus = httpStatus;
        this.code = code;
        this.message = message;
    }

    public int httpStatus() {
        return httpStatus;
    }

    public String code() {
        return code;
    }

    public String message() {
        return message;
    }

    SnsError toError() {
        return new SnsError(httpStatus, code, message);
    }
}
