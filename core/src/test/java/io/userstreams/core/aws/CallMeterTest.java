package io.userstreams.core.aws;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.core.SdkRequest;
import software.amazon.awssdk.core.SdkResponse;
import software.amazon.awssdk.core.interceptor.ExecutionAttributes;
import software.amazon.awssdk.core.interceptor.InterceptorContext;
import software.amazon.awssdk.core.interceptor.SdkExecutionAttribute;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.ConsumedCapacity;
import software.amazon.awssdk.services.dynamodb.model.PutItemRequest;
import software.amazon.awssdk.services.dynamodb.model.PutItemResponse;
import software.amazon.awssdk.services.dynamodb.model.ReturnConsumedCapacity;
import software.amazon.awssdk.services.dynamodb.model.TransactWriteItem;
import software.amazon.awssdk.services.dynamodb.model.TransactWriteItemsRequest;
import software.amazon.awssdk.services.dynamodb.model.TransactWriteItemsResponse;
import software.amazon.awssdk.services.sns.model.PublishBatchRequest;
import software.amazon.awssdk.services.sns.model.PublishBatchRequestEntry;
import software.amazon.awssdk.services.sns.model.PublishBatchResponse;

/** The meter's arithmetic on SDK objects (the benchmark exercises it against the local servers). */
class CallMeterTest {

    private static ExecutionAttributes attributes(String service, String operation) {
        ExecutionAttributes a = new ExecutionAttributes();
        a.putAttribute(SdkExecutionAttribute.SERVICE_NAME, service);
        a.putAttribute(SdkExecutionAttribute.OPERATION_NAME, operation);
        return a;
    }

    private static void call(SdkRequest request, SdkResponse response, ExecutionAttributes attributes) {
        SdkRequest modified = CallMeter.INSTANCE.modifyRequest(InterceptorContext.builder().request(request).build(),
                attributes);
        CallMeter.INSTANCE.afterExecution(InterceptorContext.builder().request(modified).response(response).build(),
                attributes);
    }

    @Test
    void asksDynamoDbForItsCapacityButKeepsWhatTheCallerAskedFor() {
        PutItemRequest plain = PutItemRequest.builder().tableName("t").item(Map.of("k", AttributeValue.fromS("v"))).build();
        SdkRequest modified = CallMeter.INSTANCE.modifyRequest(InterceptorContext.builder().request(plain).build(),
                attributes("DynamoDb", "PutItem"));
        assertThat(((PutItemRequest) modified).returnConsumedCapacity()).isEqualTo(ReturnConsumedCapacity.TOTAL);

        PutItemRequest indexes = plain.toBuilder().returnConsumedCapacity(ReturnConsumedCapacity.INDEXES).build();
        SdkRequest kept = CallMeter.INSTANCE.modifyRequest(InterceptorContext.builder().request(indexes).build(),
                attributes("DynamoDb", "PutItem"));
        assertThat(((PutItemRequest) kept).returnConsumedCapacity()).isEqualTo(ReturnConsumedCapacity.INDEXES);
    }

    @Test
    void countsRequestsAndUnitsPerOperationAndTable(@TempDir Path dir) {
        Map<String, CallMeter.Usage> before = CallMeter.snapshot();
        PutItemRequest put = PutItemRequest.builder().tableName("meter_t").item(Map.of("k", AttributeValue.fromS("v"))).build();
        PutItemResponse putResponse = PutItemResponse.builder()
                .consumedCapacity(ConsumedCapacity.builder().tableName("meter_t").capacityUnits(1.0).build()).build();
        call(put, putResponse, attributes("DynamoDb", "PutItem"));
        call(put, putResponse, attributes("DynamoDb", "PutItem"));
        TransactWriteItemsRequest transact = TransactWriteItemsRequest.builder().transactItems(
                TransactWriteItem.builder().put(p -> p.tableName("meter_b").item(Map.of())).build(),
                TransactWriteItem.builder().put(p -> p.tableName("meter_a").item(Map.of())).build()).build();
        call(transact, TransactWriteItemsResponse.builder().consumedCapacity(
                ConsumedCapacity.builder().tableName("meter_a").capacityUnits(2.0).build(),
                ConsumedCapacity.builder().tableName("meter_b").capacityUnits(2.0).build()).build(),
                attributes("DynamoDb", "TransactWriteItems"));

        Map<String, CallMeter.Usage> d = CallMeter.difference(CallMeter.snapshot(), before);
        assertThat(d.get("DynamoDb/PutItem meter_t").requests()).isEqualTo(2);
        assertThat(d.get("DynamoDb/PutItem meter_t").writeUnits()).isEqualTo(2.0);
        assertThat(d.get("DynamoDb/TransactWriteItems meter_a+meter_b").writeUnits()).isEqualTo(4.0);
        assertThat(d.get("DynamoDb/TransactWriteItems meter_a+meter_b").readUnits()).isZero();

        Path file = dir.resolve("meter");
        CallMeter.writeTo(file);
        assertThat(Files.exists(file)).isTrue();
        assertThat(CallMeter.difference(CallMeter.readFrom(file), before)).isEqualTo(d);
    }

    @Test
    void billsSnsPayloadIn64KilobyteChunks() {
        Map<String, CallMeter.Usage> before = CallMeter.snapshot();
        PublishBatchRequest small = PublishBatchRequest.builder().topicArn("arn:meter").publishBatchRequestEntries(
                List.of(PublishBatchRequestEntry.builder().id("a").message("x".repeat(1000)).build(),
                        PublishBatchRequestEntry.builder().id("b").message("y".repeat(1000)).build())).build();
        PublishBatchRequest large = PublishBatchRequest.builder().topicArn("arn:meter").publishBatchRequestEntries(
                List.of(PublishBatchRequestEntry.builder().id("a").message("z".repeat(100_000)).build())).build();
        call(small, PublishBatchResponse.builder().build(), attributes("Sns", "PublishBatch"));
        call(large, PublishBatchResponse.builder().build(), attributes("Sns", "PublishBatch"));
        CallMeter.Usage u = CallMeter.difference(CallMeter.snapshot(), before).get("Sns/PublishBatch");
        assertThat(u.requests()).isEqualTo(2);
        assertThat(u.payloadBytes()).isEqualTo(102_000);
        assertThat(u.billedChunks()).isEqualTo(1 + 2);   // 2 KB is one chunk; 100,000 bytes are two
    }
}
