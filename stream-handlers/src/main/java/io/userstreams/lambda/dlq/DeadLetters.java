package io.userstreams.lambda.dlq;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.userstreams.core.UserStreamsCore;
import io.userstreams.core.change.ChangeRecord;
import io.userstreams.core.change.ChangeRecordJson;
import io.userstreams.core.change.StreamRecordConverter;
import io.userstreams.core.config.ReactionId;
import io.userstreams.core.parking.DynamoDbParkedItems;
import io.userstreams.core.parking.ParkedItems;
import io.userstreams.core.processing.BatchOutcome;
import io.userstreams.core.processing.BatchProcessor;
import io.userstreams.core.processing.DeadLetter;
import io.userstreams.core.processing.DeadLetterQueue;
import io.userstreams.core.processing.OrderedBatchProcessor;
import io.userstreams.lambda.Parking;
import java.math.BigInteger;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.BiFunction;
import java.util.function.Consumer;
import java.util.function.Function;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.GetRecordsResponse;
import software.amazon.awssdk.services.dynamodb.model.Record;
import software.amazon.awssdk.services.dynamodb.model.ResourceNotFoundException;
import software.amazon.awssdk.services.dynamodb.model.ShardIteratorType;
import software.amazon.awssdk.services.dynamodb.model.TrimmedDataAccessException;
import software.amazon.awssdk.services.dynamodb.streams.DynamoDbStreamsClient;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.Message;
import software.amazon.awssdk.services.sqs.model.MessageSystemAttributeName;

/**
 * Reads, shows and redrives the dead-letter queue. It holds four kinds of message:
 * <ul>
 *   <li>{@link Kind#DEAD_LETTER}: a record a reaction gave up on (validation, a 4xx naming the
 *       record), whole, with the reaction;</li>
 *   <li>{@link Kind#PARKED}: a record the Lambda handler parked before the stream could trim it
 *       (a long outage), or behind an earlier parked record of its item, with the function's reactions;</li>
 *   <li>{@link Kind#POINTER}: Lambda's on-failure invocation record (shard, sequence range, no
 *       record), resolved into records with GetRecords while the stream still holds them;</li>
 *   <li>{@link Kind#UNCONVERTIBLE}: a stream record that could not be read at all (kept, never redriven).</li>
 * </ul>
 * A redrive runs each record through its reactions, item by item in sequence order (an item stops
 * at its first failure, so its later records stay queued behind it), deletes a message only once
 * all its records are done, and clears an item's park mark once it has nothing parked left. The
 * reactions are idempotent and never let an older record roll back newer state, so a redrive can be
 * repeated: a second one changes nothing.
 */
public final class DeadLetters {

    private static final ObjectMapper JSON = new ObjectMapper();

    public enum Kind { DEAD_LETTER, PARKED, POINTER, UNCONVERTIBLE, UNKNOWN }

    /** Lambda's on-failure invocation record for a DynamoDB stream batch. */
    public record Pointer(String condition, String functionArn, String streamArn, String shardId,
                          String startSequenceNumber, String endSequenceNumber, int batchSize) {
    }

    /** One message of the queue. {@code record} is null for pointers and unconvertible records. */
    public record Letter(String messageId, String receiptHandle, Kind kind, Set<ReactionId> reactions, String reaction,
                         String errorType, String reason, Instant sentAt, String eventId, String userId,
                         String sequenceNumber, ChangeRecord record, Pointer pointer, String body) {

        /** One line for a listing (no personal data: ids, reaction, reason type, age). */
        public String summary(Instant now) {
            String age = sentAt == null ? "?" : human(java.time.Duration.between(sentAt, now));
            String what = kind == Kind.POINTER
                    ? pointer.shardId() + " " + pointer.startSequenceNumber() + ".."
                    + pointer.endSequenceNumber() + " (" + pointer.batchSize() + " records)"
                    : (userId == null ? "-" : userId) + " " + (eventId == null ? "-" : eventId);
            return String.format(Locale.ROOT, "%-12s %-8s %-28s %-24s %s", kind.name().toLowerCase(Locale.ROOT)
                    .replace('_', '-'), age, reaction == null ? "-" : reaction, errorType == null ? "-" : errorType, what);
        }
    }

    public enum Status { REDRIVEN, WOULD_REDRIVE, FAILED, UNRESOLVED, NOT_REDRIVABLE }

    /** What became of one message. */
    public record Outcome(Letter letter, Status status, String detail) {
    }

    /** A redrive's result: one outcome per message, and the park marks cleared. */
    public record Report(List<Outcome> outcomes, int records, int marksCleared) {
        public long count(Status s) {
            return outcomes.stream().filter(o -> o.status() == s).count();
        }

