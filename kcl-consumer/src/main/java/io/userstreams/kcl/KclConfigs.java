package io.userstreams.kcl;

import com.amazonaws.services.dynamodbv2.streamsadapter.StreamsSchedulerFactory;
import com.amazonaws.services.dynamodbv2.streamsadapter.polling.DynamoDBStreamsPollingConfig;
import software.amazon.awssdk.services.cloudwatch.CloudWatchAsyncClient;
import software.amazon.awssdk.services.dynamodb.DynamoDbAsyncClient;
import software.amazon.awssdk.services.dynamodb.model.BillingMode;
import software.amazon.kinesis.checkpoint.CheckpointConfig;
import software.amazon.kinesis.common.ConfigsBuilder;
import software.amazon.kinesis.common.InitialPositionInStream;
import software.amazon.kinesis.common.InitialPositionInStreamExtended;
import software.amazon.kinesis.coordinator.CoordinatorConfig;
import software.amazon.kinesis.coordinator.Scheduler;
import software.amazon.kinesis.coordinator.WorkerStateChangeListener;
import software.amazon.kinesis.leases.LeaseManagementConfig;
import software.amazon.kinesis.leases.ParentsFirstShardPrioritization;
import software.amazon.kinesis.lifecycle.LifecycleConfig;
import software.amazon.kinesis.metrics.MetricsConfig;
import software.amazon.kinesis.metrics.MetricsLevel;
import software.amazon.kinesis.metrics.NullMetricsFactory;
import software.amazon.kinesis.processor.ProcessorConfig;
import software.amazon.kinesis.processor.ShardRecordProcessorFactory;
import software.amazon.kinesis.processor.StreamTracker;
import software.amazon.kinesis.retrieval.RetrievalConfig;

/**
 * The six KCL configs of the consumer, from its settings alone: building them makes no call and
 * starts nothing (unit-tested). Tuning that matters: poll interval 200 ms, shard sync interval 0,
 * lease assignment every second at most, worker metrics every 5 s (the leader assigns leases only
 * to workers with a recent entry), failover 3 s, parents before children, metrics off locally.
 * {@code ConfigsBuilder} accessors return a new object on every call: each is captured once, then tuned.
 */
record KclConfigs(CheckpointConfig checkpoint, CoordinatorConfig coordinator, LeaseManagementConfig leases,
                  LifecycleConfig lifecycle, MetricsConfig metrics, ProcessorConfig processor,
                  RetrievalConfig retrieval, KclClients.KclStream stream) {

    static KclConfigs from(ConsumerSettings settings, KclClients.KclStream stream, DynamoDbAsyncClient dynamo,
                           CloudWatchAsyncClient cloudWatch, ShardRecordProcessorFactory factory,
                           WorkerStateChangeListener stateListener) {
        StreamTracker tracker = StreamsSchedulerFactory.createSingleStreamTracker(stream.arn(),
                InitialPositionInStreamExtended.newInitialPosition(InitialPositionInStream.TRIM_HORIZON));
        ConfigsBuilder configs = new ConfigsBuilder(tracker, settings.applicationName(), stream.adapter(), dynamo,
                cloudWatch, settings.workerId(), factory);
        long failover = settings.failover().toMillis();
        LeaseManagementConfig leases = configs.leaseManagementConfig()
                .failoverTimeMillis(failover)
                // The leader assigns leases every interval and workers discover theirs every half
                // interval; KCL's default (2 × failover) adds seconds to start-up and failover.
                .leaseAssignmentIntervalMillis(Math.min(2 * failover, 1000))
                // The adapter sets this too, but only after KCL has read it (a 60 s sleep otherwise).
                .shardSyncIntervalMillis(0)
                .billingMode(BillingMode.PAY_PER_REQUEST);
        // Worker metrics are written every 30 s by default: a restarted consumer waited 10-56 s for
        // its shard. Every 5 s costs one small write per worker.
        leases.workerUtilizationAwareAssignmentConfig().workerMetricsReporterFreqInMillis(5000);
        CoordinatorConfig coordinator = configs.coordinatorConfig()
                // Depth 1: only shards whose parents are finished; a child waits for its parent.
                .shardPrioritization(new ParentsFirstShardPrioritization(1))
                .parentShardPollIntervalMillis(1000)
                .shardConsumerDispatchPollIntervalMillis(250)
                .skipShardSyncAtWorkerInitializationIfLeasesExist(true)
                .workerStateChangeListener(stateListener);
        MetricsConfig metrics = configs.metricsConfig();
        if (settings.isLocal()) {
            metrics.metricsLevel(MetricsLevel.NONE).metricsFactory(new NullMetricsFactory());
        } else {
            metrics.metricsLevel(MetricsLevel.SUMMARY);
        }
        // Empty polls reach the processor too, so lag drops to 0 when a shard is caught up.
        ProcessorConfig processor = configs.processorConfig().callProcessRecordsEvenForEmptyRecordList(true);
        DynamoDBStreamsPollingConfig polling = new DynamoDBStreamsPollingConfig(stream.adapter());
        polling.idleTimeBetweenReadsInMillis(settings.pollInterval().toMillis());
        polling.maxRecords(settings.maxRecords());
        RetrievalConfig retrieval = configs.retrievalConfig().retrievalSpecificConfig(polling);
        return new KclConfigs(configs.checkpointConfig(), coordinator, leases, configs.lifecycleConfig(), metrics,
                processor, retrieval, stream);
    }

    /** The scheduler over these configs, not started. */
    Scheduler newScheduler() {
        Scheduler scheduler = StreamsSchedulerFactory.createScheduler(checkpoint, coordinator, leases, lifecycle,
                metrics, processor, retrieval, stream.adapter());
        // Set before and after: the adapter's factory overwrites it while the scheduler is built.
        leases.shardSyncIntervalMillis(0);
        return scheduler;
    }
}
