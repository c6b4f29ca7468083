package io.userstreams.cli;

import org.slf4j.LoggerFactory;

/**
 * The CLI's own commands print progress and summaries; the core's per-record JSON logs would bury
 * them, so they are lowered to WARN unless USER_STREAMS_LOG_LEVEL says otherwise.
 */
public final class Logs {

    private Logs() {
    }

    public static void quiet() {
        String level = System.getenv().getOrDefault("USER_STREAMS_LOG_LEVEL", "WARN");
        if (LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME) instanceof ch.qos.logback.classic.Logger root) {
            root.setLevel(ch.qos.logback.classic.Level.toLevel(level, ch.qos.logback.classic.Level.WARN));
        }
    }
}
