package io.userstreams.localstack;

import java.util.Set;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolutionException;
import org.junit.jupiter.api.extension.ParameterResolver;
import org.opensearch.client.opensearch.OpenSearchClient;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.streams.DynamoDbStreamsClient;
import software.amazon.awssdk.services.sns.SnsClient;
import software.amazon.awssdk.services.sqs.SqsClient;

/**
 * JUnit 5: {@code @ExtendWith(LocalStackExtension.class)} starts one local stack per test JVM (free
 * ports, resources created), shares it across test classes and stops it when the run ends. Test
 * constructors, lifecycle and test methods can take {@link LocalStack}, {@link LocalResources},
 * {@link DynamoDbClient}, {@link DynamoDbStreamsClient}, {@link SnsClient}, {@link SqsClient} and
 * {@link OpenSearchClient} parameters.
 *
 * <p>OpenSearch (a ~10 s child process) is on unless {@code -Duserstreams.localstack.opensearch=false}
 * or {@code USER_STREAMS_OPENSEARCH=false}; an {@link OpenSearchClient} parameter then fails.
 */
public final class LocalStackExtension implements BeforeAllCallback, ParameterResolver {

    public static final String OPENSEARCH_PROPERTY = "userstreams.localstack.opensearch";
    public static final String OPENSEARCH_VARIABLE = "USER_STREAMS_OPENSEARCH";

    private static final ExtensionContext.Namespace NAMESPACE = ExtensionContext.Namespace.create(LocalStackExtension.class);
    private static final Set<Class<?>> SUPPORTED = Set.of(LocalStack.class, LocalResources.class, DynamoDbClient.class,
            DynamoDbStreamsClient.class, SnsClient.class, SqsClient.class, OpenSearchClient.class);

    /** The stack in the root store: closed by JUnit when the whole run is over. */
    private static final class StackResource implements ExtensionContext.Store.CloseableResource {
        final LocalStack stack;

        StackResource(LocalStack stack) {
            this.stack = stack;
        }

        @Override
        public void close() {
            stack.close();
        }
    }

    @Override
    public void beforeAll(ExtensionContext context) {
        stack(context);
    }

    /** The shared stack, started on first use. */
    public static LocalStack stack(ExtensionContext context) {
        return context.getRoot().getStore(NAMESPACE)
                .getOrComputeIfAbsent(StackResource.class, key -> new StackResource(startStack()), StackResource.class)
                .stack;
    }

    private static LocalStack startStack() {
        LocalStackOptions options = LocalStackOptions.forTestsBuilder().openSearch(openSearchWanted()).build();
        LocalStack stack = LocalStack.start(options);
        stack.resources();
        // Surefire keeps stdout per test class: the start-up line lands in the test log whatever the logging setup.
        System.out.println("[local-stack] " + stack.startupSummary());
        return stack;
    }

    static boolean openSearchWanted() {
        String value = System.getProperty(OPENSEARCH_PROPERTY);
        if (value == null || value.isBlank()) {
            value = System.getenv(OPENSEARCH_VARIABLE);
        }
        return value == null || value.isBlank() || Boolean.parseBoolean(value.trim());
    }

    @Override
    public boolean supportsParameter(ParameterContext parameterContext, ExtensionContext extensionContext) {
        return SUPPORTED.contains(parameterContext.getParameter().getType());
    }

    @Override
    public Object resolveParameter(ParameterContext parameterContext, ExtensionContext extensionContext) {
        LocalStack stack = stack(extensionContext);
        Class<?> type = parameterContext.getParameter().getType();
        try {
            if (type == LocalStack.class) {
                return stack;
            }
            if (type == LocalResources.class) {
                return stack.resources();
            }
            if (type == DynamoDbClient.class) {
                return stack.dynamoDb();
            }
            if (type == DynamoDbStreamsClient.class) {
                return stack.dynamoDbStreams();
            }
            if (type == SnsClient.class) {
                return stack.sns();
            }
            if (type == SqsClient.class) {
                return stack.sqs();
            }
            if (type == OpenSearchClient.class) {
                return stack.openSearch();
            }
        } catch (RuntimeException e) {
            throw new ParameterResolutionException("cannot provide " + type.getSimpleName() + ": " + e.getMessage(), e);
        }
        throw new ParameterResolutionException("unsupported parameter type " + type.getName());
    }
}
