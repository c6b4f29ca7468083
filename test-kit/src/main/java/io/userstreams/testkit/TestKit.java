package io.userstreams.testkit;

import io.userstreams.core.config.CoreSettings;
import io.userstreams.core.user.User;
import io.userstreams.lambda.StreamHandlerRuntime;
import io.userstreams.core.UserStreamsCore;
import io.userstreams.lambda.UserStreamHandler;
import io.userstreams.lambda.dlq.DeadLetters;
import io.userstreams.core.user.UserStore;
import io.userstreams.testkit.esm.EventSourceMapping;
import io.userstreams.testkit.esm.MappingSettings;
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
    private final List<AutoCloseable> mappings = new ArrayList<>();

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

    /**
     * Lambda's event source mapping of a template.yaml function (e.g.
     * {@link MappingSettings#WELCOME_FUNCTION}) with the template's settings, invoking the real
     * stream handler configured with that function's reactions, reading the local stack's users
     * stream from its oldest record and sending on-failure pointers to the local dead-letter queue.
     * It shows what Lambda would do with the template's settings: retries, bisection, discards.
     * Stopped when the test ends.
     */
    public EventSourceMapping lambdaMapping(String functionLogicalId) {
        return lambdaMapping(functionLogicalId, MappingSettings.fromTemplate(functionLogicalId), Map.of(),
                EventSourceMapping.Timings.DEFAULT);
    }

    /** As {@link #lambdaMapping(String)} with other settings, extra handler environment and timings. */
    public synchronized EventSourceMapping lambdaMapping(String functionLogicalId, MappingSettings settings,
                                                         Map<String, String> extraEnvironment,
                                                         EventSourceMapping.Timings timings) {
        Map<String, String> env = new java.util.HashMap<>(environment());
        env.putAll(MappingSettings.functionEnvironment(functionLogicalId));
        env.putAll(extraEnvironment);
        StreamHandlerRuntime runtime = StreamHandlerRuntime.fromEnvironment(env);
        UserStreamHandler handler = new UserStreamHandler(runtime);
        EventSourceMapping mapping;
        try {
            mapping = EventSourceMapping.builder(settings, handler::handleRequest).name(functionLogicalId)
                    .stream(stack.dynamoDbStreams(), usersStreamArn())
                    .onFailure(stack.sqs(), stack.resources().deadLetterQueueUrl())
                    .timings(timings).start();
        } catch (RuntimeException e) {
            closeQuietly(runtime);
            throw e;
        }
        mappings.add(runtime);
        mappings.add(mapping);     // closed first: no invocation runs on a closed runtime
        return mapping;
    }

    /**
     * The dead-letter queue as {@code bin/user-streams dlq} sees it: list, show, redrive (through all
     * reactions of the local stack's core). Closed when the test ends.
     */
    public synchronized DeadLetters deadLetters() {
        var http = software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient.builder().build();
        mappings.add(http);
        UserStreamsCore core = UserStreamsCore.builder().settings(settings().withReactions(
                        java.util.EnumSet.allOf(io.userstreams.core.config.ReactionId.class)))
                .connection(io.userstreams.core.aws.AwsConnection.fromEnvironment(environment()))
                .httpClient(http).environment(environment()).build();
        mappings.add(core);
        return DeadLetters.of(core, stack.sqs(), stack.resources().deadLetterQueueUrl(), stack.dynamoDbStreams(),
                stack.dynamoDb(), java.time.Clock.systemUTC());
    }

    /** The users table's current stream (a {@link #reset()} recreates the table, and with it the stream). */
    public String usersStreamArn() {
        return stack.dynamoDb().describeTable(b -> b.tableName(stack.resources().usersTable())).table().latestStreamArn();
    }

    private static void closeQuietly(AutoCloseable c) {
        try {
            c.close();
        } catch (Exception ignored) {
            // closing after a failure: the first error is the one reported
        }
    }

    public Effects effects() {
        return effects;
    }

    /** The local mailboxes over IMAP: what the mail sender delivered through the local SES endpoint. */
    public Inbox inbox() {
        return Inbox.of(stack);
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
        for (int i = mappings.size() - 1; i >= 0; i--) {
            closeQuietly(mappings.get(i));
        }
        mappings.clear();
        for (Replayer r : replayers) {
            r.close();
        }
        replayers.clear();
    }
}
