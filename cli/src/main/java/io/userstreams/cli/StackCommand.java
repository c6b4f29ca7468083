package io.userstreams.cli;

import java.lang.reflect.Method;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Unmatched;

/**
 * {@code stack}: starts only the local stack (the local DynamoDB, SQS, SNS, SES, OpenSearch on the standard
 * ports) and keeps it running until Ctrl-C; the local-stack module's standalone command does the work.
 */
@Command(name = "stack", mixinStandardHelpOptions = true, description = "Start the local stack only (DynamoDB 8000, SQS 9324, SNS 9911, "
        + "OpenSearch 9200) until Ctrl-C. Options are passed to the local stack (try: stack --help).")
public final class StackCommand implements Callable<Integer> {

    static final String LOCAL_STACK_MAIN = "io.userstreams.localstack.LocalStackMain";

    @Unmatched
    List<String> args = new ArrayList<>();

    @Override
    public Integer call() throws Exception {
        Class<?> main = Class.forName(LOCAL_STACK_MAIN);
        Method m = main.getMethod("main", String[].class);
        m.invoke(null, (Object) args.toArray(new String[0]));
        return 0;
    }
}
