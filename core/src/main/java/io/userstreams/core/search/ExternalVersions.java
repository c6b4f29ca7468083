package io.userstreams.core.search;

import io.userstreams.core.user.InvalidUserException;
import io.userstreams.core.user.User;
import io.userstreams.core.user.UserValidator;

/**
 * The search index's external document version, a long that grows with every write of an item.
 *
 * <p>Stream sequence numbers are 21-40 digit strings and do not fit OpenSearch's long version, so
 * the version is composed from the item itself:
 * {@code externalVersion = createdAtEpochMillis * 2^20 + version}.
 * <ul>
 *   <li>Within one incarnation of a user, createdAt is fixed and writers raise {@code version}
 *       by one per write (optimistic locking), so the composite grows with every write.</li>
 *   <li>A delete is indexed with the incarnation's highest composite ({@link #forDelete}): above
 *       every write of that incarnation, so a replayed older record is rejected (409).</li>
 *   <li>A user created again gets a later createdAt, so its first write beats the old tombstone.
 *       (A re-creation that reuses the old createdAt loses to the tombstone: writers must stamp
 *       a new createdAt.)</li>
 *   <li>Range: version ≤ 2^20 − 2 (UserValidator.MAX_VERSION); createdAt up to the year 2248.</li>
 * </ul>
 *
 * <p><b>Fallback for items without {@code version}</b> (written by other applications): they are
 * indexed with version 0, i.e. composite {@code createdAtMillis * 2^20}, and with version type
 * {@code external_gte} instead of {@code external}. So they are still indexed, later writes of such
 * an item are applied in processing order (equal version is accepted), and a delete (composite + 1)
 * still beats any replay. The limit: two writes without {@code version} cannot be ordered, so a
 * replay of an older record of such an item can overwrite a newer document until the item's next
 * write. Once a writer starts maintaining {@code version}, ordering is exact again.
 */
public final class ExternalVersions {

    public static final int VERSION_BITS = 20;

    private ExternalVersions() {
    }

    /**
     * The composite version; throws {@link InvalidUserException} (a record failure of this record
     * only) when the user is outside the scheme's range, which the validator already refuses.
     */
    public static long of(User user) {
        long version = user.version();
        if (version < 0 || version > UserValidator.MAX_VERSION) {
            throw new InvalidUserException("version", "must be between 1 and " + UserValidator.MAX_VERSION
                    + " to fit the search index's version, was " + version);
        }
        UserValidator.checkCreatedAt(user.createdAt());
        return (user.createdAt().toEpochMilli() << VERSION_BITS) + version;
    }

    /**
     * The version for deleting the document of a user whose last image was {@code before}: the
     * highest version of that incarnation ({@code createdAtMillis * 2^20 + 2^20 − 1}), so the delete
     * beats every write of the incarnation — a replay, and also a write whose version went down or
     * an image whose version could not be indexed. Needs only createdAt.
     */
    public static long forDelete(User before) {
        UserValidator.checkCreatedAt(before.createdAt());
        return (before.createdAt().toEpochMilli() << VERSION_BITS) + (1L << VERSION_BITS) - 1;
    }

    /** External ordering is exact only for items with a version; see the class comment. */
    public static boolean exact(User user) {
        return user.hasVersion();
    }
}
