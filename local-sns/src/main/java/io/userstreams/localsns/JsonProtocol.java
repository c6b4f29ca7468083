package io.userstreams.localsns;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import java.util.Map;

/**
 * The AWS JSON 1.0 protocol ({@code X-Amz-Target: AmazonSimpleNotificationService.<Action>}), in
 * case an SDK moves SNS off the Query protocol as it did SQS. Errors carry the Query error code in
 * {@code x-amzn-query-error}, which query-compatible SDK clients turn into the typed exception.
 */
final class JsonProtocol {

    static final String TARGET_PREFIX = "AmazonSimpleNotificationService.";
    static final String CONTENT_TYPE = "application/x-amz-json-1.0";
    private static final ObjectMapper JSON = new ObjectMapper();

    private final SnsActions actions;

    JsonProtocol(SnsActions actions) {
        this.actions = actions;
    }

    SnsServer.Reply handle(String target, byte[] body) {
        try {
            if (target == null || !target.startsWith(TARGET_PREFIX)) {
                throw new SnsError(400, "UnknownOperationException", "Unknown target " + target);
            }
            JsonNode node;
            try {
                node = body.length == 0 ? JSON.createObjectNode() : JSON.readTree(body);
            } catch (Exception e) {
                throw new SnsError(400, "SerializationException", "Request body is not valid JSON");
            }
            Map<String, Object> result = actions.invoke(target.substring(TARGET_PREFIX.length()), new JsonInput(node));
            ObjectNode out = JSON.createObjectNode();
            if (result != null) {
                fields(out, result);
            }
            return SnsServer.Reply.json(200, out.toString(), null);
        } catch (SnsError e) {
            return error(e);
        }
    }

    @SuppressWarnings("unchecked")
    private static void fields(ObjectNode out, Map<String, Object> fields) {
        fields.forEach((name, value) -> {
            if (value instanceof SnsActions.Attributes a) {
                ObjectNode o = out.putObject(name);
                a.values().forEach(o::put);
            } else if (value instanceof List<?> list) {
                ArrayNode arr = out.putArray(name);
                for (Object member : list) {
                    fields(arr.addObject(), (Map<String, Object>) member);
                }
            } else if (value instanceof Boolean b) {
                out.put(name, b);
            } else if (value != null) {
                out.put(name, value.toString());
            }
        });
    }

    static SnsServer.Reply error(SnsError e) {
        ObjectNode out = JSON.createObjectNode();
        out.put("__type", "com.amazonaws.sns#" + e.code());
        out.put("message", e.getMessage());
        return SnsServer.Reply.json(e.httpStatus(), out.toString(), e.code() + ";" + e.type());
    }
}
