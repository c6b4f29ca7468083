package io.userstreams.localsns;

import java.nio.charset.StandardCharsets;
import java.util.Base64;

/** One SNS message attribute: data type and either a string or a binary value. */
record MessageAttribute(String dataType, String stringValue, byte[] binaryValue) {

    boolean isBinary() {
        return dataType != null && (dataType.equals("Binary") || dataType.startsWith("Binary."));
    }

    boolean isNumber() {
        return dataType != null && (dataType.equals("Number") || dataType.startsWith("Number."));
    }

    boolean isStringArray() {
        return "String.Array".equals(dataType);
    }

    /** The value as the envelope shows it: binary values base64-encoded. */
    String envelopeValue() {
        return isBinary() ? Base64.getEncoder().encodeToString(binaryValue) : stringValue;
    }

    /** Bytes counted against the 256 KB message limit: name, data type and value. */
    long size(String name) {
        long n = name.getBytes(StandardCharsets.UTF_8).length + dataType.getBytes(StandardCharsets.UTF_8).length;
        if (isBinary()) {
            n += binaryValue == null ? 0 : binaryValue.length;
        } else if (stringValue != null) {
            n += stringValue.getBytes(StandardCharsets.UTF_8).length;
        }
        return n;
    }
}
