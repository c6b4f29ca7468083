package io.userstreams.localsns;

import java.util.List;
import java.util.Map;

/**
 * The SNS Query API (form-encoded POST, XML answers in the 2010-03-31 namespace): what SDK v2
 * 2.59.x's SnsClient speaks (its DefaultSnsClient is built on AwsQueryProtocolFactory).
 */
final class QueryProtocol {

    private final SnsActions actions;

    QueryProtocol(SnsActions actions) {
        this.actions = actions;
    }

    SnsServer.Reply handle(QueryParams p, String requestId) {
        String action = p.string("Action");
        try {
            if (action == null || action.isEmpty()) {
                throw new SnsError(400, "MissingAction", "Could not find operation for request (no Action parameter)");
            }
            Map<String, Object> result = actions.invoke(action, p);
            Xml xml = new Xml().openRoot(action + "Response");
            if (result != null) {
                xml.open(action + "Result");
                fields(xml, result);
                xml.close(action + "Result");
            }
            xml.open("ResponseMetadata").leaf("RequestId", requestId).close("ResponseMetadata")
                    .close(action + "Response");
            return SnsServer.Reply.xml(200, xml.toString());
        } catch (SnsError e) {
            return error(e, requestId);
        }
    }

    @SuppressWarnings("unchecked")
    private static void fields(Xml xml, Map<String, Object> fields) {
        fields.forEach((name, value) -> {
            if (value instanceof SnsActions.Attributes a) {
                xml.open(name);
                a.values().forEach((k, v) -> xml.open("entry").leaf("key", k).leaf("value", v).close("entry"));
                xml.close(name);
            } else if (value instanceof List<?> list) {
                xml.open(name);
                for (Object member : list) {
                    xml.open("member");
                    fields(xml, (Map<String, Object>) member);
                    xml.close("member");
                }
                xml.close(name);
            } else if (value != null) {
                xml.leaf(name, value.toString());
            }
        });
    }

    static SnsServer.Reply error(SnsError e, String requestId) {
        Xml xml = new Xml().openRoot("ErrorResponse")
                .open("Error").leaf("Type", e.type()).leaf("Code", e.code()).leaf("Message", e.getMessage())
                .close("Error")
                .leaf("RequestId", requestId)
                .close("ErrorResponse");
        return SnsServer.Reply.xml(e.httpStatus(), xml.toString());
    }
}
