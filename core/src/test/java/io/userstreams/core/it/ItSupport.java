package io.userstreams.core.it;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.userstreams.core.UserStreamsCore;
import io.userstreams.core.aws.AwsConnection;
import io.userstreams.core.config.CoreSettings;
import io.userstreams.core.processing.RetryPolicy;
import io.userstreams.localstack.LocalStack;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.Consumer;
import software.amazon.awssdk.http.SdkHttpClient;
import software.amazon.awssdk.http.apache5.Apache5HttpClient;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.Message;

/** Shared helpers for the integration tests against the real local stack. */
final class ItSupport {

    static final ObjectMapper JSON = new ObjectMapper();
    /** One HTTP client for every core built by the tests (the caller owns it; lives for the JVM). */
    static final SdkHttpClient HTTP = Apache5HttpClient.builder().build();

    private ItSupport() {
    }

    static String unique(String prefix) {
        return prefix + "-" + UUID.randomUUID().toString().substring(0, 8);
    }

    static UserStreamsCore core(LocalStack stack, Map<String, String> overrides, Consumer<UserStreamsCore.Builder> tune) {
        Map<String, String> env = new HashMap<>(stack.environment());
        env.putAll(overrides);
        UserStreamsCore.Builder b = UserStreamsCore.builder()
                .settings(CoreSettings.fromEnvironment(env))
                .connection(AwsConnection.fromEnvironment(env))
                .httpClient(HTTP)
                .environment(env)
                .retryPolicy(new RetryPolicy(3, Duration.ofMillis(20), Duration.ofMillis(100)));
        tune.accept(b);
        return b.build();
    }

    /** Receives until the queue stays empty for {@code quiet}; deletes what it read. */
    static List<Message> drain(SqsClient sqs, String queueUrl, Duration quiet) {
        List<Message> all = new ArrayList<>();
        long quietUntil = System.nanoTime() + quiet.toNanos();
        while (System.nanoTime() < quietUntil) {
            List<Message> got = sqs.receiveMessage(r -> r.queueUrl(queueUrl).maxNumberOfMessages(10).waitTimeSeconds(1)
                    .messageAttributeNames("All")).messages();
            if (!got.isEmpty()) {
                all.addAll(got);
                for (Message m : got) {
                    sqs.deleteMessage(r -> r.queueUrl(queueUrl).receiptHandle(m.receiptHandle()));
                }
                quietUntil = System.nanoTime() + quiet.toNanos();
            }
        }
        return all;
    }

    static JsonNode json(String text) {
        try {
            return JSON.readTree(text);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
