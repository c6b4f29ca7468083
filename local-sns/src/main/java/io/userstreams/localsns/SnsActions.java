package io.userstreams.localsns;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Maps each action's parameters to {@link SnsService} and its answer to a protocol-neutral result:
 * a map whose values are String, Boolean, {@link Attributes} (a string map) or a List of maps.
 */
final class SnsActions {

    /** A string map result ({@code Attributes}); Query renders it as entry/key/value, JSON as an object. */
    record Attributes(Map<String, String> values) {
    }

    private final SnsService service;
    private final SnsFaults faults;

    SnsActions(SnsService service, SnsFaults faults) {
        this.service = service;
        this.faults = faults;
    }

    /** @return the result fields, or null for actions that answer with no result element */
    Map<String, Object> invoke(String action, ActionInput in) {
        Map<String, Object> r = new LinkedHashMap<>();
        switch (action) {
            case "CreateTopic" -> r.put("TopicArn", service.createTopic(in.string("Name"), in.stringMap("Attributes")));
            case "DeleteTopic" -> {
                service.deleteTopic(in.string("TopicArn"));
                return null;
            }
            case "GetTopicAttributes" -> r.put("Attributes", new Attributes(service.topicAttributes(in.string("TopicArn"))));
            case "SetTopicAttributes" -> {
                service.setTopicAttribute(in.string("TopicArn"), in.string("AttributeName"), in.string("AttributeValue"));
                return null;
            }
            case "ListTopics" -> {
                SnsService.Page<String> page = service.listTopics(in.string("NextToken"));
                List<Map<String, Object>> topics = new ArrayList<>();
                page.items().forEach(arn -> topics.add(Map.of("TopicArn", arn)));
                r.put("Topics", topics);
                putIfNotNull(r, "NextToken", page.nextToken());
            }
            case "Subscribe" -> r.put("SubscriptionArn", service.subscribe(in.string("TopicArn"), in.string("Protocol"),
                    in.string("Endpoint"), in.stringMap("Attributes")));
            case "Unsubscribe" -> {
                service.unsubscribe(in.string("SubscriptionArn"));
                return null;
            }
            case "GetSubscriptionAttributes" ->
                    r.put("Attributes", new Attributes(service.subscriptionAttributes(in.string("SubscriptionArn"))));
            case "SetSubscriptionAttributes" -> {
                service.setSubscriptionAttribute(in.string("SubscriptionArn"), in.string("AttributeName"),
                        in.string("AttributeValue"));
                return null;
            }
            case "ListSubscriptionsByTopic" -> {
                String topicArn = in.string("TopicArn");
                if (topicArn == null || topicArn.isEmpty()) {
                    throw SnsError.invalidParameter("Invalid parameter: TopicArn Reason: no value for required parameter");
                }
                subscriptions(r, service.listSubscriptions(topicArn, in.string("NextToken")));
            }
            case "ListSubscriptions" -> subscriptions(r, service.listSubscriptions(null, in.string("NextToken")));
            case "Publish" -> {
                injectFault();
                SnsService.Published p = service.publish(in.string("TopicArn"), in.string("TargetArn"),
                        in.string("PhoneNumber"), input(in, null));
                r.put("MessageId", p.messageId());
                putIfNotNull(r, "SequenceNumber", p.sequenceNumber());
            }
            case "PublishBatch" -> {
                injectFault();
                List<PublishInput> entries = new ArrayList<>();
                for (ActionInput e : in.list("PublishBatchRequestEntries")) {
                    entries.add(input(e, e.string("Id")));
                }
                SnsService.BatchResult b = service.publishBatch(in.string("TopicArn"), entries);
                List<Map<String, Object>> ok = new ArrayList<>();
                b.successful().forEach(s -> {
                    Map<String, Object> m = ordered("Id", s.id(), "MessageId", s.messageId());
                    putIfNotNull(m, "SequenceNumber", s.sequenceNumber());
                    ok.add(m);
                });
                List<Map<String, Object>> failed = new ArrayList<>();
                b.failed().forEach(f -> {
                    Map<String, Object> m = ordered("Id", f.id(), "Code", f.code(), "Message", f.message());
                    m.put("SenderFault", f.senderFault());
                    failed.add(m);
                });
                r.put("Successful", ok);
                r.put("Failed", failed);
            }
            default -> throw new SnsError(400, "InvalidAction",
                    "The action " + action + " is not valid for this web service.");
        }
        return r;
    }

    private void injectFault() {
        faults.take().ifPresent(f -> {
            throw f.toError();
        });
    }

    private static PublishInput input(ActionInput in, String id) {
        return new PublishInput(id, in.string("Message"), in.string("Subject"), in.string("MessageStructure"),
                in.messageAttributes("MessageAttributes"), in.string("MessageGroupId"),
                in.string("MessageDeduplicationId"));
    }

    private static void subscriptions(Map<String, Object> r, SnsService.Page<SnsService.SubscriptionInfo> page) {
        List<Map<String, Object>> subs = new ArrayList<>();
        for (SnsService.SubscriptionInfo s : page.items()) {
            subs.add(ordered("TopicArn", s.topicArn(), "Protocol", s.protocol(), "SubscriptionArn", s.arn(),
                    "Owner", s.owner(), "Endpoint", s.endpoint()));
        }
        r.put("Subscriptions", subs);
        putIfNotNull(r, "NextToken", page.nextToken());
    }

    private static Map<String, Object> ordered(String... keyValues) {
        Map<String, Object> m = new LinkedHashMap<>();
        for (int i = 0; i < keyValues.length; i += 2) {
            m.put(keyValues[i], keyValues[i + 1]);
        }
        return m;
    }

    private static void putIfNotNull(Map<String, Object> m, String k, Object v) {
        if (v != null) {
            m.put(k, v);
        }
    }
}
