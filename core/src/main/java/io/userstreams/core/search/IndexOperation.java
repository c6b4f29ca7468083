package io.userstreams.core.search;

import java.util.Map;

/**
 * One bulk operation on the users index.
 *
 * @param allowEqual true → version type {@code external_gte} (items without {@code version}),
 *                   false → {@code external}
 * @param document   the document for INDEX; for DELETE the tombstone's fields ({@code deleted: true}),
 *                   or null for a bare tombstone
 */
public record IndexOperation(Kind kind, String id, long version, boolean allowEqual, Map<String, Object> document) {

    public enum Kind { INDEX, DELETE }
}
