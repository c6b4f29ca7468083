/**
 * All sinks in one record ({@link io.userstreams.core.sink.Sinks}) and no-op sinks. In-memory fakes
 * and fault injection for tests live in core's test-jar.
 */
package io.userstreams.core.sink;
