package io.userstreams.kcl;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.ConsoleAppender;
import ch.qos.logback.core.FileAppender;
import ch.qos.logback.core.OutputStreamAppender;
import java.nio.file.Path;
import net.logstash.logback.encoder.LogstashEncoder;
import org.slf4j.LoggerFactory;

/**
 * The consumer's logging, set in code so it does not depend on which logback.xml wins on a shared
 * classpath: one JSON object per line (key-value pairs as fields), to stderr or to a file.
 * KCL and the SDK log at WARN: their INFO lines are per-poll noise.
 */
public final class JsonLogs {

    private JsonLogs() {
    }

    /** JSON lines on stderr (EC2: the journal or CloudWatch agent collects them). */
    public static void toStderr(String level) {
        ConsoleAppender<ILoggingEvent> console = new ConsoleAppender<>();
        console.setTarget("System.err");
        install(console, level);
    }

    /** JSON lines appended to {@code file} (the local terminal stays readable). */
    public static void toFile(Path file, String level) {
        FileAppender<ILoggingEvent> appender = new FileAppender<>();
        appender.setFile(file.toString());
        appender.setAppend(true);
        install(appender, level);
    }

    private static void install(OutputStreamAppender<ILoggingEvent> appender, String level) {
        if (!(LoggerFactory.getILoggerFactory() instanceof LoggerContext context)) {
            return;     // another slf4j backend: leave its configuration alone
        }
        context.reset();
        LogstashEncoder encoder = new LogstashEncoder();
        encoder.setContext(context);
        encoder.setIncludeContext(false);
        encoder.start();
        appender.setContext(context);
        appender.setName("json");
        appender.setEncoder(encoder);
        appender.start();
        Logger root = context.getLogger(Logger.ROOT_LOGGER_NAME);
        root.setLevel(Level.toLevel(level, Level.INFO));
        root.addAppender(appender);
        for (String noisy : new String[] {"software.amazon.kinesis", "com.amazonaws", "software.amazon.awssdk",
                "org.apache.hc", "org.opensearch", "io.netty", "org.eclipse.jetty", "org.elasticmq", "org.apache.pekko",
                "com.icegreen"}) {
            context.getLogger(noisy).setLevel(Level.WARN);
        }
    }
}
