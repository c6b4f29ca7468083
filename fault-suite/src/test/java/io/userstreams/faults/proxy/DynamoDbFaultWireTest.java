package io.userstreams.faults.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.zip.CRC32;
import org.junit.jupiter.api.Test;

/** The exact bytes DynamoDB sends for these errors; the SDK parses them by these field names. */
class DynamoDbFaultWireTest {

    @Test
    void throttlingBody() {
        DynamoDbFaultProxy.Reply r = DynamoDbFaultProxy.errorReply(DynamoDbFault.THROTTLING, 0);
        assertThat(r.status()).isEqualTo(400);
        assertThat(r.headers()).containsEntry("Content-Type", "application/x-amz-json-1.0");
        assertThat(r.headers().get("x-amzn-RequestId")).hasSize(52);
        assertThat(new String(r.body(), StandardCharsets.UTF_8)).isEqualTo(
                "{\"__type\":\"com.amazonaws.dynamodb.v20120810#ThrottlingException\","
                        + "\"message\":\"Rate of requests exceeds the allowed throughput.\"}");
        CRC32 crc = new CRC32();
        crc.update(r.body());
        assertThat(r.headers()).containsEntry("x-amz-crc32", Long.toString(crc.getValue()));
    }

    @Test
    void provisionedThroughputBody() {
        assertThat(new String(DynamoDbFaultProxy.errorReply(DynamoDbFault.PROVISIONED_THROUGHPUT_EXCEEDED, 0).body(),
                StandardCharsets.UTF_8)).isEqualTo(
                "{\"__type\":\"com.amazonaws.dynamodb.v20120810#ProvisionedThroughputExceededException\","
                        + "\"message\":\"The level of configured provisioned throughput for the table was exceeded. "
                        + "Consider increasing your provisioning level with the UpdateTable API.\"}");
    }

    @Test
    void transactionConflictBodyHasOneReasonPerItem() {
        assertThat(new String(DynamoDbFaultProxy.errorReply(DynamoDbFault.TRANSACTION_CONFLICT, 2).body(),
                StandardCharsets.UTF_8)).isEqualTo(
                "{\"__type\":\"com.amazonaws.dynamodb.v20120810#TransactionCanceledException\","
                        + "\"Message\":\"Transaction cancelled, please refer cancellation reasons for specific reasons "
                        + "[TransactionConflict, None]\","
                        + "\"CancellationReasons\":[{\"Code\":\"TransactionConflict\","
                        + "\"Message\":\"Transaction is ongoing for the item\"},{\"Code\":\"None\"}]}");
    }
}
