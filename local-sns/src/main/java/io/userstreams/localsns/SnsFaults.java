package io.userstreams.localsns;

import io.userstreams.localfaults.FaultSwitch;

/**
 * Failure injection for fault tests. Only Publish and PublishBatch are affected; a failed call
 * delivers nothing. Each SDK attempt (including its retries) is one call.
 */
public final class SnsFaults extends FaultSwitch<SnsFault> {

    SnsFaults() {
    }
}