        /** Messages still in the queue after this redrive (dry runs: every message). */
        public long remaining() {
            return outcomes.stream().filter(o -> o.status() != Status.REDRIVEN).count();
        }
    }

    private final SqsClient sqs;
    private final String queueUrl;
    private final DynamoDbStreamsClient streams;
    private final BiFunction<Set<ReactionId>, DeadLetterQueue, BatchProcessor> processors;
    private final Function<String, ParkedItems> parkedItems;
    private final Set<ReactionId> pointerFallback;
    private final Clock clock;

    /**
     * @param processors   a processor running the given reactions, sending whatever it dead-letters to the given queue
     * @param parkedItems  the park marks of a scope (the reactions list a parking function runs)
     * @param pointerFallback reactions for a pointer whose function name says nothing (neither
     *                     Welcome nor Reactions in it)
     */
    public DeadLetters(SqsClient sqs, String queueUrl, DynamoDbStreamsClient streams,
                       BiFunction<Set<ReactionId>, DeadLetterQueue, BatchProcessor> processors,
                       Function<String, ParkedItems> parkedItems, Set<ReactionId> pointerFallback, Clock clock) {
        this.sqs = sqs;
        this.queueUrl = queueUrl;
        this.streams = streams;
        this.processors = processors;
        this.parkedItems = parkedItems;
        this.pointerFallback = EnumSet.copyOf(pointerFallback);
        this.clock = clock;
    }

    /**
     * The usual wiring: records run through the reactions of {@code core} (which must have all the
     * reactions a message may name enabled), one after another, with the core's retries; park marks
     * in the core's idempotency table.
     */
    public static DeadLetters of(UserStreamsCore core, SqsClient sqs, String queueUrl, DynamoDbStreamsClient streams,
                                 DynamoDbClient dynamoDb, Clock clock) {
        BiFunction<Set<ReactionId>, DeadLetterQueue, BatchProcessor> processors = (reactions, sink) ->
                OrderedBatchProcessor.builder()
                        .reactions(core.reactions().stream().filter(r -> reactions.contains(r.reaction())).toList())
                        .deadLetters(sink).maxAttempts(core.settings().maxAttempts()).parallelReactions(false)
                        .clock(clock).build();
        String table = core.settings().idempotencyTable();
        return new DeadLetters(sqs, queueUrl, streams, processors,
                scope -> new DynamoDbParkedItems(dynamoDb, table, scope, clock), core.settings().reactions(), clock);
    }

    /** The same queue, with other reactions for pointers whose function name says nothing. */
    public DeadLetters withPointerFallback(Set<ReactionId> fallback) {
        return new DeadLetters(sqs, queueUrl, streams, processors, parkedItems, fallback, clock);
    }

    // ---------------------------------------------------------------- reading

    /** Every message in the queue, oldest first; they stay in the queue. */
    public List<Letter> list() {
        List<Letter> all = receiveAll(60);
        release(all);
        return all;
    }

    /** Messages whose message id, eventId, userId or sequence number is {@code id}. */
    public List<Letter> show(String id) {
        return list().stream().filter(l -> id.equals(l.messageId()) || id.equals(l.eventId()) || id.equals(l.userId())
                || id.equals(l.sequenceNumber())).toList();
    }

    /** Receives until the queue answers empty twice, holding the messages invisible for {@code holdSeconds}. */
    private List<Letter> receiveAll(int holdSeconds) {
        Map<String, Letter> byId = new LinkedHashMap<>();
        int empty = 0;
        while (empty < 2) {
            int wait = empty == 0 ? 0 : 1;
            List<Message> got = sqs.receiveMessage(b -> b.queueUrl(queueUrl).maxNumberOfMessages(10)
                    .visibilityTimeout(holdSeconds).waitTimeSeconds(wait)
                    .messageSystemAttributeNames(MessageSystemAttributeName.SENT_TIMESTAMP)).messages();
            if (got.isEmpty()) {
                empty++;
                continue;
            }
            empty = 0;
            for (Message m : got) {
                byId.putIfAbsent(m.messageId(), parse(m));
            }
        }
        List<Letter> out = new ArrayList<>(byId.values());
        out.sort(Comparator.comparing(l -> l.sentAt() == null ? Instant.EPOCH : l.sentAt()));
        return out;
    }

    private void release(List<Letter> letters) {
        for (Letter l : letters) {
            try {
                sqs.changeMessageVisibility(b -> b.queueUrl(queueUrl).receiptHandle(l.receiptHandle()).visibilityTimeout(0));
            } catch (RuntimeException e) {
                // it becomes visible again when its hold ends
            }
        }
    }

