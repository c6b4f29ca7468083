package io.userstreams.core.derived;

import io.userstreams.core.config.Reaction;
import io.userstreams.core.reaction.ReactionResult;
import io.userstreams.core.reaction.RecordReaction;
import io.userstreams.core.reaction.UserChange;
import java.util.List;
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
    public Reaction reaction() {
        return Reaction.DERIVED_TABLES;
    }

    @Override
    public ReactionResult apply(List<UserChange> changes) {
        for (int i = 0; i < changes.size(); i++) {
            DerivedUpdate update = DerivedEffects.of(changes.get(i));
            if (update == null) {
                continue;
            }
            try {
                DerivedTablesStore.Outcome outcome = store.apply(update);
                if (outcome == DerivedTablesStore.Outcome.ALREADY_APPLIED && log.isDebugEnabled()) {
                    log.atDebug().addKeyValue("eventId", changes.get(i).record().eventId())
                            .log("derived update already applied; skipped");
                }
            } catch (RuntimeException e) {
                return ReactionResult.failedAt(i, e);
            }
        }
        return ReactionResult.all(changes.size());
    }
}
