package io.userstreams.localdynamodb.persist;

import com.fasterxml.jackson.core.JsonEncoding;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.userstreams.localdynamodb.http.DynamoDbHttpServer;
import io.userstreams.localdynamodb.table.Catalog;
import io.userstreams.localdynamodb.table.ItemKey;
import io.userstreams.localdynamodb.table.Table;
import io.userstreams.localdynamodb.table.TableJson;
import io.userstreams.localdynamodb.table.TableOperations;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Map;

/**
 * Optional persistence: one JSON file per table ({"table": CreateTable request + TTL, "items": [...]}),
 * written on close and read on start. Stream records are not kept: a reloaded table with a stream gets a new one.
 */
public final class Snapshots {
    private static final String SUFFIX = ".table.json";
    /** Reads one value at a time out of a larger document. */
    private static final com.fasterxml.jackson.databind.ObjectReader TREES = DynamoDbHttpServer.MAPPER.reader()
            .without(com.fasterxml.jackson.databind.DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

    private Snapshots() { }

    public static void save(Catalog catalog, Path directory) throws IOException {
        Files.createDirectories(directory);
        try (DirectoryStream<Path> old = Files.newDirectoryStream(directory, "*" + SUFFIX)) {
            for (Path file : old) {
                Files.delete(file);
            }
        }
        for (Table table : catalog.all()) {
            Path temp = directory.resolve(table.name + SUFFIX + ".tmp");
            try (OutputStream out = Files.newOutputStream(temp);
                 JsonGenerator json = DynamoDbHttpServer.MAPPER.getFactory().createGenerator(out, JsonEncoding.UTF8)) {
                json.writeStartObject();
                json.writeFieldName("table");
                DynamoDbHttpServer.MAPPER.writeTree(json, TableJson.createRequest(table));
                json.writeArrayFieldStart("items");
                for (Map.Entry<ItemKey, byte[]> entry : table.items().entrySet()) {
                    json.writeRawValue(new String(entry.getValue(), java.nio.charset.StandardCharsets.UTF_8));
                }
                json.writeEndArray();
                json.writeEndObject();
            }
            Files.move(temp, directory.resolve(table.name + SUFFIX), StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        }
    }

    public static int load(Path directory, TableOperations tables, Catalog catalog) throws IOException {
        if (!Files.isDirectory(directory)) {
            return 0;
        }
        int loaded = 0;
        try (DirectoryStream<Path> files = Files.newDirectoryStream(directory, "*" + SUFFIX)) {
            for (Path file : files) {
                try (JsonParser parser = DynamoDbHttpServer.MAPPER.getFactory().createParser(file.toFile())) {
                    parser.nextToken(); // {
                    Table table = null;
                    while (parser.nextToken() == JsonToken.FIELD_NAME) {
                        String field = parser.currentName();
                        parser.nextToken();
                        if (field.equals("table")) {
                            ObjectNode definition = (ObjectNode) TREES.readTree(parser);
                            JsonNode ttl = definition.remove("TimeToLive");
                            tables.createTable(definition);
                            table = catalog.require(definition.get("TableName").asText());
                            if (ttl != null) {
                                table.ttlAttribute = ttl.get("AttributeName").asText();
                                table.ttlEnabled = true;
                            }
                        } else if (field.equals("items") && table != null) {
                            while (parser.nextToken() == JsonToken.START_OBJECT) {
                                ObjectNode item = (ObjectNode) TREES.readTree(parser);
                                ItemKey key = table.key.keyOf(item);
                                if (key != null) {
                                    table.store(key, table.get(key), item);
                                }
                            }
                        } else {
                            parser.skipChildren();
                        }
                    }
                    loaded++;
                }
            }
        }
        return loaded;
    }
}
