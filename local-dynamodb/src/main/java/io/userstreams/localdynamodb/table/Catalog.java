package io.userstreams.localdynamodb.table;

import io.userstreams.localdynamodb.http.DynamoDbException;
import java.util.Collection;
import java.util.NavigableMap;
import java.util.concurrent.ConcurrentSkipListMap;

/** The tables of the server, by name (sorted: ListTables pages in name order). */
public final class Catalog {
    private final ConcurrentSkipListMap<String, Table> tables = new ConcurrentSkipListMap<>();

    public Table require(String name) {
        Table table = name == null ? null : tables.get(name);
        if (table == null) {
            throw DynamoDbException.resourceNotFound();
        }
        return table;
    }

    public Table find(String name) {
        return tables.get(name);
    }

    public boolean add(Table table) {
        return tables.putIfAbsent(table.name, table) == null;
    }

    public void remove(Table table) {
        tables.remove(table.name, table);
    }

    public Table byArn(String arn) {
        for (Table table : tables.values()) {
            if (table.arn.equals(arn)) {
                return table;
            }
        }
        return null;
    }

    public Collection<Table> all() {
        return tables.values();
    }

    public NavigableMap<String, Table> byName() {
        return tables;
    }
}
