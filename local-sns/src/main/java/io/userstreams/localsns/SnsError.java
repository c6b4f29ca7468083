package io.userstreams.localsns;

/** An error answer in the service's terms: HTTP status, error code and message. */
final class SnsError extends RuntimeException {

    private final int httpStatus;
    private final String code;

    SnsError(int httpStatus, String code, String message) {
        super(message, null, false, false);
        this.httpStatus = httpStatus;
        this.code = code;
    }

    static SnsError invalidParameter(String message) {
        return new SnsError(400, "InvalidParameter", message);
    }

    static SnsError invalidParameterValue(String message) {
        return new SnsError(400, "ParameterValueInvalid", message);
    }

    static SnsError notFound(String message) {
        return new SnsError(404, "NotFound", message);
    }

    int httpStatus() {
        return httpStatus;
    }

    String code() {
        return code;
    }

    /** Sender for client errors, Receiver for server errors, as in the service's ErrorResponse. */
    String type() {
        return httpStatus >= 500 ? "Receiver" : "Sender";
    }
}
