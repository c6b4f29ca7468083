package io.userstreams.kcl;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.kinesis.coordinator.Scheduler;

/** What this worker does with its KCL leases beyond what KCL does itself. */
final class WorkerLeases {

    private static final Logger log = LoggerFactory.getLogger(WorkerLeases.class);

    private final String workerId;
    private volatile Scheduler scheduler;

    WorkerLeases(String workerId) {
        this.workerId = workerId;
    }

    void bind(Scheduler scheduler) {
        this.scheduler = scheduler;
    }

    /** Leases this worker holds now (0 before start). */
    int held() {
        Scheduler s = scheduler;
        if (s == null || s.leaseCoordinator() == null) {
            return 0;
        }
        try {
            return s.leaseCoordinator().getAssignments().size();
        } catch (RuntimeException e) {
            return 0;
        }
    }

    boolean holds(String shardId) {
        try {
            return scheduler.leaseCoordinator().getCurrentlyHeldLease(shardId) != null;
        } catch (RuntimeException e) {
            return true;    // unknown: keep trying; a checkpoint will fail if the lease is really gone
        }
    }

    /**
     * Gives up a shard whose consumer dropped records: evicts the lease in the table (conditional on
     * this worker still owning it, so the leader can reassign it at once) and stops renewing it here,
     * so KCL ends this shard consumer as a lease loss and a new one restarts from the checkpoint.
     */
    void abandon(String shardId) {
        try {
            var lease = scheduler.leaseRefresher().getLease(shardId);
            if (lease != null && workerId.equals(lease.leaseOwner())) {
                scheduler.leaseRefresher().evictLease(lease);
            }
            var held = scheduler.leaseCoordinator().getCurrentlyHeldLease(shardId);
            if (held != null) {
                scheduler.leaseCoordinator().dropLease(held);
            }
            log.atInfo().addKeyValue("shardId", shardId).log("lease given up: the shard restarts from its checkpoint");
        } catch (Exception e) {
            log.atWarn().addKeyValue("shardId", shardId).addKeyValue("error", e.toString())
                    .log("could not give the lease up; it moves when it expires");
        }
    }

    /**
     * KCL's graceful shutdown stops renewing but leaves this worker as the owner in the lease table,
     * so another worker waits a failover period. Evicting (conditional on still being the owner)
     * hands the shards over at once; a restart with the same worker id takes them right back.
     */
    void releaseAll() {
        try {
            for (var lease : scheduler.leaseRefresher().listLeases()) {
                if (workerId.equals(lease.leaseOwner())) {
                    scheduler.leaseRefresher().evictLease(lease);
                    log.atInfo().addKeyValue("leaseKey", lease.leaseKey()).log("lease released");
                }
            }
        } catch (Exception e) {
            log.atInfo().addKeyValue("error", e.toString()).log("leases not released; they expire after the failover time");
        }
    }
}