    Letter parse(Message m) {
        String sent = m.attributes().get(MessageSystemAttributeName.SENT_TIMESTAMP);
        Instant sentAt = sent == null ? null : Instant.ofEpochMilli(Long.parseLong(sent));
        JsonNode n;
        try {
            n = JSON.readTree(m.body());
        } catch (Exception e) {
            return new Letter(m.messageId(), m.receiptHandle(), Kind.UNKNOWN, Set.of(), null, null,
                    "not JSON", sentAt, null, null, null, null, null, m.body());
        }
        if (n.has("DDBStreamBatchInfo")) {
            JsonNode info = n.path("DDBStreamBatchInfo");
            JsonNode ctx = n.path("requestContext");
            Pointer p = new Pointer(ctx.path("condition").asText(null), ctx.path("functionArn").asText(null),
                    info.path("streamArn").asText(null), info.path("shardId").asText(null),
                    info.path("startSequenceNumber").asText(null), info.path("endSequenceNumber").asText(null),
                    info.path("batchSize").asInt());
            Set<ReactionId> reactions = reactionsOfFunction(p.functionArn());
            return new Letter(m.messageId(), m.receiptHandle(), Kind.POINTER, reactions, ReactionId.toList(reactions),
                    p.condition(), "Lambda discarded the batch (" + p.condition() + ")", sentAt, null, null,
                    p.startSequenceNumber(), null, p, m.body());
        }
        String reaction = n.path("reaction").asText(null);
        String errorType = n.path("errorType").asText(null);
        String reason = n.path("error").asText(null);
        String eventId = n.path("eventId").asText(null);
        String seq = n.path("sequenceNumber").asText(null);
        if (n.has("rawRecord") || "conversion".equals(reaction)) {
            return new Letter(m.messageId(), m.receiptHandle(), Kind.UNCONVERTIBLE, Set.of(), reaction, errorType,
                    reason, sentAt, eventId, null, seq, null, null, m.body());
        }
        if (!n.has("record") || n.path("truncated").asBoolean(false)) {
            return new Letter(m.messageId(), m.receiptHandle(), Kind.UNKNOWN, Set.of(), reaction, errorType,
                    n.path("truncated").asBoolean(false) ? "truncated (images too big for SQS): replay from the table"
                            : reason, sentAt, eventId, null, seq, null, null, m.body());
        }
        ChangeRecord record;
        try {
            record = DeadLetter.fromJson(n).record();
        } catch (RuntimeException e) {
            record = ChangeRecordJson.fromJson(n.get("record"));
        }
        boolean parked = Parking.PARKED.equals(errorType);
        Set<ReactionId> reactions;
        if (DeadLetter.VALIDATION.equals(reaction)) {
            reactions = EnumSet.allOf(ReactionId.class);  // every reaction validates what it uses
        } else {
            try {
                reactions = ReactionId.parseList(reaction);
            } catch (IllegalArgumentException e) {
                reactions = Set.of();
            }
        }
        return new Letter(m.messageId(), m.receiptHandle(), parked ? Kind.PARKED : Kind.DEAD_LETTER, reactions,
                reaction, errorType, reason, sentAt, record.eventId(), record.userId().orElse(null),
                record.sequenceNumber(), record, null, m.body());
    }

    /** Which reactions a discarded batch was for, from the function's name (SAM keeps the logical id in it). */
    Set<ReactionId> reactionsOfFunction(String functionArn) {
        String name = functionArn == null ? "" : functionArn.substring(functionArn.lastIndexOf(':') + 1)
                .toLowerCase(Locale.ROOT);
        if (name.contains("welcome")) {
            return EnumSet.of(ReactionId.WELCOME_EMAIL);
        }
        if (name.contains("reactions")) {
            return EnumSet.of(ReactionId.DERIVED_TABLES, ReactionId.SEARCH_INDEX);
        }
        return EnumSet.copyOf(pointerFallback);
    }

    // ---------------------------------------------------------------- redriving

    /** One record to run for one message. */
    private record Work(Letter letter, ChangeRecord record, Set<ReactionId> reactions) {
    }

