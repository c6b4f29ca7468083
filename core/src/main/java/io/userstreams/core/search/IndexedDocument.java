package io.userstreams.core.search;

import java.time.Instant;

/**
 * What the index holds for a user, read on a version conflict to tell a stale record (done) from
 * a version that went down (reported) or a delete that must still win.
 *
 * @param version   the document's external version
 * @param deleted   a tombstone (the user was deleted)
 * @param createdAt the document's createdAt (its incarnation), null when absent
 * @param changedAt when the change that wrote it happened, null for documents written before it was kept
 */
public record IndexedDocument(long version, boolean deleted, Instant createdAt, Instant changedAt) {
}
