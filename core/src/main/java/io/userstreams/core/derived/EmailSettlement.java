package io.userstreams.core.derived;

import java.util.List;
import java.util.Map;

/**
 * How a contested email is settled: a user's record puts {@code email → userId} while the mapping
 * names {@code holder}. Records of different users arrive in any order (other shards, parallel
 * lanes), so the record cannot tell who owns the address now; the users table can.
 *
 * @param email  the contested address
 * @param holder the user the mapping names now (the write is conditional on it still doing so)
 * @param owner  who gets it: the record's user, or null when neither has the address any more
 *               (the mapping is removed; a later record of the real owner puts it back)
 */
public record EmailSettlement(String email, String holder, String owner) {

    /**
     * Decides from a consistent read of both users' current items; null when the holder keeps it
     * (it has the address now — also when both have it, which only writers breaking uniqueness cause).
     */
    public static EmailSettlement decide(String email, String userId, String holder, UserEmails users) {
        Map<String, String> now = users.currentEmails(List.of(userId, holder));
        if (email.equals(now.get(holder))) {
            return null;
        }
        return new EmailSettlement(email, holder, email.equals(now.get(userId)) ? userId : null);
    }
}
