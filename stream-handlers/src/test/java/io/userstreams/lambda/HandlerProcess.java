package io.userstreams.lambda;

import com.amazonaws.services.lambda.runtime.events.StreamsEventResponse;
import com.amazonaws.services.lambda.runtime.tests.EventLoader;

/**
 * A stand-alone handler process for the crash test: builds the runtime from its environment, as
 * Lambda would, runs one fixture event and prints the batch item failures. Exit 0 when it ran.
 */
public final class HandlerProcess {

    public static final String RESULT_PREFIX = "HANDLER-RESULT ";

    private HandlerProcess() {
    }

    public static void main(String[] args) throws Exception {
        try (StreamHandlerRuntime runtime = StreamHandlerRuntime.fromEnvironment(System.getenv())) {
            StreamsEventResponse response = new UserStreamHandler(runtime)
                    .handleRequest(EventLoader.loadDynamoDbEvent(args[0]), null);
            System.out.println(RESULT_PREFIX + response.getBatchItemFailures().size());
        }
    }
}
