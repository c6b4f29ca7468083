package io.userstreams.cli;

import io.userstreams.cli.backfill.BackfillCommand;
import io.userstreams.cli.dlq.DlqCommand;
import io.userstreams.cli.stream.CaptureCommand;
import io.userstreams.cli.stream.ReplayCommand;
import io.userstreams.cli.users.UsersCommand;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/**
 * {@code bin/user-streams}: with no arguments runs {@code consume} (the KCL consumer against the
 * local stack). Exit codes: 0 ok, 1 failure, 2 usage.
 */
@Command(name = "user-streams", mixinStandardHelpOptions = true, version = "user-streams 0.1.0",
        description = "React to every change in the DynamoDB users table. With no command: consume.",
        subcommands = {ConsumeCommand.class, StackCommand.class, UsersCommand.class, CaptureCommand.class, ReplayCommand.class,
                BackfillCommand.class, DlqCommand.class, PurgeTombstonesCommand.class, CommandLine.HelpCommand.class})
public final class Main implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        spec.commandLine().usage(spec.commandLine().getOut());
        return CommandLine.ExitCode.USAGE;
    }

    public static void main(String[] args) {
        System.exit(run(args));
    }

    /** Runs the CLI and returns its exit code (tests call this; main exits with it). */
    public static int run(String... args) {
        return commandLine(new PrintWriter(System.out, true), new PrintWriter(System.err, true)).execute(
                args.length == 0 ? new String[] {"consume"} : args);
    }

    public static CommandLine commandLine(PrintWriter out, PrintWriter err) {
        CommandLine cl = new CommandLine(new Main());
        cl.setOut(out);
        cl.setErr(err);
        cl.setExecutionExceptionHandler((ex, commandLine, parseResult) -> {
            CliException failure = asCliException(ex);
            if (failure != null) {
                commandLine.getErr().println("error: " + failure.getMessage());
                commandLine.getErr().flush();
                return failure.exitCode();
            }
            throw ex;
        });
        return cl;
    }

    /** Known failures become one-line messages; a connection refused names the endpoint. */
    static CliException asCliException(Throwable ex) {
        for (Throwable t = ex; t != null; t = t.getCause()) {
            if (t instanceof CliException c) {
                return c;
            }
        }
        for (Throwable t = ex; t != null; t = t.getCause()) {
            if (t instanceof java.net.ConnectException || t instanceof java.net.NoRouteToHostException) {
                return new CliException("cannot connect: " + ex.getMessage() + ". Start the local stack first: "
                        + "`bin/user-streams` or `bin/user-streams stack`, or pass --endpoint / --aws.");
            }
        }
        return null;
    }
}
