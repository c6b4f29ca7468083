package io.userstreams.core.welcome;

import io.userstreams.core.failure.RecordFailureException;
import java.util.List;

/** Sends welcome messages, up to 10 per call (SNS PublishBatch). */
public interface WelcomePublisher {

    int MAX_BATCH = 10;

    /**
     * Publishes the messages; returns, per message in order, null when it was published or the
     * reason it was not (a {@code RecordFailureException} when the message itself was refused).
     * Throws when the whole call failed (nothing was published).
     */
    List<Throwable> publish(List<WelcomeMessage> messages);
}
