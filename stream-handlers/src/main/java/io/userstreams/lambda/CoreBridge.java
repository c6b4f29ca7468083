package io.userstreams.lambda;

import io.userstreams.core.UserStreamsCore;
import io.userstreams.core.aws.AwsConnection;
import io.userstreams.core.aws.CallRecorder;
import java.time.Clock;
import software.amazon.awssdk.http.SdkHttpClient;
import software.amazon.awssdk.services.sqs.SqsClient;

/**
 * The one place that binds the handler to the core's conversion and dead-letter entry points, so
 * the handler itself depends only on {@link LambdaRecordConverter.V2Converter} and
 * {@link StreamHandlerRuntime.MalformedRecords}.
 */
final class CoreBridge {

    private CoreBridge() {
    }

    /** The same SDK v2 record converter the KCL consumer uses. */
    static LambdaRecordConverter converter() {
        return LambdaRecordConverter.withCoreConverter();
    }

    /**
     * Unconvertible records: the core's dead letters need a change record, which such a record cannot
     * give, so the handler sends them itself on its own SQS client (same queue, same message fields).
     */
    static SqsMalformedRecords malformedRecords(UserStreamsCore core, AwsConnection connection, SdkHttpClient http,
                                                Clock clock) {
        SqsClient sqs = connection.configure(CallRecorder.register(SqsClient.builder()), AwsConnection.Service.SQS).httpClient(http).build();
        String configured = core.settings().deadLetterQueueUrl();
        // Same rule as the core's dead-letter queue: the configured URL, else (local mode) the local queue by name.
        return new SqsMalformedRecords(sqs, configured != null ? () -> configured
                : () -> sqs.getQueueUrl(b -> b.queueName(UserStreamsCore.LOCAL_QUEUE_NAME)).queueUrl(), clock);
    }
}
