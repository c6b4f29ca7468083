package io.userstreams.localdynamodb.http;

/** A DynamoDB error as the service sends it: code (e.g. "ValidationException"), message, HTTP status. */
public final class DynamoDbException extends RuntimeException {
    private final String code;
    private final int status;
    private com.fasterxml.jackson.databind.node.ObjectNode details;

    public DynamoDbException(String code, String message) {
        this(code, message, 400);
    }

    public DynamoDbException(String code, String message, int status) {
        super(message, null, false, false); // no stack trace: errors are part of normal traffic
        this.code = code;
        this.status = status;
    }

    public String code() {
        return code;
    }

    public int status() {
        return status;
    }

    /** Extra members of the error body, e.g. CancellationReasons or the Item of a failed condition. */
    public DynamoDbException withDetails(com.fasterxml.jackson.databind.node.ObjectNode details) {
        this.details = details;
        return this;
    }

    public com.fasterxml.jackson.databind.node.ObjectNode details() {
        return details;
    }

    public static DynamoDbException validation(String message) {
        return new DynamoDbException("ValidationException", message);
    }

    public static DynamoDbException resourceNotFound() {
        return new DynamoDbException("ResourceNotFoundException", "Requested resource not found");
    }
}
