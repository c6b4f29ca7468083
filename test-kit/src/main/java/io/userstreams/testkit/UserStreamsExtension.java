package io.userstreams.testkit;

import io.userstreams.localstack.LocalStack;
import io.userstreams.localstack.LocalStackExtension;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;

/**
 * JUnit 5: {@code @ExtendWith(UserStreamsExtension.class)}. Starts the local stack once per test
 * JVM (through {@link LocalStackExtension}: the local DynamoDB, SQS, SNS, OpenSearch on free ports),
 * resets its data before each test, and injects a {@link TestKit} — plus everything
 * LocalStackExtension injects ({@code LocalStack}, SDK clients, the OpenSearch client).
 */
public final class UserStreamsExtension implements BeforeAllCallback, BeforeEachCallback, AfterEachCallback,
        ParameterResolver {

    private static final ExtensionContext.Namespace NAMESPACE = ExtensionContext.Namespace.create(UserStreamsExtension.class);
    private final LocalStackExtension localStack = new LocalStackExtension();

    /** One welcome queue per JVM: subscribing is cheap, but subscriptions accumulate on the topic. */
    private static final class WelcomeQueue implements ExtensionContext.Store.CloseableResource {
        final String url;

        WelcomeQueue(String url) {
            this.url = url;
        }

        @Override
        public void close() {
        }
    }

    @Override
    public void beforeAll(ExtensionContext context) {
        localStack.beforeAll(context);
    }

    @Override
    public void beforeEach(ExtensionContext context) {
        TestKit kit = kit(context);
        kit.reset();
    }

    @Override
    public void afterEach(ExtensionContext context) {
        TestKit kit = context.getStore(NAMESPACE).remove(TestKit.class, TestKit.class);
        if (kit != null) {
            kit.close();
        }
    }

    private static TestKit kit(ExtensionContext context) {
        LocalStack stack = LocalStackExtension.stack(context);
        String queue = context.getRoot().getStore(NAMESPACE).getOrComputeIfAbsent(WelcomeQueue.class,
                k -> new WelcomeQueue(TestKit.subscribeWelcomeQueue(stack)), WelcomeQueue.class).url;
        return context.getStore(NAMESPACE).getOrComputeIfAbsent(TestKit.class, k -> new TestKit(stack, queue),
                TestKit.class);
    }

    @Override
    public boolean supportsParameter(ParameterContext parameterContext, ExtensionContext extensionContext) {
        return parameterContext.getParameter().getType() == TestKit.class
                || localStack.supportsParameter(parameterContext, extensionContext);
    }

    @Override
    public Object resolveParameter(ParameterContext parameterContext, ExtensionContext extensionContext) {
        if (parameterContext.getParameter().getType() == TestKit.class) {
            return kit(extensionContext);
        }
        return localStack.resolveParameter(parameterContext, extensionContext);
    }
}
