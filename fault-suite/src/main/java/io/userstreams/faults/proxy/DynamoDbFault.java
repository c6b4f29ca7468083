package io.userstreams.faults.proxy;

/**
 * DynamoDB error responses {@link DynamoDbFaultProxy} can answer with, in the exact AWS JSON 1.0 wire
 * shape real DynamoDB uses, so the SDK unmarshals them into its modeled exceptions.
 */
public enum DynamoDbFault {
    /** HTTP 400 {@code ThrottlingException}; the SDK treats it as throttling and retries it. */
    THROTTLING("ThrottlingException", "Rate of requests exceeds the allowed throughput."),
    /** HTTP 400 {@code ProvisionedThroughputExceededException}; retried by the SDK as throttling. */
    PROVISIONED_THROUGHPUT_EXCEEDED("ProvisionedThroughputExceededException",
            "The level of configured provisioned throughput for the table was exceeded. "
                    + "Consider increasing your provisioning level with the UpdateTable API."),
    /**
     * HTTP 400 {@code TransactionCanceledException} with one cancellation reason per transact item, the
     * first being TransactionConflict. Only for TransactWriteItems; other operations get THROTTLING.
     */
    TRANSACTION_CONFLICT("TransactionCanceledException",
            "Transaction cancelled, please refer cancellation reasons for specific reasons");

    static final String TYPE_PREFIX = "com.amazonaws.dynamodb.v20120810#";

    private final String errorCode;
    private final String message;

    DynamoDbFault(String errorCode, String message) {
        this.errorCode = errorCode;
        this.message = message;
    }

    /** The AWS error code (the part of {@code __type} after '#'). */
    public String errorCode() {
        return errorCode;
    }

    /** The message (for TRANSACTION_CONFLICT, the prefix before the bracketed reason list). */
    public String message() {
        return message;
    }
}
