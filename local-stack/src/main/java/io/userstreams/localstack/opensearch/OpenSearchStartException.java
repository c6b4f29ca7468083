package io.userstreams.localstack.opensearch;

import java.nio.file.Path;
import java.util.Optional;

/** OpenSearch could not be started; the message says why and, when it ran, ends with its log tail. */
public final class OpenSearchStartException extends RuntimeException {

    private final transient Path logFile;

    OpenSearchStartException(String message, Path logFile, Throwable cause) {
        super(message, cause);
        this.logFile = logFile;
    }

    /** The node's captured stdout/stderr, kept for inspection after a failed start. */
    public Optional<Path> logFile() {
        return Optional.ofNullable(logFile);
    }
}
