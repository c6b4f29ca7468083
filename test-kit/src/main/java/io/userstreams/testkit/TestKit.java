package io.userstreams.testkit;

import io.userstreams.core.config.CoreSettings;
import io.userstreams.core.user.User;
import io.userstreams.core.user.UserStore;
import io.userstreams.localstack.LocalStack;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The test kit for one test: the local stack, replayers for both runtimes, writes to the users
 * table, and {@link #effects()} to read back and assert what the reactions did. Injected by
 * {@link UserStreamsExtension}; the stack's data is reset before each test.
 */
public final class TestKit implements AutoCloseable {

    private static final AtomicInteger QUEUES = new AtomicInteger();

    private final LocalStack stack;
    private final String welcomeQueueUrl;
    private final Effects effects;
    private final List<Replayer> replayers = new ArrayList<>();

    TestKit(LocalStack stack, String welcomeQueueUrl) {
        this.stack = stack;
        this.welcomeQueueUrl = welcomeQueueUrl;
        this.effects = new Effects(stack, welcomeQueueUrl);
    }

    /**
     * A kit on a stack the caller started and closes (suites that run outside the JUnit extension):
     * its own welcome queue is subscribed now, so it sees every welcome email from here on.
     */
    public static TestKit attach(LocalStack stack) {
        return new TestKit(stack, subscribeWelcomeQueue(stack));
    }

    /** Subscribes a queue to the welcome topic so the kit can see every welcome email. */
    static String subscribeWelcomeQueue(LocalStack stack) {
        return stack.subscribeQueue(stack.resources().welcomeTopicArn(),
                "test-kit-welcome-" + ProcessHandle.current().pid() + "-" + QUEUES.incrementAndGet(), false);
    }

    public LocalStack stack() {
        return stack;
    }

    /** The environment a runtime needs to use the local stack (table names, endpoints, topic, queue). */
    public Map<String, String> environment() {
        return stack.environment();
    }

    public CoreSettings settings() {
        return CoreSettings.fromEnvironment(environment());
    }

    /** A replayer through the Lambda handler. */
    public Replayer lambda() {
        return replayer(Replayer.Runtime.LAMBDA);
    }

    /** A replayer through the KCL consumer's record processor. */
    public Replayer kcl() {
        return replayer(Replayer.Runtime.KCL);
    }

    public synchronized Replayer replayer(Replayer.Runtime runtime) {
        Replayer r = new Replayer(runtime, environment());
        replayers.add(r);
        return r;
    }

    public Effects effects() {
        return effects;
    }

    /** Versioned writes to the users table, as the CLI and the users API do them. */
    public UserStore users() {
        return new UserStore(stack.dynamoDb(), stack.resources().usersTable());
    }

    /** A valid user with the given id (email {@code <id>@example.com}, plan free, US, en). */
    public static User user(String userId) {
        return new User(userId, userId + "@example.com", "User " + userId, "free", "US", "en",
                Instant.now(), 1, OptionalLong.empty());
    }

    /** Resets the stack's data (done before each test by the extension). */
    public void reset() {
        LocalData.reset(stack, List.of(welcomeQueueUrl));
        effects.clear();
    }

    @Override
    public synchronized void close() {
        for (Replayer r : replayers) {
            r.close();
        }
        replayers.clear();
    }
}
