package io.userstreams.core.search;

import io.userstreams.core.aws.AwsConnection;
import io.userstreams.core.aws.CallRecorder;
import io.userstreams.core.config.ReactionId;
import java.net.URI;
import java.util.Locale;
import java.util.Map;
import org.apache.hc.core5.http.HttpHost;
import org.apache.hc.core5.util.Timeout;
import org.opensearch.client.json.jackson.JacksonJsonpMapper;
import org.opensearch.client.opensearch.OpenSearchClient;
import org.opensearch.client.transport.OpenSearchTransport;
import org.opensearch.client.transport.aws.AwsSdk2Transport;
import org.opensearch.client.transport.aws.AwsSdk2TransportOptions;
import org.opensearch.client.transport.httpclient5.ApacheHttpClient5TransportBuilder;
import software.amazon.awssdk.http.SdkHttpClient;

/**
 * opensearch-java clients for an endpoint: plain HTTP(S) with the Apache 5 transport for local or
 * self-managed clusters; SigV4-signed {@link AwsSdk2Transport} (service {@code es}) for Amazon
 * OpenSearch Service, chosen for https endpoints on {@code *.es.amazonaws.com} or when
 * {@value #SIGV4_VARIABLE}=true.
 */
public final class OpenSearchClients {

    public static final String SIGV4_VARIABLE = "OPENSEARCH_SIGV4";

    private OpenSearchClients() {
    }

    /** True when requests to this endpoint must be SigV4-signed. */
    public static boolean needsSigV4(URI endpoint, Map<String, String> env) {
        String flag = env.get(SIGV4_VARIABLE);
        if (flag != null && !flag.isBlank()) {
            return Boolean.parseBoolean(flag.trim());
        }
        String host = endpoint.getHost() == null ? "" : endpoint.getHost().toLowerCase(Locale.ROOT);
        return "https".equalsIgnoreCase(endpoint.getScheme()) && host.endsWith(".es.amazonaws.com");
    }

    /**
     * A client for {@code endpoint}. The SigV4 transport uses {@code httpClient} (the caller keeps
     * owning it); the plain transport has its own Apache 5 pool, closed with the transport.
     */
    public static OpenSearchClient create(String endpoint, AwsConnection connection, SdkHttpClient httpClient,
                                          boolean sigV4) {
        URI uri;
        try {
            uri = URI.create(endpoint.trim());
        } catch (IllegalArgumentException e) {
            uri = URI.create("invalid:/");
        }
        if (uri.getHost() == null) {
            throw new IllegalArgumentException("OPENSEARCH_ENDPOINT must be a URL like http://127.0.0.1:9200, was '"
                    + endpoint + "'");
        }
        OpenSearchTransport transport;
        if (sigV4) {
            transport = new AwsSdk2Transport(httpClient, uri.getHost(), "es", connection.region(),
                    AwsSdk2TransportOptions.builder().setCredentials(connection.credentials())
                            .setMapper(new JacksonJsonpMapper()).build());
        } else {
            HttpHost host = HttpHost.create(uri);
            transport = ApacheHttpClient5TransportBuilder.builder(host)
                    .setMapper(new JacksonJsonpMapper())
                    .setRequestConfigCallback(r -> r.setConnectionRequestTimeout(Timeout.ofSeconds(5))
                            .setResponseTimeout(Timeout.ofSeconds(30)))
                    .setHttpClientConfigCallback(b -> CallRecorder.enabled()
                            // es:ESHttp<Method> is what the domain's policies grant: record it like the SDK calls.
                            // Only the search-index reaction has an OpenSearch client.
                            ? b.addRequestInterceptorFirst((request, entity, context) ->
                                    CallRecorder.recordHttp(ReactionId.SEARCH_INDEX.id(), "es", request.getMethod(), request.getPath()))
                            : b)
                    .build();
        }
        return new OpenSearchClient(transport);
    }

    /** A client for {@code endpoint}, signing when {@link #needsSigV4} says so. */
    public static OpenSearchClient create(String endpoint, AwsConnection connection, SdkHttpClient httpClient,
                                          Map<String, String> env) {
        URI uri;
        try {
            uri = URI.create(endpoint.trim());
        } catch (IllegalArgumentException e) {
            return create(endpoint, connection, httpClient, false); // reports the bad endpoint
        }
        return create(endpoint, connection, httpClient, needsSigV4(uri, env));
    }

    /** Closes the client's transport (and with it the Apache 5 pool of a plain client). */
    public static void close(OpenSearchClient client) {
        try {
            client._transport().close();
        } catch (Exception e) {
            throw new IllegalStateException("closing the OpenSearch client failed", e);
        }
    }
}
