package io.userstreams.kcl;

import java.lang.reflect.Field;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.time.Duration;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.kinesis.coordinator.CoordinatorStateDAO;
import software.amazon.kinesis.coordinator.Scheduler;
import software.amazon.kinesis.leader.DynamoDBLockBasedLeaderDecider;
import software.amazon.kinesis.metrics.MetricsFactory;

/**
 * The only place that reaches into KCL 3.1.1 internals, for two things KCL does not expose:
 * <ul>
 *   <li><b>The leader lock.</b> KCL hard-codes a 2 min lease / 30 s heartbeat: a killed leader
 *       blocks lease assignment for ~2.5 min. Its package-private factory takes both values; the
 *       creator KCL uses is swapped before the scheduler starts.</li>
 *   <li><b>The first shard sync.</b> On an empty lease table KCL waits a random 1–30 s before it
 *       (so a fleet starting together does not stampede); one consumer starting alone runs the same
 *       sync at once. Leases are created conditionally, so racing workers are safe.</li>
 * </ul>
 * {@link #MEMBERS} names every member used; {@code KclInternalsTest} checks them against the KCL on
 * the class path and pins its version, so an upgrade fails the build instead of silently falling
 * back to ~155 s failovers. At run time a mismatch is logged at ERROR and KCL's defaults stay.
 */
final class KclInternals {

    private static final Logger log = LoggerFactory.getLogger(KclInternals.class);

    /** The KCL release these internals were read from. */
    static final String KCL_VERSION = "3.1.1";

    /** Every internal member used, as "Class#member", for the pinned test and error messages. */
    static final String MEMBERS = "Scheduler#migrationComponentsInitializer, "
            + "DynamicMigrationComponentsInitializer#coordinatorStateDAO, #metricsFactory, "
            + "#ddbLockBasedLeaderDeciderCreator, DynamoDBLockBasedLeaderDecider#create(CoordinatorStateDAO, String,"
            + " Long, Long, MetricsFactory), Scheduler#leaderElectedPeriodicShardSyncManager,"
            + " PeriodicShardSyncManager#syncShardsOnce()";

    private KclInternals() {
    }

    /** Checks that every member exists with the expected type; throws naming the first one missing. */
    static void verify() throws ReflectiveOperationException {
        Class<?> initializer = Scheduler.class.getDeclaredField("migrationComponentsInitializer").getType();
        expectType(initializer.getDeclaredField("coordinatorStateDAO"), CoordinatorStateDAO.class);
        expectType(initializer.getDeclaredField("metricsFactory"), MetricsFactory.class);
        expectType(initializer.getDeclaredField("ddbLockBasedLeaderDeciderCreator"), Supplier.class);
        leaderDeciderFactory();
        Scheduler.class.getDeclaredField("leaderElectedPeriodicShardSyncManager").getType()
                .getDeclaredMethod("syncShardsOnce");
    }

    private static void expectType(Field field, Class<?> type) throws NoSuchFieldException {
        if (!type.isAssignableFrom(field.getType())) {
            throw new NoSuchFieldException(field + " is no longer a " + type.getName());
        }
    }

    private static Method leaderDeciderFactory() throws NoSuchMethodException {
        Method create = DynamoDBLockBasedLeaderDecider.class.getDeclaredMethod("create",
                CoordinatorStateDAO.class, String.class, Long.class, Long.class, MetricsFactory.class);
        create.setAccessible(true);
        return create;
    }

    private static Object field(Object owner, Class<?> type, String name) throws ReflectiveOperationException {
        Field f = type.getDeclaredField(name);
        f.setAccessible(true);
        return f.get(owner);
    }

    /** Sets the leader lock's lease and heartbeat on a scheduler that has not started yet. */
    static void tuneLeaderLock(Scheduler scheduler, String workerId, Duration lease, Duration heartbeat) {
        try {
            Object initializer = field(scheduler, Scheduler.class, "migrationComponentsInitializer");
            CoordinatorStateDAO dao = (CoordinatorStateDAO) field(initializer, initializer.getClass(), "coordinatorStateDAO");
            MetricsFactory metrics = (MetricsFactory) field(initializer, initializer.getClass(), "metricsFactory");
            Method create = leaderDeciderFactory();
            Supplier<DynamoDBLockBasedLeaderDecider> creator = () -> {
                try {
                    return (DynamoDBLockBasedLeaderDecider) create.invoke(null, dao, workerId, lease.toMillis(),
                            heartbeat.toMillis(), metrics);
                } catch (ReflectiveOperationException e) {
                    throw new IllegalStateException(e);
                }
            };
            Field creatorField = initializer.getClass().getDeclaredField("ddbLockBasedLeaderDeciderCreator");
            creatorField.setAccessible(true);
            creatorField.set(initializer, creator);
        } catch (ReflectiveOperationException | RuntimeException e) {
            log.atError().addKeyValue("error", e.toString()).addKeyValue("kclExpected", KCL_VERSION)
                    .log("could not tune the leader lock (KCL internals moved): failover after a leader crash takes ~2.5 min");
        }
    }

    /** Runs KCL's shard sync now when the lease table is empty, instead of after a random 1–30 s wait. */
    static void initialShardSync(Scheduler scheduler) {
        try {
            if (scheduler.leaseRefresher().isLeaseTableEmpty()) {
                Object manager = field(scheduler, Scheduler.class, "leaderElectedPeriodicShardSyncManager");
                Method sync = manager.getClass().getDeclaredMethod("syncShardsOnce");
                sync.setAccessible(true);
                sync.invoke(manager);
            }
        } catch (InvocationTargetException e) {
            log.atInfo().addKeyValue("error", String.valueOf(e.getCause())).log("initial shard sync failed; KCL will sync itself");
        } catch (ReflectiveOperationException e) {
            log.atError().addKeyValue("error", e.toString()).addKeyValue("kclExpected", KCL_VERSION)
                    .log("initial shard sync skipped (KCL internals moved); KCL will sync itself after 1-30 s");
        } catch (Exception e) {
            log.atInfo().addKeyValue("error", e.toString()).log("initial shard sync skipped; KCL will sync itself");
        }
    }
}
