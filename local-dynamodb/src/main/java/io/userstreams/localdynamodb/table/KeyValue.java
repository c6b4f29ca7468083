package io.userstreams.localdynamodb.table;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.userstreams.localdynamodb.item.Values;
import java.math.BigDecimal;
import java.util.Arrays;
import java.util.Base64;

/** One key attribute's value in a compact, ordered form: S by code point, N numerically, B by unsigned bytes. */
public final class KeyValue implements Comparable<KeyValue> {
    private final char type;
    private final Object value; // String, BigDecimal or byte[]
    private final int hash;

    private KeyValue(char type, Object value, int hash) {
        this.type = type;
        this.value = value;
        this.hash = hash;
    }

    /** From a canonical AttributeValue of type S, N or B. */
    public static KeyValue of(JsonNode attributeValue) {
        String t = Values.type(attributeValue);
        String text = Values.payload(attributeValue).textValue();
        return switch (t) {
            case "S" -> new KeyValue('S', text, mix(text.hashCode()));
            case "N" -> new KeyValue('N', new BigDecimal(text), mix(text.hashCode() * 31 + 1));
            case "B" -> {
                byte[] bytes = Base64.getDecoder().decode(text);
                yield new KeyValue('B', bytes, mix(Arrays.hashCode(bytes) * 31 + 2));
            }
            default -> throw new IllegalArgumentException("not a key type: " + t);
        };
    }

    /** Spreads partition keys over the 32-bit space that Scan segments divide. */
    private static int mix(int h) {
        h ^= h >>> 16;
        h *= 0x85ebca6b;
        h ^= h >>> 13;
        h *= 0xc2b2ae35;
        h ^= h >>> 16;
        return h;
    }

    public int hash() {
        return hash;
    }

    public char type() {
        return type;
    }

    public ObjectNode toAttributeValue() {
        return switch (type) {
            case 'S' -> Values.s((String) value);
            case 'N' -> Values.n((BigDecimal) value);
            default -> {
                ObjectNode node = Values.object();
                node.put("B", Base64.getEncoder().encodeToString((byte[]) value));
                yield node;
            }
        };
    }

    @Override
    public int compareTo(KeyValue other) {
        if (type != other.type) {
            return Character.compare(type, other.type);
        }
        return switch (type) {
            case 'S' -> Values.compareStrings((String) value, (String) other.value);
            case 'N' -> ((BigDecimal) value).compareTo((BigDecimal) other.value);
            default -> Arrays.compareUnsigned((byte[]) value, (byte[]) other.value);
        };
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof KeyValue other && type == other.type && compareTo(other) == 0;
    }

    @Override
    public int hashCode() {
        return hash;
    }

    @Override
    public String toString() {
        return type == 'B' ? Base64.getEncoder().encodeToString((byte[]) value) : value.toString();
    }
}
