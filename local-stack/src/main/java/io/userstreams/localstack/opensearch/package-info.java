/**
 * A real single-node OpenSearch as a child process for local runs and tests.
 *
 * <p>{@link io.userstreams.localstack.opensearch.OpenSearchNode} is the API. State root layout:
 * {@code dist/opensearch-<version>/} (unpacked once per version, shared by every JVM) and
 * {@code nodes/node-<ownerPid>-<id>/} (one per running node: {@code config/}, {@code data/},
 * {@code logs/}, {@code tmp/}, {@code opensearch.log} with the captured output, {@code node.pid}).
 * Node folders are deleted on close; a folder whose owner JVM is gone is swept (and its node
 * stopped) by the next start.
 */
package io.userstreams.localstack.opensearch;
