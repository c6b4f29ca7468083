package io.userstreams.localstack;

import java.net.URI;
import org.elasticmq.rest.sqs.SQSRestServer;
import org.elasticmq.rest.sqs.SQSRestServerBuilder;

/** ElasticMQ's SQS REST server inside this JVM, on 127.0.0.1. */
final class ElasticMqServer implements AutoCloseable {

    private final SQSRestServer server;
    private final URI endpoint;
    private final int port;

    private ElasticMqServer(SQSRestServer server, String host, int port) {
        this.server = server;
        this.port = port;
        this.endpoint = URI.create("http://" + host + ":" + port);
    }

    /** Starts and waits for the binding; port 0 binds a free port. */
    static ElasticMqServer start(String host, int port, String region, String accountId) {
        SQSRestServer server = (port == 0 ? SQSRestServerBuilder.withDynamicPort() : SQSRestServerBuilder.withPort(port))
                .withInterface(host)
                .withAWSRegion(region)
                .withAWSAccountId(accountId)
                .start();
        int bound;
        try {
            bound = server.waitUntilStarted().localAddress().getPort();
        } catch (RuntimeException e) {
            try {
                server.stopAndWait();
            } catch (RuntimeException ignored) {
                // the bind failure is what matters
            }
            throw e;
        }
        return new ElasticMqServer(server, host, bound);
    }

    URI endpoint() {
        return endpoint;
    }

    int port() {
        return port;
    }

    @Override
    public void close() {
        server.stopAndWait();
    }
}
