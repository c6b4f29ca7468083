package io.userstreams.localdynamodb;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.BatchGetItemResponse;
import software.amazon.awssdk.services.dynamodb.model.CancellationReason;
import software.amazon.awssdk.services.dynamodb.model.ConditionalCheckFailedException;
import software.amazon.awssdk.services.dynamodb.model.IdempotentParameterMismatchException;
import software.amazon.awssdk.services.dynamodb.model.KeysAndAttributes;
import software.amazon.awssdk.services.dynamodb.model.PutRequest;
import software.amazon.awssdk.services.dynamodb.model.ReturnConsumedCapacity;
import software.amazon.awssdk.services.dynamodb.model.ReturnValuesOnConditionCheckFailure;
import software.amazon.awssdk.services.dynamodb.model.TransactGetItemsResponse;
import software.amazon.awssdk.services.dynamodb.model.TransactWriteItem;
import software.amazon.awssdk.services.dynamodb.model.TransactWriteItemsResponse;
import software.amazon.awssdk.services.dynamodb.model.TransactionCanceledException;
import software.amazon.awssdk.services.dynamodb.model.WriteRequest;

class TransactionTest extends ServerTestBase {
    static String table;

    @BeforeAll
    static void data() {
        table = table("tx", null);
    }

    private static TransactWriteItem put(Map<String, AttributeValue> item, String condition) {
        return TransactWriteItem.builder().put(p -> p.tableName(table).item(item).conditionExpression(condition)).build();
    }

    @Test
    void allOrNothingWithCancellationReasonsInOrder() {
        client.putItem(b -> b.tableName(table).item(item("pk", "t1", "v", n("1"))));
        TransactionCanceledException canceled = assertError(TransactionCanceledException.class, "TransactionCanceledException",
                "Transaction cancelled, please refer cancellation reasons for specific reasons [None, ConditionalCheckFailed, None]",
                () -> client.transactWriteItems(b -> b.transactItems(
                        put(item("pk", "t2", "v", n("2")), null),
                        TransactWriteItem.builder().update(u -> u.tableName(table).key(key("t1")).updateExpression("SET v = :v")
                                .conditionExpression("v = :old").expressionAttributeValues(Map.of(":v", n("9"), ":old", n("0")))
                                .returnValuesOnConditionCheckFailure(ReturnValuesOnConditionCheckFailure.ALL_OLD)).build(),
                        TransactWriteItem.builder().delete(d -> d.tableName(table).key(key("t3"))).build())));
        List<CancellationReason> reasons = canceled.cancellationReasons();
        assertThat(reasons).extracting(CancellationReason::code).containsExactly("None", "ConditionalCheckFailed", "None");
        assertThat(reasons.get(1).message()).isEqualTo("The conditional request failed");
        assertThat(reasons.get(1).item()).isEqualTo(item("pk", "t1", "v", n("1")));
        assertThat(client.getItem(b -> b.tableName(table).key(key("t2"))).hasItem()).isFalse();

        TransactWriteItemsResponse ok = client.transactWriteItems(b -> b.returnConsumedCapacity(ReturnConsumedCapacity.TOTAL).transactItems(
                put(item("pk", "t2", "v", n("2")), "attribute_not_exists(pk)"),
                TransactWriteItem.builder().conditionCheck(c -> c.tableName(table).key(key("t1")).conditionExpression("v = :one")
                        .expressionAttributeValues(Map.of(":one", n("1")))).build(),
                TransactWriteItem.builder().update(u -> u.tableName(table).key(key("t4")).updateExpression("ADD c :one")
                        .expressionAttributeValues(Map.of(":one", n("1")))).build()));
        assertThat(ok.consumedCapacity()).singleElement().satisfies(c -> assertThat(c.capacityUnits()).isEqualTo(6.0));
        assertThat(client.getItem(b -> b.tableName(table).key(key("t2"))).item()).containsEntry("v", n("2"));
        assertThat(client.getItem(b -> b.tableName(table).key(key("t4"))).item()).containsEntry("c", n("1"));

        TransactionCanceledException validation = assertError(TransactionCanceledException.class, "TransactionCanceledException", null,
                () -> client.transactWriteItems(b -> b.transactItems(
                        TransactWriteItem.builder().update(u -> u.tableName(table).key(key("t1")).updateExpression("SET v = v + :s")
                                .expressionAttributeValues(Map.of(":s", s("x")))).build())));
        assertThat(validation.cancellationReasons()).singleElement().satisfies(r -> {
            assertThat(r.code()).isEqualTo("ValidationError");
            assertThat(r.message()).isEqualTo("An operand in the update expression has an incorrect data type");
        });
    }

    @Test
    void transactionLimits() {
        assertValidation("Transaction request cannot include multiple operations on one item",
                () -> client.transactWriteItems(b -> b.transactItems(put(item("pk", "same"), null), put(item("pk", "same"), null))));
        List<TransactWriteItem> tooMany = new ArrayList<>();
        for (int i = 0; i < 101; i++) {
            tooMany.add(put(item("pk", "many" + i), null));
        }
        var error = assertValidation(null, () -> client.transactWriteItems(b -> b.transactItems(tooMany)));
        assertThat(error.awsErrorDetails().errorMessage()).contains("Member must have length less than or equal to 100");
    }

