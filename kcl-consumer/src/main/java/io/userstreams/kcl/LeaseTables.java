package io.userstreams.kcl;

import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.services.dynamodb.DynamoDbAsyncClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeDefinition;
import software.amazon.awssdk.services.dynamodb.model.BillingMode;
import software.amazon.awssdk.services.dynamodb.model.GlobalSecondaryIndex;
import software.amazon.awssdk.services.dynamodb.model.KeySchemaElement;
import software.amazon.awssdk.services.dynamodb.model.KeyType;
import software.amazon.awssdk.services.dynamodb.model.Projection;
import software.amazon.awssdk.services.dynamodb.model.ProjectionType;
import software.amazon.awssdk.services.dynamodb.model.ResourceInUseException;
import software.amazon.awssdk.services.dynamodb.model.ResourceNotFoundException;
import software.amazon.awssdk.services.dynamodb.model.ScalarAttributeType;
import software.amazon.awssdk.services.dynamodb.model.TableStatus;

/** The tables the consumer prepares before KCL starts: its lease table, and where the stream is. */
final class LeaseTables {

    private static final Logger log = LoggerFactory.getLogger(LeaseTables.class);

    /** KCL's lease-owner GSI: pre-created so KCL does not poll every 10 s for it to become active. */
    static final String LEASE_OWNER_INDEX = "LeaseOwnerToLeaseKeyIndex";

    private LeaseTables() {
    }

    /** The users table's current stream, with a clear error when there is none. */
    static String latestStreamArn(DynamoDbAsyncClient dynamo, String table) {
        try {
            String arn = dynamo.describeTable(b -> b.tableName(table)).join().table().latestStreamArn();
            if (arn == null) {
                throw new IllegalStateException("table '" + table + "' has no stream: enable NEW_AND_OLD_IMAGES"
                        + " streams on it, or set STREAM_ARN");
            }
            return arn;
        } catch (CompletionException e) {
            if (e.getCause() instanceof ResourceNotFoundException) {
                throw new IllegalStateException("table '" + table + "' not found: set USERS_TABLE or STREAM_ARN", e);
            }
            throw e;
        }
    }

    /** Creates the lease table exactly as KCL would (leaseKey HASH S + the lease-owner GSI), if missing. */
    static void ensure(DynamoDbAsyncClient dynamo, String table) {
        try {
            dynamo.createTable(b -> b.tableName(table)
                    .billingMode(BillingMode.PAY_PER_REQUEST)
                    .keySchema(KeySchemaElement.builder().attributeName("leaseKey").keyType(KeyType.HASH).build())
                    .attributeDefinitions(
                            AttributeDefinition.builder().attributeName("leaseKey")
                                    .attributeType(ScalarAttributeType.S).build(),
                            AttributeDefinition.builder().attributeName("leaseOwner")
                                    .attributeType(ScalarAttributeType.S).build())
                    .globalSecondaryIndexes(GlobalSecondaryIndex.builder()
                            .indexName(LEASE_OWNER_INDEX)
                            .keySchema(
                                    KeySchemaElement.builder().attributeName("leaseOwner").keyType(KeyType.HASH).build(),
                                    KeySchemaElement.builder().attributeName("leaseKey").keyType(KeyType.RANGE).build())
                            .projection(Projection.builder().projectionType(ProjectionType.KEYS_ONLY).build())
                            .build())).join();
            log.atInfo().addKeyValue("table", table).log("lease table created with " + LEASE_OWNER_INDEX);
        } catch (CompletionException e) {
            if (!(e.getCause() instanceof ResourceInUseException)) {
                throw e;
            }
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        while (System.nanoTime() < deadline) {
            var t = dynamo.describeTable(b -> b.tableName(table)).join().table();
            boolean indexActive = t.globalSecondaryIndexes().stream()
                    .anyMatch(i -> i.indexName().equals(LEASE_OWNER_INDEX)
                            && "ACTIVE".equals(i.indexStatusAsString()));
            if (t.tableStatus() == TableStatus.ACTIVE && (indexActive || t.globalSecondaryIndexes().isEmpty())) {
                return;
            }
            try {
                Thread.sleep(500);
            } catch (InterruptedException ie) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }
}
