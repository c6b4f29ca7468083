package io.userstreams.cli.dlq;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.userstreams.cli.CliException;
import io.userstreams.cli.CommandGroup;
import io.userstreams.cli.Logs;
import io.userstreams.cli.TargetCommand;
import io.userstreams.core.UserStreamsCore;
import io.userstreams.core.config.CoreSettings;
import io.userstreams.core.config.ReactionId;
import io.userstreams.lambda.dlq.DeadLetters;
import java.time.Clock;
import java.time.Instant;
import java.util.EnumSet;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.streams.DynamoDbStreamsClient;
import software.amazon.awssdk.services.sqs.SqsClient;

/**
 * {@code dlq list|show|redrive}: the dead-letter queue (record failures, records parked during a
 * long outage, Lambda's on-failure pointers, unreadable stream records). Exit codes: 0 ok (redrive:
 * nothing left that it could redrive); 1 messages remain (still failing, pointers the stream no longer
 * holds, unreadable records) or a failure; 2 usage.
 */
@Command(name = "dlq", mixinStandardHelpOptions = true,
        description = "List, show and redrive the dead-letter queue (local stack by default, --aws for AWS).",
        subcommands = {DlqCommand.ListLetters.class, DlqCommand.Show.class, DlqCommand.Redrive.class})
public final class DlqCommand extends CommandGroup {

    static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    /** Target, queue and the redrive's core. */
    abstract static class Base extends TargetCommand {
        @Option(names = "--queue-url", paramLabel = "URL",
                description = "The dead-letter queue (default: DEAD_LETTER_QUEUE_URL, locally user-streams-dlq).")
        String queueUrl;

        @Option(names = "--pointer-reactions", paramLabel = "LIST", defaultValue = "all",
                description = "Reactions for an on-failure pointer whose function name names neither the welcome "
                        + "nor the reactions function (default ${DEFAULT-VALUE}).")
        String pointerReactions;

        @Override
        public Integer call() throws Exception {
            Logs.quiet();
            EnumSet<ReactionId> fallback;
            try {
                fallback = EnumSet.copyOf(ReactionId.parseList(pointerReactions));
            } catch (IllegalArgumentException e) {
                throw CliException.usage("--pointer-reactions: " + e.getMessage());
            }
            target.checkReachable();
            CoreSettings settings = target.settings().withReactions(EnumSet.allOf(ReactionId.class));
            String queue = queueUrl != null ? queueUrl : settings.deadLetterQueueUrl();
            if (queue == null) {
                throw CliException.usage("no dead-letter queue: set DEAD_LETTER_QUEUE_URL or pass --queue-url");
            }
            try (UserStreamsCore core = UserStreamsCore.builder().settings(settings).connection(target.connection())
                    .httpClient(target.httpClient()).build();
                 SqsClient sqs = target.sqs();
                 DynamoDbStreamsClient streams = target.dynamoDbStreams();
                 DynamoDbClient dynamoDb = target.dynamoDb()) {
                DeadLetters dlq = DeadLetters.of(core, sqs, queue, streams, dynamoDb, Clock.systemUTC())
                        .withPointerFallback(fallback);
                return run(dlq);
            } finally {
                target.close();
            }
        }

        abstract int run(DeadLetters dlq) throws Exception;
    }

    @Command(name = "list", mixinStandardHelpOptions = true,
            description = "One line per message: kind, age, reaction, error type, item (ids only). Messages stay queued.")
    static final class ListLetters extends Base {
        @Override
        int run(DeadLetters dlq) {
            List<DeadLetters.Letter> letters = dlq.list();
            Instant now = Instant.now();
            out().printf("%-12s %-8s %-28s %-24s %s%n", "KIND", "AGE", "REACTION", "ERROR", "ITEM / RANGE");
            letters.forEach(l -> out().println(l.summary(now)));
            err().println(letters.size() + " message(s)");
            return 0;
        }
    }

    @Command(name = "show", mixinStandardHelpOptions = true,
            description = "The full messages for a message id, eventID, userId or sequence number.")
    static final class Show extends Base {
        @Parameters(paramLabel = "ID", description = "Message id, eventID, userId or sequence number.")
        String id;

        @Override
        int run(DeadLetters dlq) throws Exception {
            List<DeadLetters.Letter> found = dlq.show(id);
            if (found.isEmpty()) {
                err().println("no message for " + id);
                return 1;
            }
            for (DeadLetters.Letter l : found) {
                out().println("# " + l.kind().name().toLowerCase(java.util.Locale.ROOT) + " " + l.messageId()
                        + (l.reason() == null ? "" : ": " + l.reason()));
                out().println(JSON.writeValueAsString(JSON.readTree(l.body())));
            }
            return 0;
        }
    }

    @Command(name = "redrive", mixinStandardHelpOptions = true,
            description = "Replay every message through its reactions in item order (idempotent; an older record "
                    + "never rolls newer state back); a message is deleted only once all its records are done.")
    static final class Redrive extends Base {
        @Option(names = "--dry-run", description = "Resolve and report only: nothing is run or deleted.")
        boolean dryRun;

        @Override
        int run(DeadLetters dlq) {
            err().println((dryRun ? "dry run: " : "") + "redriving the dead-letter queue of " + target.describe());
            DeadLetters.Report report = dlq.redrive(dryRun, line -> err().println("  " + line));
            for (DeadLetters.Outcome o : report.outcomes()) {
                if (o.status() != DeadLetters.Status.REDRIVEN) {
                    out().printf("%-14s %s %s: %s%n", o.status().name().toLowerCase(java.util.Locale.ROOT).replace('_', '-'),
                            o.letter().kind().name().toLowerCase(java.util.Locale.ROOT),
                            o.letter().eventId() != null ? o.letter().eventId() : o.letter().messageId(), o.detail());
                }
            }
            out().printf("%s: %d redriven, %d would be redriven, %d failed, %d unresolved, %d not redrivable; "
                            + "%d record(s) %s, %d park mark(s) cleared%n", dryRun ? "dry run" : "redrive",
                    report.count(DeadLetters.Status.REDRIVEN), report.count(DeadLetters.Status.WOULD_REDRIVE),
                    report.count(DeadLetters.Status.FAILED), report.count(DeadLetters.Status.UNRESOLVED),
                    report.count(DeadLetters.Status.NOT_REDRIVABLE), report.records(), dryRun ? "to run" : "run",
                    report.marksCleared());
            long left = report.count(DeadLetters.Status.FAILED) + report.count(DeadLetters.Status.UNRESOLVED)
                    + report.count(DeadLetters.Status.NOT_REDRIVABLE);
            return left == 0 ? 0 : 1;
        }
    }
}