    @Test
    void clientRequestTokenIsIdempotent() {
        client.transactWriteItems(b -> b.clientRequestToken("token-1").transactItems(
                TransactWriteItem.builder().update(u -> u.tableName(table).key(key("idem")).updateExpression("ADD c :one")
                        .expressionAttributeValues(Map.of(":one", n("1")))).build()));
        client.transactWriteItems(b -> b.clientRequestToken("token-1").transactItems(
                TransactWriteItem.builder().update(u -> u.tableName(table).key(key("idem")).updateExpression("ADD c :one")
                        .expressionAttributeValues(Map.of(":one", n("1")))).build()));
        assertThat(client.getItem(b -> b.tableName(table).key(key("idem"))).item()).containsEntry("c", n("1"));
        assertError(IdempotentParameterMismatchException.class, "IdempotentParameterMismatchException", null,
                () -> client.transactWriteItems(b -> b.clientRequestToken("token-1").transactItems(
                        TransactWriteItem.builder().update(u -> u.tableName(table).key(key("idem")).updateExpression("ADD c :two")
                                .expressionAttributeValues(Map.of(":two", n("2")))).build())));
    }

    @Test
    void transactGetAndBatches() {
        client.batchWriteItem(b -> b.requestItems(Map.of(table, List.of(
                WriteRequest.builder().putRequest(PutRequest.builder().item(item("pk", "bw1", "v", "1")).build()).build(),
                WriteRequest.builder().putRequest(PutRequest.builder().item(item("pk", "bw2", "v", "2")).build()).build(),
                WriteRequest.builder().deleteRequest(d -> d.key(key("bw3"))).build()))));
        BatchGetItemResponse got = client.batchGetItem(b -> b.requestItems(Map.of(table,
                KeysAndAttributes.builder().keys(key("bw1"), key("bw2"), key("bw-missing")).projectionExpression("v").build())));
        assertThat(got.responses().get(table)).containsExactlyInAnyOrder(Map.of("v", s("1")), Map.of("v", s("2")));
        assertThat(got.unprocessedKeys()).isEmpty();
        TransactGetItemsResponse tx = client.transactGetItems(b -> b.transactItems(
                t -> t.get(g -> g.tableName(table).key(key("bw1"))), t -> t.get(g -> g.tableName(table).key(key("none")))));
        assertThat(tx.responses().get(0).item()).containsEntry("v", s("1"));
        assertThat(tx.responses().get(1).hasItem()).isFalse();

        assertValidation("Provided list of item keys contains duplicates",
                () -> client.batchWriteItem(b -> b.requestItems(Map.of(table, List.of(
                        WriteRequest.builder().putRequest(PutRequest.builder().item(item("pk", "d")).build()).build(),
                        WriteRequest.builder().deleteRequest(d -> d.key(key("d"))).build())))));
        List<WriteRequest> tooMany = new ArrayList<>();
        for (int i = 0; i < 26; i++) {
            tooMany.add(WriteRequest.builder().putRequest(PutRequest.builder().item(item("pk", "x" + i)).build()).build());
        }
        assertValidation(null, () -> client.batchWriteItem(b -> b.requestItems(Map.of(table, tooMany))));
        assertValidation("Provided list of item keys contains duplicates",
                () -> client.batchGetItem(b -> b.requestItems(Map.of(table, KeysAndAttributes.builder().keys(key("a"), key("a")).build()))));
    }

    @Test
    void concurrentConditionalIncrementsAreLinearizable() throws Exception {
        client.putItem(b -> b.tableName(table).item(item("pk", "counter", "v", n("0"))));
        int threads = 4;
        int perThread = 50;
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        List<Future<Integer>> results = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            results.add(pool.submit(() -> {
                int succeeded = 0;
                for (int i = 0; i < perThread; i++) {
                    // optimistic concurrency: read, then write only if nobody wrote in between
                    String current = client.getItem(b -> b.tableName(table).key(key("counter")).consistentRead(true)).item().get("v").n();
                    String next = Integer.toString(Integer.parseInt(current) + 1);
                    try {
                        client.updateItem(b -> b.tableName(table).key(key("counter")).updateExpression("SET v = :next")
                                .conditionExpression("v = :current")
                                .expressionAttributeValues(Map.of(":next", n(next), ":current", n(current))));
                        succeeded++;
                    } catch (ConditionalCheckFailedException lost) {
                        // another writer won this round
                    }
                    // transactions over two items keep them equal
                    client.transactWriteItems(b -> b.transactItems(
                            TransactWriteItem.builder().update(u -> u.tableName(table).key(key("pairA")).updateExpression("ADD c :one")
                                    .expressionAttributeValues(Map.of(":one", n("1")))).build(),
                            TransactWriteItem.builder().update(u -> u.tableName(table).key(key("pairB")).updateExpression("ADD c :one")
                                    .expressionAttributeValues(Map.of(":one", n("1")))).build()));
                }
                return succeeded;
            }));
        }
        int succeeded = 0;
        for (Future<Integer> result : results) {
            succeeded += result.get(2, TimeUnit.MINUTES);
        }
        pool.shutdown();
        String finalValue = client.getItem(b -> b.tableName(table).key(key("counter"))).item().get("v").n();
        assertThat(Integer.parseInt(finalValue)).isEqualTo(succeeded);
        assertThat(client.getItem(b -> b.tableName(table).key(key("pairA"))).item().get("c").n()).isEqualTo(Integer.toString(threads * perThread));
        assertThat(client.getItem(b -> b.tableName(table).key(key("pairB"))).item().get("c").n()).isEqualTo(Integer.toString(threads * perThread));
    }
}
