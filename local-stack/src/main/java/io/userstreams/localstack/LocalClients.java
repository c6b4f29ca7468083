package io.userstreams.localstack;

import java.net.URI;
import java.time.Duration;
import org.apache.hc.core5.http.HttpHost;
import org.opensearch.client.json.jackson.JacksonJsonpMapper;
import org.opensearch.client.opensearch.OpenSearchClient;
import org.opensearch.client.transport.httpclient5.ApacheHttpClient5Transport;
import org.opensearch.client.transport.httpclient5.ApacheHttpClient5TransportBuilder;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.awscore.client.builder.AwsClientBuilder;
import software.amazon.awssdk.http.SdkHttpClient;
import software.amazon.awssdk.http.apache5.Apache5HttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.streams.DynamoDbStreamsClient;
import software.amazon.awssdk.services.sns.SnsClient;
import software.amazon.awssdk.services.sqs.SqsClient;

/**
 * SDK v2 and OpenSearch clients for the local servers: fake static credentials (a local client can
 * never sign for a real account), an explicit endpoint, and the Apache 5 HTTP client, which is
 * about 4x faster than the URL-connection client for GetRecords here.
 */
public final class LocalClients {

    /** The fake credentials every local client signs with. */
    public static final StaticCredentialsProvider CREDENTIALS =
            StaticCredentialsProvider.create(AwsBasicCredentials.create("local", "local"));

    private LocalClients() {
    }

    /** The HTTP client builder; handed to the SDK builder so the client owns and closes it. */
    public static SdkHttpClient.Builder<?> httpClientBuilder() {
        return Apache5HttpClient.builder()
                .maxConnections(64)
                .connectionTimeout(Duration.ofSeconds(2))
                .socketTimeout(Duration.ofSeconds(30));
    }

    public static DynamoDbClient dynamoDb(URI endpoint, String region) {
        return configure(DynamoDbClient.builder(), endpoint, region).build();
    }

    public static DynamoDbStreamsClient dynamoDbStreams(URI endpoint, String region) {
        return configure(DynamoDbStreamsClient.builder(), endpoint, region).build();
    }

    public static SnsClient sns(URI endpoint, String region) {
        return configure(SnsClient.builder(), endpoint, region).build();
    }

    public static SqsClient sqs(URI endpoint, String region) {
        return configure(SqsClient.builder(), endpoint, region).build();
    }

    /** An OpenSearch client over plain HTTP; close it with {@code client._transport().close()}. */
    public static OpenSearchClient openSearch(URI endpoint) {
        HttpHost host = new HttpHost(endpoint.getScheme(), endpoint.getHost(), endpoint.getPort());
        ApacheHttpClient5Transport transport = ApacheHttpClient5TransportBuilder.builder(host)
                .setMapper(new JacksonJsonpMapper())
                .build();
        return new OpenSearchClient(transport);
    }

    private static <B extends AwsClientBuilder<B, ?> & software.amazon.awssdk.awscore.client.builder.AwsSyncClientBuilder<B, ?>>
            B configure(B builder, URI endpoint, String region) {
        builder.httpClientBuilder(httpClientBuilder());
        return builder.region(Region.of(region))
                .credentialsProvider(CREDENTIALS)
                .endpointOverride(endpoint);
    }
}
