package io.userstreams.core.derived;

import java.util.Collection;
import java.util.Map;

/**
 * The users table, the source of truth, as far as derived tables need it: who has which email
 * now. Read only to settle an email that two users' records contend for.
 */
@FunctionalInterface
public interface UserEmails {

    /**
     * The current email of each of {@code userIds} read as one consistent snapshot; a user without
     * an item (or without a string email) is absent from the result.
     */
    Map<String, String> currentEmails(Collection<String> userIds);
}