    /**
     * Redrives every message it can, in item order; {@code dryRun} resolves and reports only.
     * Progress lines go to {@code progress}.
     */
    public Report redrive(boolean dryRun, Consumer<String> progress) {
        List<Letter> letters = receiveAll(15 * 60);
        progress.accept(letters.size() + " message(s) in the dead-letter queue");
        List<Outcome> outcomes = new ArrayList<>();
        Map<Letter, Integer> pending = new LinkedHashMap<>();
        List<Work> work = new ArrayList<>();
        for (Letter l : letters) {
            switch (l.kind()) {
                case DEAD_LETTER, PARKED -> {
                    if (l.reactions().isEmpty()) {
                        outcomes.add(new Outcome(l, Status.NOT_REDRIVABLE, "names no known reaction: " + l.reaction()));
                    } else {
                        work.add(new Work(l, l.record(), l.reactions()));
                        pending.put(l, 1);
                    }
                }
                case POINTER -> {
                    Resolved r = resolve(l.pointer());
                    if (r.problem != null) {
                        outcomes.add(new Outcome(l, Status.UNRESOLVED, r.problem));
                        progress.accept("pointer " + l.pointer().shardId() + " " + l.pointer().startSequenceNumber()
                                + ": " + r.problem);
                    } else {
                        for (ChangeRecord c : r.records) {
                            work.add(new Work(l, c, l.reactions()));
                        }
                        pending.put(l, r.records.size());
                        progress.accept("pointer " + l.pointer().shardId() + " " + l.pointer().startSequenceNumber()
                                + ": resolved into " + r.records.size() + " record(s) from the stream");
                    }
                }
                case UNCONVERTIBLE -> outcomes.add(new Outcome(l, Status.NOT_REDRIVABLE,
                        "the stream record could not be read; fix it by hand and replay it (bin/user-streams replay)"));
                default -> outcomes.add(new Outcome(l, Status.NOT_REDRIVABLE, l.reason()));
            }
        }
        if (dryRun) {
            for (Letter l : pending.keySet()) {
                outcomes.add(new Outcome(l, Status.WOULD_REDRIVE, pending.get(l) + " record(s) through "
                        + ReactionId.toList(l.reactions())));
            }
            release(letters);
            return new Report(outcomes, work.size(), 0);
        }
        // Item order: every item's records by sequence number; an item stops at its first failure.
        Map<String, List<Work>> byItem = new LinkedHashMap<>();
        for (Work w : work) {
            String item = w.record().userId().orElse("event:" + w.record().eventId());
            byItem.computeIfAbsent(item, k -> new ArrayList<>()).add(w);
        }
        Map<Letter, String> failed = new HashMap<>();
        Set<String> itemsDone = new LinkedHashSet<>();
        int done = 0;
        int records = 0;
        for (Map.Entry<String, List<Work>> item : byItem.entrySet()) {
            List<Work> ws = item.getValue();
            ws.sort(Comparator.comparing(w -> sequence(w.record().sequenceNumber())));
            boolean ok = true;
            for (Work w : ws) {
                if (!ok || failed.containsKey(w.letter())) {
                    failed.putIfAbsent(w.letter(), "an earlier record of item " + item.getKey() + " failed; kept in order behind it");
                    ok = false;
                    continue;
                }
                String problem = run(w);
                records++;
                if (problem != null) {
                    failed.put(w.letter(), problem);
                    ok = false;
                    continue;
                }
                int left = pending.merge(w.letter(), -1, Integer::sum);
                if (left == 0) {
                    delete(w.letter());
                    outcomes.add(new Outcome(w.letter(), Status.REDRIVEN, ReactionId.toList(w.reactions())));
                    done++;
                    if (done % 100 == 0) {
                        progress.accept(done + " message(s) redriven");
                    }
                }
            }
            if (ok) {
                itemsDone.add(item.getKey());
            }
        }
        for (Map.Entry<Letter, String> f : failed.entrySet()) {
            outcomes.add(new Outcome(f.getKey(), Status.FAILED, f.getValue()));
        }
        // Whatever stays queued becomes visible again now, not when the hold ends.
        Set<Letter> deleted = new java.util.HashSet<>();
        outcomes.stream().filter(o -> o.status() == Status.REDRIVEN).forEach(o -> deleted.add(o.letter()));
        release(letters.stream().filter(l -> !deleted.contains(l)).toList());
        int cleared = clearMarks(letters, failed, itemsDone);
        progress.accept(done + " message(s) redriven, " + failed.size() + " failed, " + cleared + " park mark(s) cleared");
        return new Report(outcomes, records, cleared);
    }

