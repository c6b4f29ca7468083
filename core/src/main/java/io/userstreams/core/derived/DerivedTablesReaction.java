package io.userstreams.core.derived;

import io.userstreams.core.config.ReactionId;
import io.userstreams.core.reaction.ReactionResult;
import io.userstreams.core.reaction.RecordReaction;
import io.userstreams.core.reaction.UserChange;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps {@code users_by_email} and {@code user_stats} exact under redelivery: each change's
 * effects go into one TransactWriteItems together with the claim {@code derived#<eventId>}
 * (conditional put); a transaction cancelled because the claim exists was applied before.
 */
public final class DerivedTablesReaction implements RecordReaction {

    private static final Logger log = LoggerFactory.getLogger(DerivedTablesReaction.class);

    private final DerivedTablesStore store;

    public DerivedTablesReaction(DerivedTablesStore store) {
        this.store = Objects.requireNonNull(store);
    }

    @Override
    public ReactionId reaction() {
        return ReactionId.DERIVED_TABLES;
    }

    /** Records per transaction at most; each brings a claim, its emails and counter keys (limit 100 items). */
    public static final int MAX_GROUP = 50;
    static final int MAX_ITEMS = 100;

    @Override
    public ReactionResult apply(List<UserChange> changes) {
        // Up to the first new image with an unusable email, plan or country: its usable fields are
        // applied with the records before it, then it is reported (dead-lettered once, not retried).
        int n = changes.size();
        RuntimeException refused = null;
        for (int k = 0; k < n; k++) {
            refused = changes.get(k).newImageProblem(DerivedEffects.FIELDS);
            if (refused != null) {
                n = k + 1;
                break;
            }
        }
        DerivedUpdate[] updates = new DerivedUpdate[n];
        for (int k = 0; k < n; k++) {
            updates[k] = DerivedEffects.of(changes.get(k));
        }
        int i = 0;
        while (i < n) {
            // A group of consecutive updates that can share one transaction.
            List<DerivedUpdate> group = new ArrayList<>(MAX_GROUP);
            int firstInGroup = -1;
            Set<String> emails = new HashSet<>();
            Set<String> counters = new HashSet<>();
            Set<String> claimKeys = new HashSet<>();
            int items = 0;
            int j = i;
            for (; j < n; j++) {
                DerivedUpdate u = updates[j];
                if (u == null) {
                    continue;
                }
                int newCounters = 0;
                for (String key : u.counterDeltas().keySet()) {
                    if (!counters.contains(key)) {
                        newCounters++;
                    }
                }
                int cost = 1 + u.mappingPuts().size() + u.mappingDeletes().size() + newCounters;
                boolean collides = false;
                for (String email : u.mappingPuts()) {
                    collides |= emails.contains(email);
                }
                for (String email : u.mappingDeletes()) {
                    collides |= emails.contains(email);
                }
                // A record delivered twice in one batch would put its claim twice into one
                // transaction, which DynamoDB rejects outright: cut the group there.
                collides |= claimKeys.contains(u.claimKey());
                if (!group.isEmpty() && (collides || group.size() == MAX_GROUP || items + cost > MAX_ITEMS)) {
                    break;
                }
                if (firstInGroup < 0) {
                    firstInGroup = j;
                }
                group.add(u);
                claimKeys.add(u.claimKey());
                emails.addAll(u.mappingPuts());
                emails.addAll(u.mappingDeletes());
                counters.addAll(u.counterDeltas().keySet());
                items += cost;
            }
            if (group.size() >= 2) {
                try {
                    if (store.applyAll(group)) {
                        i = j;
                        continue;
                    }
                } catch (RuntimeException e) {
                    return ReactionResult.failedAt(firstInGroup, e);
                }
            }
            for (int k = i; k < j; k++) {
                if (updates[k] == null) {
                    continue;
                }
                try {
                    DerivedTablesStore.Outcome outcome = store.apply(updates[k]);
                    if (outcome == DerivedTablesStore.Outcome.ALREADY_APPLIED && log.isDebugEnabled()) {
                        log.atDebug().addKeyValue("eventId", changes.get(k).record().eventId())
                                .log("derived update already applied; skipped");
                    }
                } catch (RuntimeException e) {
                    return ReactionResult.failedAt(k, e);
                }
            }
            i = j;
        }
        return refused == null ? ReactionResult.all(n) : ReactionResult.failedAt(n - 1, refused);
    }
}
