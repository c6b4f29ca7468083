/**
 * The normalized change record both runtimes produce ({@link io.userstreams.core.change.ChangeRecord}),
 * the SDK v2 stream record converter (with TTL-expiry detection) and DynamoDB JSON helpers.
 */
package io.userstreams.core.change;
