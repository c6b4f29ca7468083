package io.userstreams.localdynamodb;

import io.userstreams.localdynamodb.http.DynamoDbHttpServer;
import io.userstreams.localdynamodb.item.ItemOperations;
import io.userstreams.localdynamodb.item.QueryOperations;
import io.userstreams.localdynamodb.persist.Snapshots;
import io.userstreams.localdynamodb.streams.StreamSink;
import io.userstreams.localdynamodb.table.Catalog;
import io.userstreams.localdynamodb.table.TableOperations;
import io.userstreams.localdynamodb.ttl.TtlSweeper;
import java.io.IOException;
import java.io.UncheckedIOException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The DynamoDB_20120810 operations: tables, items, queries, transactions, TTL, persistence. */
final class DynamoDbApi implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(DynamoDbApi.class);
    static final String PREFIX = "DynamoDB_20120810.";

    private final LocalDynamoDb.Builder config;
    private final Catalog catalog = new Catalog();
    private final ItemOperations items;
    private final QueryOperations queries;
    private final TtlSweeper ttl;
    private TableOperations tables;

    DynamoDbApi(LocalDynamoDb.Builder config, StreamSink streams) {
        this.config = config;
        this.items = new ItemOperations(catalog, streams, config.clock);
        this.queries = new QueryOperations(catalog);
        this.ttl = new TtlSweeper(catalog, items, config.clock);
        this.streamSink = streams;
    }

    private final StreamSink streamSink;

    void register(DynamoDbHttpServer server) {
        tables = new TableOperations(catalog, streamSink, config.region, config.accountId, config.clock,
                config.host + ":" + server.port());
        server.register(PREFIX + "CreateTable", tables::createTable);
        server.register(PREFIX + "DescribeTable", tables::describeTable);
        server.register(PREFIX + "ListTables", tables::listTables);
        server.register(PREFIX + "UpdateTable", tables::updateTable);
        server.register(PREFIX + "DeleteTable", tables::deleteTable);
        server.register(PREFIX + "UpdateTimeToLive", tables::updateTimeToLive);
        server.register(PREFIX + "DescribeTimeToLive", tables::describeTimeToLive);
        server.register(PREFIX + "DescribeContinuousBackups", tables::describeContinuousBackups);
        server.register(PREFIX + "UpdateContinuousBackups", tables::updateContinuousBackups);
        server.register(PREFIX + "TagResource", tables::tagResource);
        server.register(PREFIX + "UntagResource", tables::untagResource);
        server.register(PREFIX + "ListTagsOfResource", tables::listTagsOfResource);
        server.register(PREFIX + "DescribeLimits", tables::describeLimits);
        server.register(PREFIX + "DescribeEndpoints", tables::describeEndpoints);
        server.register(PREFIX + "GetItem", items::getItem);
        server.register(PREFIX + "PutItem", items::putItem);
        server.register(PREFIX + "UpdateItem", items::updateItem);
        server.register(PREFIX + "DeleteItem", items::deleteItem);
        server.register(PREFIX + "BatchGetItem", items::batchGetItem);
        server.register(PREFIX + "BatchWriteItem", items::batchWriteItem);
        server.register(PREFIX + "TransactWriteItems", items::transactWriteItems);
        server.register(PREFIX + "TransactGetItems", items::transactGetItems);
        server.register(PREFIX + "Query", queries::query);
        server.register(PREFIX + "Scan", queries::scan);
    }

    void start() {
        if (config.dataDirectory != null) {
            try {
                int loaded = Snapshots.load(config.dataDirectory, tables, catalog);
                LOG.info("{\"event\":\"snapshot_loaded\",\"tables\":{}}", loaded);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot load tables from " + config.dataDirectory, e);
            }
        }
        ttl.start(config.ttlSweepInterval);
    }

    int sweepExpiredItems() {
        return ttl.sweep();
    }

    @Override
    public void close() {
        ttl.close();
        if (config.dataDirectory != null) {
            try {
                Snapshots.save(catalog, config.dataDirectory);
            } catch (IOException e) {
                LOG.error("{\"event\":\"snapshot_failed\"}", e);
            }
        }
    }
}
