package io.userstreams.core.change;

/** What happened to an item, as DynamoDB Streams names it. */
public enum ChangeKind {
    INSERT,
    MODIFY,
    REMOVE
}
