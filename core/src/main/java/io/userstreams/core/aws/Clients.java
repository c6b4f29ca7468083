package io.userstreams.core.aws;

import java.time.Duration;
import software.amazon.awssdk.core.client.config.ClientOverrideConfiguration;
import software.amazon.awssdk.http.SdkHttpClient;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.sns.SnsClient;
import software.amazon.awssdk.services.sqs.SqsClient;

/**
 * SDK v2 clients from an {@link AwsConnection} and a shared {@link SdkHttpClient} (the caller
 * owns it: closing an SDK client does not close a client passed in this way).
 *
 * <p>The SDK's own retries are kept short (2 attempts, bounded call time): the batch processor
 * does the backoff with jitter across records, and a long hidden SDK retry would only eat the
 * Lambda's time. Every client carries the {@link CallRecorder} when recording is on.
 */
public final class Clients {

    public static final Duration ATTEMPT_TIMEOUT = Duration.ofSeconds(5);
    public static final Duration CALL_TIMEOUT = Duration.ofSeconds(12);

    private Clients() {
    }

    public static ClientOverrideConfiguration overrides() {
        return ClientOverrideConfiguration.builder()
                .retryStrategy(b -> b.maxAttempts(2))
                .apiCallAttemptTimeout(ATTEMPT_TIMEOUT)
                .apiCallTimeout(CALL_TIMEOUT)
                .build();
    }

    public static DynamoDbClient dynamoDb(AwsConnection connection, SdkHttpClient httpClient) {
        return connection.configure(CallRecorder.register(DynamoDbClient.builder()), AwsConnection.Service.DYNAMODB)
                .httpClient(httpClient).overrideConfiguration(overrides()).build();
    }

    public static SnsClient sns(AwsConnection connection, SdkHttpClient httpClient) {
        return connection.configure(CallRecorder.register(SnsClient.builder()), AwsConnection.Service.SNS)
                .httpClient(httpClient).overrideConfiguration(overrides()).build();
    }

    public static SqsClient sqs(AwsConnection connection, SdkHttpClient httpClient) {
        return connection.configure(CallRecorder.register(SqsClient.builder()), AwsConnection.Service.SQS)
                .httpClient(httpClient).overrideConfiguration(overrides()).build();
    }
}
