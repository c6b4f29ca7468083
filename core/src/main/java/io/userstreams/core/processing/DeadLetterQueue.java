package io.userstreams.core.processing;

/** Where records go that cannot be applied. A send that throws is a systemic failure. */
@FunctionalInterface
public interface DeadLetterQueue {

    void send(DeadLetter letter);
}