    /** Runs one record through its reactions; null when done, else why not. */
    private String run(Work w) {
        List<DeadLetter> again = Collections.synchronizedList(new ArrayList<>());
        BatchProcessor processor = processors.apply(w.reactions(), again::add);
        BatchOutcome outcome = processor.process(List.of(w.record()));
        if (!outcome.isComplete()) {
            return "still failing: " + outcome.failure().map(t -> t.getClass().getSimpleName() + ": " + t.getMessage())
                    .orElse("unknown");
        }
        if (!again.isEmpty()) {
            DeadLetter d = again.get(0);
            return "dead-lettered again by " + d.reaction() + " (" + d.errorType() + "): " + d.error();
        }
        return null;
    }

    private void delete(Letter l) {
        sqs.deleteMessage(b -> b.queueUrl(queueUrl).receiptHandle(l.receiptHandle()));
    }

    /** Clears the park marks of items whose parked records were all redriven (per parking scope). */
    private int clearMarks(List<Letter> letters, Map<Letter, String> failed, Set<String> itemsDone) {
        int cleared = 0;
        Set<String> seen = new LinkedHashSet<>();
        for (Letter l : letters) {
            if (l.kind() != Kind.PARKED || l.userId() == null || failed.containsKey(l)
                    || !itemsDone.contains(l.userId())) {
                continue;
            }
            String scope = l.reaction();
            if (seen.add(scope + "#" + l.userId())) {
                parkedItems.apply(scope).clear(l.userId());
                cleared++;
            }
        }
        return cleared;
    }

    private static BigInteger sequence(String s) {
        try {
            return new BigInteger(s);
        } catch (RuntimeException e) {
            return BigInteger.ZERO;
        }
    }

    private record Resolved(List<ChangeRecord> records, String problem) {
    }

    /** Reads a pointer's records from the stream: exactly start..end of its shard, or why not. */
    private Resolved resolve(Pointer p) {
        if (p.streamArn() == null || p.shardId() == null || p.startSequenceNumber() == null
                || p.endSequenceNumber() == null) {
            return new Resolved(List.of(), "the pointer names no complete sequence range");
        }
        BigInteger end = sequence(p.endSequenceNumber());
        List<ChangeRecord> out = new ArrayList<>();
        String iterator;
        try {
            iterator = streams.getShardIterator(b -> b.streamArn(p.streamArn()).shardId(p.shardId())
                    .shardIteratorType(ShardIteratorType.AT_SEQUENCE_NUMBER)
                    .sequenceNumber(p.startSequenceNumber())).shardIterator();
            int emptyPages = 0;
            boolean reachedEnd = false;
            while (iterator != null && !reachedEnd && emptyPages < 10) {
                String it = iterator;
                GetRecordsResponse r = streams.getRecords(b -> b.shardIterator(it).limit(1000));
                List<Record> got = r.hasRecords() ? r.records() : List.of();
                emptyPages = got.isEmpty() ? emptyPages + 1 : 0;
                for (Record rec : got) {
                    BigInteger seq = sequence(rec.dynamodb().sequenceNumber());
                    if (seq.compareTo(end) > 0) {
                        reachedEnd = true;
                        break;
                    }
                    out.add(StreamRecordConverter.convert(rec, p.shardId()));
                    if (seq.equals(end)) {
                        reachedEnd = true;
                        break;
                    }
                }
                iterator = r.nextShardIterator();
            }
        } catch (TrimmedDataAccessException | ResourceNotFoundException e) {
            return new Resolved(List.of(), gone(p, e.getClass().getSimpleName()));
        } catch (software.amazon.awssdk.services.dynamodb.model.DynamoDbException e) {
            if (e.statusCode() == 400) {
                return new Resolved(List.of(), gone(p, e.awsErrorDetails() == null ? "400"
                        : e.awsErrorDetails().errorCode()));
            }
            throw e;
        }
        if (out.isEmpty() || !out.get(0).sequenceNumber().equals(p.startSequenceNumber())
                || !out.get(out.size() - 1).sequenceNumber().equals(p.endSequenceNumber())) {
            return new Resolved(List.of(), gone(p, "range incomplete"));
        }
        return new Resolved(out, null);
    }

    private static String gone(Pointer p, String why) {
        return "the stream no longer holds records " + p.startSequenceNumber() + ".." + p.endSequenceNumber()
                + " of shard " + p.shardId() + " (" + why + "; DynamoDB Streams keeps 24 h): they cannot be redriven."
                + " Rebuild the derived state from the table (bin/user-streams backfill); the message is kept";
    }

    static String human(java.time.Duration d) {
        long s = Math.max(0, d.getSeconds());
        if (s < 120) {
            return s + "s";
        }
        if (s < 7200) {
            return s / 60 + "m";
        }
        if (s < 172800) {
            return s / 3600 + "h";
        }
        return s / 86400 + "d";
    }
}
