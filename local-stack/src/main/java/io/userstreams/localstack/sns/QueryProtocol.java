package io.userstreams.localstack.sns;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The SNS Query API (form-encoded POST, XML answers), which SDK v2 2.41.0's SnsClient speaks
 * (its DefaultSnsClient uses AwsQueryProtocolFactory).
 */
final class QueryProtocol {

    record Response(int status, String body) {
    }

    private final SnsService service;
    private final SnsFaults faults;

    QueryProtocol(SnsService service, SnsFaults faults) {
        this.service = service;
        this.faults = faults;
    }

    Response handle(QueryParams p, String requestId) {
        String action = p.get("Action");
        try {
            if (action == null || action.isEmpty()) {
                throw new SnsError(400, "MissingAction", "Could not find operation for request (no Action parameter)");
            }
            Xml result = new Xml();
            switch (action) {
                case "CreateTopic" -> result.leaf("TopicArn",
                        service.createTopic(p.get("Name"), p.map("Attributes", "key", "value")));
                case "DeleteTopic" -> service.deleteTopic(p.get("TopicArn"));
                case "GetTopicAttributes" -> attributes(result, service.topicAttributes(p.get("TopicArn")));
                case "SetTopicAttributes" -> service.setTopicAttribute(p.get("TopicArn"), p.get("AttributeName"),
                        p.get("AttributeValue"));
                case "ListTopics" -> {
                    SnsService.Page<String> page = service.listTopics(p.get("NextToken"));
                    result.open("Topics");
                    page.items().forEach(arn -> result.open("member").leaf("TopicArn", arn).close("member"));
                    result.close("Topics").leaf("NextToken", page.nextToken());
                }
                case "Subscribe" -> result.leaf("SubscriptionArn", service.subscribe(p.get("TopicArn"),
                        p.get("Protocol"), p.get("Endpoint"), p.map("Attributes", "key", "value")));
                case "Unsubscribe" -> service.unsubscribe(p.get("SubscriptionArn"));
                case "GetSubscriptionAttributes" ->
                        attributes(result, service.subscriptionAttributes(p.get("SubscriptionArn")));
                case "SetSubscriptionAttributes" -> service.setSubscriptionAttribute(p.get("SubscriptionArn"),
                        p.get("AttributeName"), p.get("AttributeValue"));
                case "ListSubscriptionsByTopic" -> subscriptions(result,
                        service.listSubscriptions(required(p, "TopicArn"), p.get("NextToken")));
                case "ListSubscriptions" -> subscriptions(result, service.listSubscriptions(null, p.get("NextToken")));
                case "Publish" -> {
                    injectFault();
                    String messageId = service.publish(p.get("TopicArn"), p.get("TargetArn"), p.get("PhoneNumber"),
                            input(p, null, ""));
                    result.leaf("MessageId", messageId);
                }
                case "PublishBatch" -> {
                    injectFault();
                    List<PublishInput> entries = new ArrayList<>();
                    for (String m : p.members("PublishBatchRequestEntries")) {
                        entries.add(input(p, p.get(m + ".Id"), m + "."));
                    }
                    batch(result, service.publishBatch(p.get("TopicArn"), entries));
                }
                default -> throw new SnsError(400, "InvalidAction",
                        "The action " + action + " is not valid for this web service.");
            }
            Xml xml = new Xml().openRoot(action + "Response");
            if (hasResultElement(action)) {
                xml.open(action + "Result");
                xml.raw(result);
                xml.close(action + "Result");
            }
            xml.open("ResponseMetadata").leaf("RequestId", requestId).close("ResponseMetadata")
                    .close(action + "Response");
            return new Response(200, xml.toString());
        } catch (SnsError e) {
            return error(e, requestId);
        }
    }

    static Response error(SnsError e, String requestId) {
        Xml xml = new Xml().openRoot("ErrorResponse")
                .open("Error").leaf("Type", e.type()).leaf("Code", e.code()).leaf("Message", e.getMessage())
                .close("Error")
                .leaf("RequestId", requestId)
                .close("ErrorResponse");
        return new Response(e.httpStatus(), xml.toString());
    }

    private void injectFault() {
        faults.take().ifPresent(f -> {
            throw f.toError();
        });
    }

    private static boolean hasResultElement(String action) {
        return switch (action) {
            case "DeleteTopic", "SetTopicAttributes", "Unsubscribe", "SetSubscriptionAttributes" -> false;
            default -> true;
        };
    }

    private static String required(QueryParams p, String name) {
        String v = p.get(name);
        if (v == null || v.isEmpty()) {
            throw SnsError.invalidParameter("Invalid parameter: " + name + " Reason: no value for required parameter");
        }
        return v;
    }

    private static PublishInput input(QueryParams p, String id, String prefix) {
        return new PublishInput(id, p.get(prefix + "Message"), p.get(prefix + "Subject"),
                p.get(prefix + "MessageStructure"), p.messageAttributes(prefix + "MessageAttributes"),
                p.get(prefix + "MessageGroupId"), p.get(prefix + "MessageDeduplicationId"));
    }

    private static void attributes(Xml xml, Map<String, String> attributes) {
        xml.open("Attributes");
        attributes.forEach((k, v) -> xml.open("entry").leaf("key", k).leaf("value", v).close("entry"));
        xml.close("Attributes");
    }

    private static void subscriptions(Xml xml, SnsService.Page<SnsService.SubscriptionInfo> page) {
        xml.open("Subscriptions");
        for (SnsService.SubscriptionInfo s : page.items()) {
            xml.open("member").leaf("TopicArn", s.topicArn()).leaf("Protocol", s.protocol())
                    .leaf("SubscriptionArn", s.arn()).leaf("Owner", s.owner()).leaf("Endpoint", s.endpoint())
                    .close("member");
        }
        xml.close("Subscriptions").leaf("NextToken", page.nextToken());
    }

    private static void batch(Xml xml, SnsService.BatchResult r) {
        xml.open("Successful");
        r.successful().forEach(s -> xml.open("member").leaf("Id", s.id()).leaf("MessageId", s.messageId())
                .close("member"));
        xml.close("Successful").open("Failed");
        r.failed().forEach(f -> xml.open("member").leaf("Id", f.id()).leaf("Code", f.code())
                .leaf("Message", f.message()).leaf("SenderFault", Boolean.toString(f.senderFault()))
                .close("member"));
        xml.close("Failed");
    }
}
