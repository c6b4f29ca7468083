package io.userstreams.localses;

/** An error as SES v2 returns it: HTTP status, the {@code x-amzn-ErrorType} code and a message. */
public final class SesError extends RuntimeException {

    private final int status;
    private final String code;

    public SesError(int status, String code, String message) {
        super(message);
        this.status = status;
        this.code = code;
    }

    static SesError badRequest(String message) {
        return new SesError(400, "BadRequestException", message);
    }

    static SesError messageRejected(String message) {
        return new SesError(400, "MessageRejected", message);
    }

    public int status() {
        return status;
    }

    public String code() {
        return code;
    }
}
