package io.userstreams.core.search;

/** One bulk item's answer: HTTP-like status, and the error type and reason when it failed. */
public record BulkItemResult(int status, String errorType, String reason) {

    public static final BulkItemResult OK = new BulkItemResult(200, null, null);

    public boolean ok() {
        return status >= 200 && status < 300;
    }
}
