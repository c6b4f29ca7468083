package io.userstreams.cli;

import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/**
 * A subcommand working on a {@link Target}: the target's options (--aws, --region, --endpoint ...)
 * mixed in, and the command's output streams.
 */
public abstract class TargetCommand implements Callable<Integer> {

    @Mixin
    protected Target target;

    @Spec
    protected CommandSpec spec;

    protected PrintWriter out() {
        return spec.commandLine().getOut();
    }

    protected PrintWriter err() {
        return spec.commandLine().getErr();
    }
}
