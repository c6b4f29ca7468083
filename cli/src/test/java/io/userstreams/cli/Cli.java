package io.userstreams.cli;

import io.userstreams.localstack.LocalStack;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine;

/** Runs the CLI in-process against a test's local stack and captures its output and exit code. */
final class Cli {

    record Run(int exit, String out, String err, Object command) {
        @Override
        public String toString() {
            return "exit " + exit + "\n--- out\n" + out + "--- err\n" + err;
        }
    }

    private Cli() {
    }

    /** Appends the stack's endpoints to a command's arguments. */
    static String[] local(LocalStack stack, String... args) {
        List<String> all = new ArrayList<>(List.of(args));
        all.add("--endpoint=" + stack.dynamoDbEndpoint());
        all.add("--sqs-endpoint=" + stack.sqsEndpoint());
        all.add("--sns-endpoint=" + stack.snsEndpoint());
        if (stack.openSearchEnabled()) {
            all.add("--opensearch-endpoint=" + stack.openSearchEndpoint());
        }
        return all.toArray(new String[0]);
    }

    static Run run(LocalStack stack, String... args) {
        return raw(local(stack, args));
    }

    static Run raw(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cl = Main.commandLine(new PrintWriter(out, true), new PrintWriter(err, true));
        int exit = cl.execute(args);
        CommandLine sub = cl.getParseResult() == null ? cl : last(cl.getParseResult());
        Run r = new Run(exit, out.toString(), err.toString(), sub.getCommand());
        System.out.println("$ user-streams " + String.join(" ", args) + "\n" + r);
        return r;
    }

    private static CommandLine last(CommandLine.ParseResult pr) {
        CommandLine.ParseResult p = pr;
        while (p.hasSubcommand()) {
            p = p.subcommand();
        }
        return p.commandSpec().commandLine();
    }
}
