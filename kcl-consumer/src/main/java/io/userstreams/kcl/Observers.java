package io.userstreams.kcl;

import io.userstreams.core.change.ChangeRecord;
import io.userstreams.core.config.ReactionId;
import io.userstreams.core.processing.BatchOutcome;
import io.userstreams.core.processing.ProcessingMetrics;
import java.time.Duration;
import java.util.List;
import software.amazon.awssdk.services.dynamodb.model.Record;

/** Both the metrics and the terminal reporter see the same events (local mode). */
final class Observers {

    private Observers() {
    }

    static ProcessingMetrics metrics(ProcessingMetrics a, ProcessingMetrics b) {
        return new ProcessingMetrics() {
            @Override
            public void recordProcessed(ReactionId r, ChangeRecord c) {
                a.recordProcessed(r, c);
                b.recordProcessed(r, c);
            }

            @Override
            public void recordFailed(ReactionId r, ChangeRecord c, Throwable e) {
                a.recordFailed(r, c, e);
                b.recordFailed(r, c, e);
            }

            @Override
            public void recordInvalid(ChangeRecord c, Throwable e) {
                a.recordInvalid(c, e);
                b.recordInvalid(c, e);
            }

            @Override
            public void recordDeadLettered(ReactionId r, ChangeRecord c, Throwable e) {
                a.recordDeadLettered(r, c, e);
                b.recordDeadLettered(r, c, e);
            }

            @Override
            public void reactionCalled(ReactionId r, int records, Duration took) {
                a.reactionCalled(r, records, took);
                b.reactionCalled(r, records, took);
            }

            @Override
            public void batchFinished(BatchOutcome o, Duration took) {
                a.batchFinished(o, took);
                b.batchFinished(o, took);
            }
        };
    }

    static ShardProcessor.Listener listeners(ShardProcessor.Listener a, ShardProcessor.Listener b) {
        return new ShardProcessor.Listener() {
            @Override
            public void delivered(String shardId, List<Record> records) {
                a.delivered(shardId, records);
                b.delivered(shardId, records);
            }

            @Override
            public void completed(String shardId, List<ChangeRecord> done) {
                a.completed(shardId, done);
                b.completed(shardId, done);
            }

            @Override
            public void checkpointed(String shardId, String sequenceNumber) {
                a.checkpointed(shardId, sequenceNumber);
                b.checkpointed(shardId, sequenceNumber);
            }
        };
    }
}
