package io.userstreams.core.aws;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import software.amazon.awssdk.core.SdkPlugin;
import software.amazon.awssdk.core.SdkRequest;
import software.amazon.awssdk.core.client.builder.SdkClientBuilder;
import software.amazon.awssdk.core.client.config.ClientOverrideConfiguration;
import software.amazon.awssdk.core.interceptor.Context;
import software.amazon.awssdk.core.interceptor.ExecutionAttributes;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;
import software.amazon.awssdk.core.interceptor.SdkExecutionAttribute;
import software.amazon.awssdk.services.dynamodb.model.TransactWriteItem;
import software.amazon.awssdk.services.dynamodb.model.TransactWriteItemsRequest;

/**
 * Records every AWS call a runtime makes (scope, service, operation, resource) to a file, so a test
 * can check the calls against the IAM policies of the role the runtime has in template.yaml.
 * Off unless {@value #PROPERTY} (system property) or {@value #VARIABLE} (environment, inherited by
 * child processes) names the file; lines are appended once per process, tab-separated:
 * {@code scope  service  operation  key=value...}. The scope is the reaction running on the calling
 * thread ({@link #scope}) or {@value #RUNTIME_SCOPE} for the runtime's own calls (stream reading,
 * dead letters, KCL's leases and metrics).
 */
public final class CallRecorder implements ExecutionInterceptor {

    public static final String PROPERTY = "userstreams.recordCalls";
    public static final String VARIABLE = "USER_STREAMS_RECORD_CALLS";
    public static final String RUNTIME_SCOPE = "runtime";

    private static final CallRecorder INSTANCE = new CallRecorder();
    private static final ThreadLocal<String> SCOPE = new ThreadLocal<>();
    private static final Set<String> WRITTEN = ConcurrentHashMap.newKeySet();
    private static final SdkPlugin PLUGIN = config -> {
        ClientOverrideConfiguration current = config.overrideConfiguration();
        ClientOverrideConfiguration.Builder b = current == null ? ClientOverrideConfiguration.builder() : current.toBuilder();
        config.overrideConfiguration(b.addExecutionInterceptor(INSTANCE).build());
    };

    private static final SdkPlugin METER_PLUGIN = config -> {
        ClientOverrideConfiguration current = config.overrideConfiguration();
        ClientOverrideConfiguration.Builder b = current == null ? ClientOverrideConfiguration.builder() : current.toBuilder();
        config.overrideConfiguration(b.addExecutionInterceptor(CallMeter.INSTANCE).build());
    };

    private CallRecorder() {
    }

    /** Where calls are recorded, if recording is on. */
    public static Optional<Path> target() {
        String p = System.getProperty(PROPERTY);
        if (p == null || p.isBlank()) {
            p = System.getenv(VARIABLE);
        }
        return p == null || p.isBlank() ? Optional.empty() : Optional.of(Path.of(p.trim()));
    }

    public static boolean enabled() {
        return target().isPresent();
    }

    /**
     * Registers the recorder on a client builder when recording is on, and the {@link CallMeter} when
     * metering is on (plugins: they survive later overrideConfiguration calls).
     */
    public static <B extends SdkClientBuilder<B, ?>> B register(B builder) {
        B b = enabled() ? builder.addPlugin(PLUGIN) : builder;
        return CallMeter.enabled() ? b.addPlugin(METER_PLUGIN) : b;
    }

    /** Attributes the calls of the current thread to {@code name} (a reaction id) until closed. */
    public static Scope scope(String name) {
        String previous = SCOPE.get();
        SCOPE.set(name);
        return () -> {
            if (previous == null) {
                SCOPE.remove();
            } else {
                SCOPE.set(previous);
            }
        };
    }

    /** The task, run in the scope current now (for work handed to another thread). */
    public static <T> java.util.concurrent.Callable<T> inCurrentScope(java.util.concurrent.Callable<T> task) {
        String scope = SCOPE.get();
        if (scope == null) {
            return task;
        }
        return () -> {
            try (Scope s = scope(scope)) {
                return task.call();
            }
        };
    }

