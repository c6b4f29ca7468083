package io.userstreams.kcl;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.kinesis.coordinator.WorkerStateChangeListener;

/** The KCL scheduler's state as it reports it: logged, and awaited until it has started. */
final class SchedulerState implements WorkerStateChangeListener {

    private static final Logger log = LoggerFactory.getLogger(SchedulerState.class);

    private final CountDownLatch started = new CountDownLatch(1);
    private volatile WorkerState state = WorkerState.CREATED;

    @Override
    public void onWorkerStateChange(WorkerState newState) {
        state = newState;
        log.atInfo().addKeyValue("state", newState.name()).log("scheduler state");
        if (newState == WorkerState.STARTED) {
            started.countDown();
        }
    }

    @Override
    public void onAllInitializationAttemptsFailed(Throwable e) {
        log.atError().setCause(e).log("scheduler failed to initialize");
    }

    boolean isStarted() {
        return state == WorkerState.STARTED;
    }

    boolean awaitStarted(Duration timeout) throws InterruptedException {
        return started.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }
}
