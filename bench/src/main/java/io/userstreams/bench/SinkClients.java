package io.userstreams.bench;

import io.userstreams.core.aws.AwsConnection;
import io.userstreams.core.aws.Clients;
import io.userstreams.core.config.CoreSettings;
import io.userstreams.core.search.IndexDefinition;
import io.userstreams.core.search.OpenSearchClients;
import io.userstreams.core.search.OpenSearchIndexSink;
import io.userstreams.core.welcome.SnsWelcomePublisher;
import java.util.Map;
import org.opensearch.client.opensearch.OpenSearchClient;
import software.amazon.awssdk.http.SdkHttpClient;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.sns.SnsClient;

/**
 * The sinks a benchmark path writes to without the core's runner (DynamoDB, the welcome topic, the
 * index), built from the stack's environment over one HTTP client; closed together with it. The
 * HTTP client is the caller's: the paths model different writers (pooled Apache 5, or Lambda's
 * usual URL-connection client).
 */
final class SinkClients implements AutoCloseable {

    final SdkHttpClient http;
    final DynamoDbClient dynamoDb;
    final SnsClient sns;
    final OpenSearchClient openSearch;
    final SnsWelcomePublisher publisher;
    final OpenSearchIndexSink search;

    SinkClients(Map<String, String> env, SdkHttpClient http) {
        CoreSettings settings = CoreSettings.fromEnvironment(env);
        AwsConnection connection = AwsConnection.fromEnvironment(env);
        this.http = http;
        dynamoDb = Clients.dynamoDb(connection, http);
        sns = Clients.sns(connection, http);
        openSearch = OpenSearchClients.create(settings.openSearchEndpoint(), connection, http, env);
        publisher = new SnsWelcomePublisher(sns, settings.welcomeTopicArn());
        search = new OpenSearchIndexSink(openSearch, IndexDefinition.fromTemplate().withName(settings.openSearchIndex()));
    }

    @Override
    public void close() {
        OpenSearchClients.close(openSearch);
        sns.close();
        dynamoDb.close();
        http.close();
    }
}