    /** A scope that restores the previous one; closing never throws. */
    public interface Scope extends AutoCloseable {
        @Override
        void close();
    }

    /**
     * Records an OpenSearch HTTP request (IAM actions es:ESHttp&lt;Method&gt; on the domain's paths).
     * The scope is explicit: the HTTP client runs requests on its own I/O threads.
     */
    public static void recordHttp(String scope, String service, String method, String path) {
        record(scope, service, "ESHttp" + method.charAt(0) + method.substring(1).toLowerCase(java.util.Locale.ROOT),
                List.of("path=" + (path == null || path.isEmpty() ? "/" : path.replaceFirst("\\?.*", ""))));
    }

    @Override
    public void beforeExecution(Context.BeforeExecution context, ExecutionAttributes attributes) {
        String service = attributes.getAttribute(SdkExecutionAttribute.SERVICE_NAME);
        String operation = attributes.getAttribute(SdkExecutionAttribute.OPERATION_NAME);
        SdkRequest request = context.request();
        if (request instanceof TransactWriteItemsRequest transact) {
            // IAM has no action for the transaction itself: each item needs its own (PutItem, ...).
            for (TransactWriteItem item : transact.transactItems()) {
                if (item.put() != null) {
                    record(SCOPE.get(), service, operation, List.of("item=PutItem", "table=" + item.put().tableName()));
                }
                if (item.update() != null) {
                    record(SCOPE.get(), service, operation, List.of("item=UpdateItem", "table=" + item.update().tableName()));
                }
                if (item.delete() != null) {
                    record(SCOPE.get(), service, operation, List.of("item=DeleteItem", "table=" + item.delete().tableName()));
                }
                if (item.conditionCheck() != null) {
                    record(SCOPE.get(), service, operation, List.of("item=ConditionCheckItem", "table=" + item.conditionCheck().tableName()));
                }
            }
            return;
        }
        List<String> resource = new ArrayList<>();
        field(request, "TableName").ifPresent(v -> resource.add("table=" + v));
        field(request, "IndexName").ifPresent(v -> resource.add("index=" + v));
        field(request, "StreamArn").ifPresent(v -> resource.add("stream=" + v));
        field(request, "TopicArn").ifPresent(v -> resource.add("topic=" + v));
        field(request, "QueueUrl").ifPresent(v -> resource.add("queue=" + URI.create(v).getPath()));
        field(request, "QueueName").ifPresent(v -> resource.add("queue=/" + v));
        field(request, "Namespace").ifPresent(v -> resource.add("namespace=" + v));
        request.getValueForField("RequestItems", Map.class)
                .ifPresent(items -> items.keySet().forEach(table -> resource.add("table=" + table)));
        record(SCOPE.get(), service, operation, resource);
    }

    private static Optional<String> field(SdkRequest request, String name) {
        return request.getValueForField(name, String.class).filter(v -> !v.isBlank());
    }

    private static void record(String scope, String service, String operation, List<String> resource) {
        Optional<Path> file = target();
        if (file.isEmpty()) {
            return;
        }
        StringBuilder line = new StringBuilder(scope == null ? RUNTIME_SCOPE : scope).append('\t').append(service)
                .append('\t').append(operation);
        resource.forEach(r -> line.append('\t').append(r));
        String text = line.append('\n').toString();
        if (!WRITTEN.add(file.get().toAbsolutePath() + "\u0000" + text)) {
            return; // already in this file
        }
        try {
            Path path = file.get();
            if (path.getParent() != null) {
                Files.createDirectories(path.getParent());
            }
            // One short append per line: atomic between the processes of a test run.
            Files.writeString(path, text, StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        } catch (IOException e) {
            throw new UncheckedIOException("recording an AWS call to " + file.get() + " failed", e);
        }
    }
}
