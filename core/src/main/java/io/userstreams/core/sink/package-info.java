/**
 * All sinks in one record ({@link io.userstreams.core.sink.Sinks}), no-op and in-memory fakes, and
 * {@link io.userstreams.core.sink.Faults}, fault injection for tests of the fakes.
 */
package io.userstreams.core.sink;
