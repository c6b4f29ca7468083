package io.userstreams.core.welcome;

import io.userstreams.core.change.ChangeKind;
import io.userstreams.core.config.ReactionId;
import io.userstreams.core.reaction.ReactionResult;
import io.userstreams.core.reaction.RecordReaction;
import io.userstreams.core.failure.SystemicFailureException;
import io.userstreams.core.reaction.UserChange;
import io.userstreams.core.user.Emails;
import io.userstreams.core.user.User;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.UUID;
import java.util.HashSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One welcome message per user creation, ever. Only INSERTs send (the user is valid: the
 * processor validated it). Per INSERT:
 * <ol>
 *   <li>claim {@code welcome#<userId>#<createdAt>} IN_PROGRESS with a short lease
 *       (condition: absent, or IN_PROGRESS with an expired lease or our own; up to 100 claims
 *       per TransactWriteItems);</li>
 *   <li>publish (PublishBatch, up to 10 claimed messages per call);</li>
 *   <li>mark COMPLETED, kept {@code retention} (default 30 days, well beyond the 24 h stream
 *       retention and replay windows; all of a batch's marks together, 25 per BatchWriteItem).</li>
 * </ol>
 * COMPLETED → skipped (a redelivery). Held by another worker's unexpired lease → systemic (retry
 * later; not done). A crash between claim and publish leaves IN_PROGRESS: after the lease expires
 * a redelivery re-claims and publishes, so the email is not lost. A crash between publish and
 * COMPLETED can send twice (at-least-once at that one point); within one process, a message
 * published but not yet marked is remembered and only marked on retry.
 *
 * <p>The key includes createdAt so a user deleted and created again gets a new welcome.
 */
public final class WelcomeEmailReaction implements RecordReaction {

    private static final Logger log = LoggerFactory.getLogger(WelcomeEmailReaction.class);
    public static final String EVENT_TYPE = "USER_CREATED";
    public static final Duration DEFAULT_LEASE = Duration.ofSeconds(30);
    public static final Duration DEFAULT_RETENTION = Duration.ofDays(30);

    private final IdempotencyStore store;
    private final WelcomePublisher publisher;
    private final WelcomeTemplates templates;
    private final Clock clock;
    private final Duration lease;
    private final Duration retention;
    /**
     * This worker's claim identity, made on first use rather than at construction: a Lambda SnapStart
     * snapshot taken after init would otherwise give every restored container the same owner, and
     * an owner may re-claim its own claim, so two containers could both publish.
     */
    private volatile String owner;
    /** Sends up to {@link #GROUPS_IN_FLIGHT} groups at once; null when one at a time. */
    private final ExecutorService executor;
    public static final int GROUPS_IN_FLIGHT = 4;
    /** Published but not yet marked COMPLETED (the mark failed): mark on retry, never publish again. */
    private final Set<String> publishedUnmarked = Collections.newSetFromMap(new ConcurrentHashMap<>());

    public WelcomeEmailReaction(IdempotencyStore store, WelcomePublisher publisher, WelcomeTemplates templates,
                                Clock clock, Duration lease, Duration retention) {
        this.store = Objects.requireNonNull(store);
        this.publisher = Objects.requireNonNull(publisher);
        this.templates = Objects.requireNonNull(templates);
        this.clock = Objects.requireNonNull(clock);
        this.lease = Objects.requireNonNull(lease);
        this.retention = Objects.requireNonNull(retention);
        if (retention.compareTo(Duration.ofDays(7)) < 0) {
            throw new IllegalArgumentException("welcome idempotency retention must be at least 7 days");
        }
        this.executor = new ThreadPoolExecutor(GROUPS_IN_FLIGHT, GROUPS_IN_FLIGHT, 60, TimeUnit.SECONDS,
                new LinkedBlockingQueue<>(), r -> {
                    Thread t = new Thread(r, "user-streams-welcome");
                    t.setDaemon(true);
                    return t;
                });
        ((ThreadPoolExecutor) executor).allowCoreThreadTimeOut(true);
    }

    public WelcomeEmailReaction(IdempotencyStore store, WelcomePublisher publisher) {
        this(store, publisher, new WelcomeTemplates(), Clock.systemUTC(), DEFAULT_LEASE, DEFAULT_RETENTION);
    }

    @Override
    public ReactionId reaction() {
        return ReactionId.WELCOME_EMAIL;
    }

    /** The idempotency key of a user creation. */
    public static String key(User user) {
        return "welcome#" + user.userId() + "#" + user.createdAt();
    }

    /**
     * The message for a user. SNS only takes an ASCII subject under 100 characters without control
     * characters, so the localized subject travels in the {@code subject} attribute (UTF-8) and the
     * SNS Subject falls back to the English one, or a fixed text when even that does not fit
     * (e.g. a non-ASCII name).
     */
    public WelcomeMessage message(User user) {
        WelcomeTemplates.Rendered r = templates.render(user);
        Map<String, String> attributes = new LinkedHashMap<>(8);
        attributes.put("email", user.email());
        attributes.put("locale", user.locale());
        attributes.put("userId", user.userId());
        attributes.put("eventType", EVENT_TYPE);
        attributes.put("subject", r.subject());
        String subject = r.subject();
        if (!validSnsSubject(subject)) {
            subject = templates.renderFallbackSubject(user);
            if (!validSnsSubject(subject)) {
                subject = FIXED_SUBJECT;
            }
        }
        return new WelcomeMessage(user.userId(), user.email(), subject, r.body(), attributes, key(user));
    }

    public static final String FIXED_SUBJECT = "Welcome to User Streams";

    /** SNS's rule: ASCII, starts with a letter, digit or punctuation, no control characters, under 100 characters. */
    static boolean validSnsSubject(String subject) {
        if (subject.isEmpty() || subject.length() >= 100) {
            return false;
        }
        char first = subject.charAt(0);
        if (!(Character.isLetterOrDigit(first) || (first > ' ' && first < 127 && !Character.isLetterOrDigit(first)))) {
            return false;
        }
        for (int i = 0; i < subject.length(); i++) {
            char c = subject.charAt(i);
            if (c < ' ' || c > '~') {
                return false;
            }
        }
        return true;
    }

    /** The fields a welcome uses (with the key): a bad plan or country does not stop the welcome. */
    public static final List<String> FIELDS = List.of("email", "name", "locale", "createdAt");

    @Override
    public ReactionResult apply(List<UserChange> changes) {
        // Creations up to the first one whose welcome fields are unusable; then that one is reported.
        for (int j = 0; j < changes.size(); j++) {
            UserChange c = changes.get(j);
            var problem = c.kind() == ChangeKind.INSERT ? c.newImageProblem(FIELDS) : null;
            if (problem != null) {
                ReactionResult before = j == 0 ? ReactionResult.all(0) : applyUsable(changes.subList(0, j));
                return before.complete() ? ReactionResult.failedAt(j, problem) : before;
            }
        }
        return applyUsable(changes);
    }

    private ReactionResult applyUsable(List<UserChange> changes) {
        // Groups of up to 10 INSERTs; each creation once (a record duplicated in the batch is skipped).
        List<Group> groups = new ArrayList<>();
        Set<String> seen = new HashSet<>();
        Group current = new Group();
        for (int j = 0; j < changes.size(); j++) {
            UserChange c = changes.get(j);
            if (c.kind() != ChangeKind.INSERT) {
                continue;
            }
            String key = key(c.newUser());
            if (!seen.add(key)) {
                continue;
            }
            if (publishedUnmarked.contains(key)) {
                current.unmarked.add(key);
                current.unmarkedPositions.add(j);
            } else {
                current.positions.add(j);
                current.keys.add(key);
                current.users.add(c.newUser());
            }
            if (current.positions.size() + current.unmarked.size() == WelcomePublisher.MAX_BATCH) {
                groups.add(current);
                current = new Group();
            }
        }
        if (!current.positions.isEmpty() || !current.unmarked.isEmpty()) {
            groups.add(current);
        }
        // Claims of up to 10 groups (100 keys, the transaction limit) go in one TransactWriteItems:
        // DynamoDB's cost is mostly per request, and publishing still happens in groups of 10.
        claimAhead(groups);
        Failure failure = new Failure();
        if (groups.size() == 1 || executor == null) {
            for (Group g : groups) {
                Failure f = send(g, changes);
                if (f.position >= 0) {
                    failure.at(f.position, f.cause);
                    break; // later groups would be redelivered anyway
                }
            }
        } else {
            // Groups are independent users: their round trips overlap. Later groups may be sent
            // past an earlier failure; they are marked and skipped on redelivery.
            List<Future<Failure>> futures = new ArrayList<>(groups.size());
            for (Group g : groups) {
                futures.add(executor.submit(() -> send(g, changes)));
            }
            for (int k = 0; k < futures.size(); k++) {
                try {
                    Failure f = futures.get(k).get();
                    if (f.position >= 0) {
                        failure.at(f.position, f.cause);
                    }
                } catch (ExecutionException e) {
                    Throwable cause = e.getCause();
                    if (cause instanceof Error err) {
                        throw err;
                    }
                    failure.at(groups.get(k).firstPosition(), cause);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    failure.at(groups.get(k).firstPosition(), e);
                    break;
                }
            }
        }
        // Mark every published message of every group at once, even past a failure: it was sent
        // and must not be sent again.
        List<String> unmarked = new ArrayList<>();
        int firstUnmarked = Integer.MAX_VALUE;
        for (Group g : groups) {
            synchronized (g) {
                unmarked.addAll(g.toMark);
                for (int p : g.toMarkPositions) {
                    firstUnmarked = Math.min(firstUnmarked, p);
                }
            }
        }
        if (!unmarked.isEmpty()) {
            try {
                Instant now = clock.instant();
                store.completeAll(unmarked, now, now.plus(retention));
                unmarked.forEach(publishedUnmarked::remove);
            } catch (RuntimeException e) {
                failure.at(firstUnmarked, e);
            }
        }
        return failure.position >= 0 ? ReactionResult.failedAt(failure.position, failure.cause)
                : ReactionResult.all(changes.size());
    }

    /** Up to 10 creations to claim, publish and mark together. */
    private static final class Group {
        final List<Integer> positions = new ArrayList<>(WelcomePublisher.MAX_BATCH);
        final List<String> keys = new ArrayList<>(WelcomePublisher.MAX_BATCH);
        final List<User> users = new ArrayList<>(WelcomePublisher.MAX_BATCH);
        final List<String> unmarked = new ArrayList<>();
        final List<Integer> unmarkedPositions = new ArrayList<>();
        /** Claim statuses of {@link #keys} when claimed ahead together with other groups; else null. */
        List<IdempotencyStore.ClaimStatus> claimed;
        /** Why the claim ahead failed; null when it did not. */
        RuntimeException claimFailure;
        /** Published (or published earlier) and still to be marked COMPLETED, with their positions. */
        final List<String> toMark = new ArrayList<>();
        final List<Integer> toMarkPositions = new ArrayList<>();

        int firstPosition() {
            int first = Integer.MAX_VALUE;
            for (int p : positions) {
                first = Math.min(first, p);
            }
            for (int p : unmarkedPositions) {
                first = Math.min(first, p);
            }
            return first;
        }
    }

    /** Claim → publish → mark for one group; returns its earliest failure (position −1: none). */
    private Failure send(Group g, List<UserChange> changes) {
        Failure failure = new Failure();
        List<Integer> publishPositions = new ArrayList<>(g.positions.size());
        List<String> publishKeys = new ArrayList<>(g.positions.size());
        List<WelcomeMessage> messages = new ArrayList<>(g.positions.size());
        List<String> unmarked = new ArrayList<>(g.unmarked);
        List<Integer> unmarkedPositions = new ArrayList<>(g.unmarkedPositions);
        if (!g.keys.isEmpty()) {
            List<IdempotencyStore.ClaimStatus> statuses = g.claimed;
            if (g.claimFailure != null) {
                failure.at(g.positions.get(0), g.claimFailure);
            } else if (statuses == null) {
                Instant now = clock.instant();
                try {
                    statuses = store.claimAll(g.keys, owner(), now, now.plus(lease), now.plus(retention));
                } catch (RuntimeException e) {
                    failure.at(g.positions.get(0), e);
                }
            }
            for (int k = 0; statuses != null && k < g.keys.size(); k++) {
                UserChange c = changes.get(g.positions.get(k));
                switch (statuses.get(k)) {
                    case CLAIMED -> {
                        publishPositions.add(g.positions.get(k));
                        publishKeys.add(g.keys.get(k));
                        messages.add(message(g.users.get(k)));
                    }
                    case COMPLETED -> {
                        if (log.isDebugEnabled()) {
                            log.atDebug().addKeyValue("eventId", c.record().eventId())
                                    .addKeyValue("userId", c.userId()).log("welcome already sent; skipped");
                        }
                    }
                    case IN_PROGRESS -> failure.at(g.positions.get(k), new SystemicFailureException("WelcomeInProgress",
                            "welcome for user " + c.userId() + " is claimed by another worker whose lease has not"
                                    + " expired; retry later", null));
                }
            }
        }
        if (!messages.isEmpty()) {
            List<Throwable> results;
            try {
                results = publisher.publish(messages);
            } catch (RuntimeException e) {
                results = Collections.nCopies(messages.size(), e);
            }
            for (int k = 0; k < messages.size(); k++) {
                Throwable failed = k < results.size() ? results.get(k)
                        : new IllegalStateException("publisher returned no result for message " + k);
                if (failed == null) {
                    publishedUnmarked.add(publishKeys.get(k));
                    unmarked.add(publishKeys.get(k));
                    unmarkedPositions.add(publishPositions.get(k));
                    if (log.isDebugEnabled()) {
                        log.atDebug().addKeyValue("userId", messages.get(k).userId())
                                .addKeyValue("email", Emails.mask(messages.get(k).email())).log("welcome published");
                    }
                } else {
                    release(publishKeys.get(k));
                    failure.at(publishPositions.get(k), failed);
                }
            }
        }
        // Marked by apply() together with the other groups' messages.
        synchronized (g) {
            g.toMark.addAll(unmarked);
            g.toMarkPositions.addAll(unmarkedPositions);
        }
        return failure;
    }

    /**
     * Claims the keys of consecutive groups together, up to 100 keys per call (TransactWriteItems'
     * limit). A failed call fails each of its groups at that group's first position, as a claim of
     * the group alone would.
     */
    private void claimAhead(List<Group> groups) {
        int i = 0;
        while (i < groups.size()) {
            List<Group> batch = new ArrayList<>();
            List<String> keys = new ArrayList<>();
            for (; i < groups.size() && keys.size() + groups.get(i).keys.size() <= MAX_CLAIMS_PER_CALL; i++) {
                batch.add(groups.get(i));
                keys.addAll(groups.get(i).keys);
            }
            if (batch.size() < 2 || keys.isEmpty()) {
                i = batch.isEmpty() ? i + 1 : i; // a lone group claims for itself in send()
                continue;
            }
            Instant now = clock.instant();
            List<IdempotencyStore.ClaimStatus> statuses;
            try {
                statuses = store.claimAll(keys, owner(), now, now.plus(lease), now.plus(retention));
            } catch (RuntimeException e) {
                batch.forEach(g -> g.claimFailure = e);
                continue;
            }
            if (statuses.size() != keys.size()) {
                RuntimeException e = new IllegalStateException("the idempotency store returned " + statuses.size()
                        + " claim statuses for " + keys.size() + " keys");
                batch.forEach(g -> g.claimFailure = e);
                continue;
            }
            int at = 0;
            for (Group g : batch) {
                g.claimed = new ArrayList<>(statuses.subList(at, at + g.keys.size()));
                at += g.keys.size();
            }
        }
    }

    static final int MAX_CLAIMS_PER_CALL = 100;

    /** The earliest failing position of a group. */
    private static final class Failure {
        int position = -1;
        Throwable cause;

        void at(int p, Throwable why) {
            if (position < 0 || p < position) {
                position = p;
                cause = why;
            }
        }
    }

    private String owner() {
        String id = owner;
        if (id == null) {
            synchronized (this) {
                if (owner == null) {
                    owner = UUID.randomUUID().toString();
                }
                id = owner;
            }
        }
        return id;
    }

    private void release(String key) {
        try {
            store.release(key, owner());
        } catch (RuntimeException e) {
            // The lease expires on its own; releasing only saves another worker the wait.
            log.atDebug().addKeyValue("key", key).log("releasing a welcome claim failed");
        }
    }
}
