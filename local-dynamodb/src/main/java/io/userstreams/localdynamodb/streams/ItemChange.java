package io.userstreams.localdynamodb.streams;

import com.fasterxml.jackson.databind.node.ObjectNode;

/** One effective change of an item, handed by the table side to the stream engine. */
public record ItemChange(
        String tableName,
        String eventName,          // "INSERT" | "MODIFY" | "REMOVE"
        ObjectNode keys,           // key attributes only
        ObjectNode oldImage,       // null for INSERT
        ObjectNode newImage,       // null for REMOVE
        boolean expiredByTtl,      // true only for the TTL sweeper's deletes (userIdentity Service / dynamodb.amazonaws.com)
        long sizeBytes) {}         // DynamoDB's item size rules, as computed by ddb-core
