package io.userstreams.bench;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.events.DynamodbEvent;
import com.amazonaws.services.lambda.runtime.events.StreamsEventResponse;
import com.amazonaws.services.lambda.runtime.events.transformers.v2.dynamodb.DynamodbRecordTransformer;
import io.userstreams.core.change.ChangeKind;
import io.userstreams.core.change.ChangeRecord;
import io.userstreams.core.change.StreamRecordConverter;
import io.userstreams.core.config.CoreSettings;
import io.userstreams.core.derived.DerivedEffects;
import io.userstreams.core.derived.DerivedUpdate;
import io.userstreams.core.reaction.UserChange;
import io.userstreams.core.search.SearchIndexReaction;
import io.userstreams.core.welcome.IdempotencyStore;
import io.userstreams.core.welcome.WelcomeEmailReaction;
import io.userstreams.testkit.esm.EventSourceMapping;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.ConditionalCheckFailedException;

/**
 * The cost baseline: a stream handler written the way most Lambda stream handlers are. One function
 * for all three reactions; per record, Powertools-style idempotency (a conditional put of an
 * IN_PROGRESS record keyed by the eventID, then an update to COMPLETED), then one write per effect:
 * one Publish per welcome message, one PutItem/DeleteItem per email mapping, one UpdateItem per
 * counter, one index request per document. Stops at the first failing record (reported as the
 * batch item failure). Measured exactly like the product: behind the event source mapping emulator,
 * with the same call meter.
 */
final class PerRecordBaseline implements EventSourceMapping.StreamFunction, AutoCloseable {

    private final SinkClients clients;
    private final WelcomeEmailReaction templates;
    private final CoreSettings settings;

    PerRecordBaseline(Map<String, String> env) {
        settings = CoreSettings.fromEnvironment(env);
        clients = new SinkClients(env, UrlConnectionHttpClient.builder().build());
        templates = new WelcomeEmailReaction(new IdempotencyStore() {
            @Override
            public ClaimStatus claim(String key, String owner, Instant now, Instant leaseUntil, Instant expiresAt) {
                throw new UnsupportedOperationException();
            }

            @Override
            public void complete(String key, Instant now, Instant expiresAt) {
                throw new UnsupportedOperationException();
            }

            @Override
            public void release(String key, String owner) {
                throw new UnsupportedOperationException();
            }
        }, clients.publisher);
    }

    @Override
    public StreamsEventResponse invoke(DynamodbEvent event, Context context) {
        for (DynamodbEvent.DynamodbStreamRecord r : event.getRecords()) {
            try {
                handle(StreamRecordConverter.convert(DynamodbRecordTransformer.toRecordV2(r), "baseline"));
            } catch (RuntimeException e) {
                return StreamsEventResponse.builder().withBatchItemFailures(List.of(
                        StreamsEventResponse.BatchItemFailure.builder()
                                .withItemIdentifier(r.getDynamodb().getSequenceNumber()).build())).build();
            }
        }
        return StreamsEventResponse.builder().withBatchItemFailures(List.of()).build();
    }

    private void handle(ChangeRecord record) {
        String key = "baseline#" + record.eventId();
        long now = Instant.now().getEpochSecond();
        try {
            clients.dynamoDb.putItem(p -> p.tableName(settings.idempotencyTable())
                    .item(Map.of("idempotencyKey", AttributeValue.fromS(key), "status", AttributeValue.fromS("INPROGRESS"),
                            "expiresAt", AttributeValue.fromN(Long.toString(now + 3600)),
                            "inProgressUntil", AttributeValue.fromN(Long.toString(now + 60))))
                    .conditionExpression("attribute_not_exists(idempotencyKey) OR expiresAt < :now")
                    .expressionAttributeValues(Map.of(":now", AttributeValue.fromN(Long.toString(now)))));
        } catch (ConditionalCheckFailedException e) {
            return; // already done (or in progress elsewhere): Powertools skips it
        }
        UserChange change = UserChange.of(record);
        if (change.kind() == ChangeKind.INSERT) {
            Throwable failed = clients.publisher.publish(List.of(templates.message(change.newUser()))).get(0);
            if (failed != null) {
                throw new IllegalStateException(failed);
            }
        }
        DerivedUpdate u = DerivedEffects.of(change);
        if (u != null) {
            var owner = Map.of(":userId", AttributeValue.fromS(u.userId()));
            for (String email : u.mappingPuts()) {
                conditional(() -> clients.dynamoDb.putItem(p -> p.tableName(settings.usersByEmailTable())
                        .item(Map.of("email", AttributeValue.fromS(email), "userId", AttributeValue.fromS(u.userId())))
                        .conditionExpression("attribute_not_exists(email) OR userId = :userId").expressionAttributeValues(owner)));
            }
            for (String email : u.mappingDeletes()) {
                conditional(() -> clients.dynamoDb.deleteItem(d -> d.tableName(settings.usersByEmailTable())
                        .key(Map.of("email", AttributeValue.fromS(email)))
                        .conditionExpression("attribute_not_exists(email) OR userId = :userId").expressionAttributeValues(owner)));
            }
            u.counterDeltas().forEach((k, d) -> clients.dynamoDb.updateItem(up -> up.tableName(settings.userStatsTable())
                    .key(Map.of("statKey", AttributeValue.fromS(k))).updateExpression("ADD #count :delta")
                    .expressionAttributeNames(Map.of("#count", "count"))
                    .expressionAttributeValues(Map.of(":delta", AttributeValue.fromN(Long.toString(d))))));
        }
        clients.search.bulk(List.of(SearchIndexReaction.operation(change)));
        clients.dynamoDb.updateItem(up -> up.tableName(settings.idempotencyTable())
                .key(Map.of("idempotencyKey", AttributeValue.fromS(key)))
                .updateExpression("SET #s = :done, #r = :result")
                .expressionAttributeNames(Map.of("#s", "status", "#r", "data"))
                .expressionAttributeValues(Map.of(":done", AttributeValue.fromS("COMPLETED"),
                        ":result", AttributeValue.fromS("{\"status\":\"ok\"}"))));
    }

    private static void conditional(Runnable write) {
        try {
            write.run();
        } catch (ConditionalCheckFailedException e) {
            // another user holds the address: nothing to do for this effect
        }
    }

    @Override
    public void close() {
        clients.close();
    }
}
