package io.userstreams.localses;

import io.userstreams.localfaults.FaultSwitch;

/**
 * Failure injection for SendEmail. Each HTTP call (every SDK attempt, retries included) takes one
 * fault; a failed call relays nothing.
 */
public final class SesFaults extends FaultSwitch<SesFault> {
}
