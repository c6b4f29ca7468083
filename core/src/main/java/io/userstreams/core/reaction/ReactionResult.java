package io.userstreams.core.reaction;

import java.util.Objects;

/**
 * @param done    how many leading changes are finished
 * @param failure why change {@code done} is not, or null when all are finished
 */
public record ReactionResult(int done, Throwable failure) {

    public static ReactionResult all(int count) {
        return new ReactionResult(count, null);
    }

    public static ReactionResult failedAt(int done, Throwable failure) {
        return new ReactionResult(done, Objects.requireNonNull(failure, "failure"));
    }

    public boolean complete() {
        return failure == null;
    }
}
