package io.userstreams.kcl;

import java.util.Objects;
import software.amazon.awssdk.services.dynamodb.model.DescribeStreamRequest;
import software.amazon.awssdk.services.dynamodb.model.DescribeStreamResponse;
import software.amazon.awssdk.services.dynamodb.model.GetRecordsRequest;
import software.amazon.awssdk.services.dynamodb.model.GetRecordsResponse;
import software.amazon.awssdk.services.dynamodb.model.GetShardIteratorRequest;
import software.amazon.awssdk.services.dynamodb.model.GetShardIteratorResponse;
import software.amazon.awssdk.services.dynamodb.model.ListStreamsRequest;
import software.amazon.awssdk.services.dynamodb.model.ListStreamsResponse;
import software.amazon.awssdk.services.dynamodb.model.Stream;
import software.amazon.awssdk.services.dynamodb.streams.DynamoDbStreamsClient;
import software.amazon.awssdk.services.dynamodb.streams.DynamoDbStreamsServiceClientConfiguration;

/**
 * DynamoDB Local names every stream with the region {@code ddblocal}, while the Kinesis adapter only
 * accepts ARNs with a real AWS region. KCL is given the ARN with a real region; this client maps it
 * back to {@code ddblocal} on the way to DynamoDB Local, and forward again on the way back.
 */
final class LocalStreamArnClient implements DynamoDbStreamsClient {

    static final String LOCAL_REGION = "ddblocal";

    private final DynamoDbStreamsClient delegate;
    private final String realRegion;

    LocalStreamArnClient(DynamoDbStreamsClient delegate, String realRegion) {
        this.delegate = Objects.requireNonNull(delegate);
        this.realRegion = Objects.requireNonNull(realRegion);
    }

    /** {@code arn:aws:dynamodb:ddblocal:...} → the same ARN in {@code region}; other ARNs unchanged. */
    static String withRegion(String arn, String region) {
        if (arn == null) {
            return null;
        }
        String[] parts = arn.split(":", 5);
        if (parts.length < 5 || !parts[2].equals("dynamodb")) {
            return arn;
        }
        return parts[0] + ":" + parts[1] + ":" + parts[2] + ":" + region + ":" + parts[4];
    }

    static boolean isLocalArn(String arn) {
        return arn != null && arn.contains(":dynamodb:" + LOCAL_REGION + ":");
    }

    private String toLocal(String arn) {
        return withRegion(arn, LOCAL_REGION);
    }

    private String toReal(String arn) {
        return isLocalArn(arn) ? withRegion(arn, realRegion) : arn;
    }

    @Override
    public DescribeStreamResponse describeStream(DescribeStreamRequest request) {
        DescribeStreamResponse response = delegate.describeStream(
                request.toBuilder().streamArn(toLocal(request.streamArn())).build());
        return response.toBuilder()
                .streamDescription(response.streamDescription().toBuilder()
                        .streamArn(toReal(response.streamDescription().streamArn())).build())
                .build();
    }

    @Override
    public GetShardIteratorResponse getShardIterator(GetShardIteratorRequest request) {
        return delegate.getShardIterator(request.toBuilder().streamArn(toLocal(request.streamArn())).build());
    }

    @Override
    public GetRecordsResponse getRecords(GetRecordsRequest request) {
        return delegate.getRecords(request);
    }

    @Override
    public ListStreamsResponse listStreams(ListStreamsRequest request) {
        ListStreamsResponse response = delegate.listStreams(request.toBuilder()
                .exclusiveStartStreamArn(request.exclusiveStartStreamArn() == null ? null
                        : toLocal(request.exclusiveStartStreamArn()))
                .build());
        return response.toBuilder()
                .streams(response.streams().stream()
                        .map(s -> s.toBuilder().streamArn(toReal(s.streamArn())).build())
                        .toArray(Stream[]::new))
                .lastEvaluatedStreamArn(toReal(response.lastEvaluatedStreamArn()))
                .build();
    }

    @Override
    public String serviceName() {
        return delegate.serviceName();
    }

    @Override
    public DynamoDbStreamsServiceClientConfiguration serviceClientConfiguration() {
        return delegate.serviceClientConfiguration();
    }

    @Override
    public void close() {
        delegate.close();
    }
}
