package io.userstreams.bench;

/**
 * AWS list prices, us-east-1, on-demand, as published on the services' pricing pages (read
 * 2026-12-06; sources in docs/performance.md). Dollars per unit.
 */
final class Prices {

    private Prices() {
    }

    /** DynamoDB on-demand: $0.625 per million write request units. */
    static final double WRITE_REQUEST_UNIT = 0.625 / 1e6;
    /** DynamoDB on-demand: $0.125 per million read request units. */
    static final double READ_REQUEST_UNIT = 0.125 / 1e6;
    /**
     * DynamoDB Streams: $0.02 per 100,000 streams read request units (one per GetRecords call). Free
     * when a Lambda trigger reads the stream; billed for KCL (and any other SDK reader).
     */
    static final double STREAMS_READ_REQUEST = 0.02 / 1e5;
    /** SNS FIFO topic: $0.30 per million publish requests; each 64 KB chunk of a request is one request. */
    static final double SNS_FIFO_PUBLISH_REQUEST = 0.30 / 1e6;
    /** SNS FIFO topic: $0.017 per GB of published payload. */
    static final double SNS_FIFO_PAYLOAD_GB = 0.017;
    /** SQS standard queue (the dead-letter queue): $0.40 per million requests (64 KB chunks). */
    static final double SQS_STANDARD_REQUEST = 0.40 / 1e6;
    /** Lambda: $0.20 per million requests. */
    static final double LAMBDA_REQUEST = 0.20 / 1e6;
    /** Lambda arm64 (template.yaml: Architectures [arm64]): $0.0000133334 per GB-second (first tier). */
    static final double LAMBDA_ARM_GB_SECOND = 0.0000133334;
    /** template.yaml Globals.Function.MemorySize. */
    static final int LAMBDA_MEMORY_MB = 1024;
}
