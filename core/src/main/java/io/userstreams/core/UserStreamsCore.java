package io.userstreams.core;

import io.userstreams.core.aws.AwsConnection;
import io.userstreams.core.config.CoreSettings;
import io.userstreams.core.processing.BatchProcessor;
import io.userstreams.core.processing.ProcessingMetrics;
import java.util.Objects;
import software.amazon.awssdk.http.SdkHttpClient;

/**
 * The product's core, assembled: the enabled reactions, their sinks and the ordered batch
 * processor. A runtime builds one per process (Lambda: per container) and hands it change records.
 */
public final class UserStreamsCore implements AutoCloseable {

    private final CoreSettings settings;
    private final BatchProcessor processor;
    private final AutoCloseable resources;

    private UserStreamsCore(CoreSettings settings, BatchProcessor processor, AutoCloseable resources) {
        this.settings = settings;
        this.processor = processor;
        this.resources = resources;
    }

    public static Builder builder() {
        return new Builder();
    }

    public CoreSettings settings() {
        return settings;
    }

    public BatchProcessor processor() {
        return processor;
    }

    @Override
    public void close() {
        try {
            resources.close();
        } catch (Exception e) {
            throw new IllegalStateException("closing the core's clients failed", e);
        }
    }

    public static final class Builder {
        private CoreSettings settings;
        private AwsConnection connection;
        private SdkHttpClient httpClient;
        private ProcessingMetrics metrics = ProcessingMetrics.NONE;

        public Builder settings(CoreSettings settings) {
            this.settings = settings;
            return this;
        }

        public Builder connection(AwsConnection connection) {
            this.connection = connection;
            return this;
        }

        /** The HTTP client for every SDK client (Lambda: a light one; EC2: Apache 5). */
        public Builder httpClient(SdkHttpClient httpClient) {
            this.httpClient = httpClient;
            return this;
        }

        public Builder metrics(ProcessingMetrics metrics) {
            this.metrics = metrics;
            return this;
        }

        public UserStreamsCore build() {
            Objects.requireNonNull(settings, "settings");
            Objects.requireNonNull(connection, "connection");
            Objects.requireNonNull(httpClient, "httpClient");
            // TODO(core): build the sinks and reactions from settings and wire the ordered processor.
            throw new UnsupportedOperationException("core assembly not built yet");
        }
    }
}
