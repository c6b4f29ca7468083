package io.userstreams.core.aws;

import io.userstreams.localdefaults.LocalDefaults;
import java.net.URI;
import java.util.Map;
import java.util.Optional;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.awscore.client.builder.AwsClientBuilder;
import software.amazon.awssdk.regions.Region;

/**
 * How to reach AWS or the local stack: region, credentials and per-service endpoint overrides.
 * Local endpoints always get fake static credentials, so a local run can never pick up ambient
 * credentials and touch a real account by surprise.
 */
public record AwsConnection(Region region, AwsCredentialsProvider credentials, Map<Service, URI> endpoints) {

    /** The services this product talks to, with the SDK's standard endpoint variable names. */
    public enum Service {
        DYNAMODB("AWS_ENDPOINT_URL_DYNAMODB"),
        DYNAMODB_STREAMS("AWS_ENDPOINT_URL_DYNAMODB_STREAMS"),
        SNS("AWS_ENDPOINT_URL_SNS"),
        SQS("AWS_ENDPOINT_URL_SQS");

        private final String variable;

        Service(String variable) {
            this.variable = variable;
        }

        public String variable() {
            return variable;
        }
    }

    public static final String AWS_REGION = "AWS_REGION";
    public static final StaticCredentialsProvider LOCAL_CREDENTIALS =
            StaticCredentialsProvider.create(AwsBasicCredentials.create("local", "local"));

    public AwsConnection {
        endpoints = Map.copyOf(endpoints);
    }

    /** A connection to servers on this machine, with fake credentials. */
    public static AwsConnection local(Region region, Map<Service, URI> endpoints) {
        return new AwsConnection(region, LOCAL_CREDENTIALS, endpoints);
    }

    /**
     * From {@code AWS_REGION} and {@code AWS_ENDPOINT_URL_*}. Any endpoint on 127.0.0.1/localhost
     * makes this a local connection (fake credentials); otherwise the default AWS chain is used,
     * which is what Lambda and EC2 instance profiles need.
     */
    public static AwsConnection fromEnvironment(Map<String, String> env) {
        Region region = Region.of(env.getOrDefault(AWS_REGION, LocalDefaults.REGION));
        Map<Service, URI> endpoints = new java.util.EnumMap<>(Service.class);
        for (Service s : Service.values()) {
            String value = env.get(s.variable());
            if (value != null && !value.isBlank()) {
                endpoints.put(s, URI.create(value.trim()));
            }
        }
        boolean local = endpoints.values().stream().anyMatch(AwsConnection::isLoopback);
        return new AwsConnection(region, local ? LOCAL_CREDENTIALS : DefaultCredentialsProvider.builder().build(),
                endpoints);
    }

    public static boolean isLoopback(URI uri) {
        String host = uri.getHost();
        return host != null && (host.equals("127.0.0.1") || host.equals("localhost") || host.equals("[::1]"));
    }

    public boolean isLocal() {
        return credentials == LOCAL_CREDENTIALS;
    }

    public Optional<URI> endpoint(Service service) {
        return Optional.ofNullable(endpoints.get(service));
    }

    /** Applies region, credentials and the service's endpoint override to an SDK client builder. */
    public <B extends AwsClientBuilder<B, ?>> B configure(B builder, Service service) {
        builder.region(region).credentialsProvider(credentials);
        endpoint(service).ifPresent(builder::endpointOverride);
        return builder;
    }

    /** The endpoint variables, for handing this connection to a child process. */
    public Map<String, String> toEnvironment() {
        Map<String, String> env = new java.util.LinkedHashMap<>();
        env.put(AWS_REGION, region.id());
        endpoints.forEach((s, uri) -> env.put(s.variable(), uri.toString()));
        return env;
    }
}
