package io.userstreams.cli;

/**
 * A failure the user can act on: the message says what failed and what to do. Main prints only the
 * message (no stack trace) and exits with {@link #exitCode()}: 1 for a failure, 2 for a usage error.
 */
public class CliException extends RuntimeException {

    public static final int FAILURE = 1;
    public static final int USAGE = 2;

    private final int exitCode;

    public CliException(String message) {
        this(message, FAILURE, null);
    }

    public CliException(String message, int exitCode) {
        this(message, exitCode, null);
    }

    public CliException(String message, int exitCode, Throwable cause) {
        super(message, cause);
        this.exitCode = exitCode;
    }

    public static CliException usage(String message) {
        return new CliException(message, USAGE);
    }

    public int exitCode() {
        return exitCode;
    }
}
