package io.userstreams.localsns;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.regex.Pattern;

/**
 * The SNS semantics, independent of the wire protocol: topics, subscriptions, validation as the
 * real service does it, and fan-out to {@link Delivery}.
 */
final class SnsService {

    static final int MAX_MESSAGE_BYTES = 262_144;
    static final int MAX_BATCH_ENTRIES = 10;
    private static final int PAGE_SIZE = 100;
    /** How long a FIFO topic remembers a deduplication id, as SNS does. */
    static final Duration DEDUPLICATION_WINDOW = Duration.ofMinutes(5);
    private static final Pattern FIFO_ID = Pattern.compile("[\\x21-\\x7e]{1,128}");

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern TOPIC_NAME = Pattern.compile("[A-Za-z0-9_-]{1,256}");
    private static final Pattern TOPIC_ARN = Pattern.compile("arn:aws[a-z-]*:sns:([a-z0-9-]+):(\\d{12}):([A-Za-z0-9_.-]+)");
    private static final Pattern SQS_ARN = Pattern.compile("arn:aws[a-z-]*:sqs:[A-Za-z0-9-]+:\\d{12}:[A-Za-z0-9_.-]{1,80}");
    private static final Pattern BATCH_ID = Pattern.compile("[A-Za-z0-9_-]{1,80}");
    private static final Pattern ATTRIBUTE_NAME = Pattern.compile("[A-Za-z0-9_.-]{1,256}");
    private static final Pattern DATA_TYPE = Pattern.compile("(String|Number|Binary)(\\.[A-Za-z0-9_.-]+)?");
    private static final Set<String> TOPIC_ATTRIBUTES = Set.of("DisplayName", "Policy", "DeliveryPolicy",
            "KmsMasterKeyId", "SignatureVersion", "TracingConfig", "DataProtectionPolicy", "ArchivePolicy",
            "FifoTopic", "ContentBasedDeduplication", "FifoThroughputScope");
    private static final Set<String> SUBSCRIPTION_ATTRIBUTES = Set.of("RawMessageDelivery", "FilterPolicy",
            "FilterPolicyScope", "DeliveryPolicy", "RedrivePolicy", "SubscriptionRoleArn", "ReplayPolicy");
    private static final Set<String> KNOWN_PROTOCOLS = Set.of("http", "https", "email", "email-json", "sms", "sqs",
            "application", "lambda", "firehose");

    private final String region;
    private final String accountId;
    private final Delivery delivery;
    // Sorted by ARN so ListTopics pages are stable.
    private final ConcurrentSkipListMap<String, Topic> topics = new ConcurrentSkipListMap<>();
    private final Map<String, Subscription> subscriptions = new java.util.concurrent.ConcurrentHashMap<>();
    // Injectable so tests can step past the FIFO deduplication window.
    private volatile Clock clock = Clock.systemUTC();

    SnsService(String region, String accountId, Delivery delivery) {
        this.region = region;
        this.accountId = accountId;
        this.delivery = delivery;
    }

    Delivery delivery() {
        return delivery;
    }

    /** Every FIFO topic forgets the deduplication ids it has seen (what deleting and recreating the topics would do). */
    void forgetDeduplication() {
        for (Topic t : topics.values()) {
            synchronized (t.publishLock) {
                t.deduplication.clear();
            }
        }
    }

    /** Replaces the clock (FIFO deduplication window, notification timestamps); for tests. */
    void clock(Clock clock) {
        this.clock = java.util.Objects.requireNonNull(clock, "clock");
    }

    // ---- topics ----

    synchronized String createTopic(String name, Map<String, String> attributes) {
        if (name == null || !TOPIC_NAME.matcher(name.endsWith(".fifo") ? name.substring(0, name.length() - 5) : name)
                .matches()) {
            throw SnsError.invalidParameter("Invalid parameter: Topic Name");
        }
        for (String key : attributes.keySet()) {
            if (!TOPIC_ATTRIBUTES.contains(key)) {
                throw SnsError.invalidParameter("Invalid parameter: Attributes Reason: Unknown attribute " + key);
            }
        }
        Map<String, String> attrs = new LinkedHashMap<>(attributes);
        attrs.replaceAll((k, v) -> v == null ? "" : v);
        boolean fifo = attrs.containsKey("FifoTopic") && bool("FifoTopic", attrs.get("FifoTopic"));
        boolean fifoName = name.endsWith(".fifo");
        if (fifoName && !fifo) {
            throw SnsError.invalidParameter("Invalid parameter: Topic Name");
        }
        if (fifo && !fifoName) {
            throw SnsError.invalidParameter("Invalid parameter: Attributes Reason: FifoTopic: "
                    + "a FIFO topic name must end with .fifo");
        }
        if (attrs.containsKey("ContentBasedDeduplication")) {
            boolean cbd = bool("ContentBasedDeduplication", attrs.get("ContentBasedDeduplication"));
            if (cbd && !fifo) {
                throw SnsError.invalidParameter("Invalid parameter: Attributes Reason: ContentBasedDeduplication "
                        + "can only be set for FIFO topics");
            }
            attrs.put("ContentBasedDeduplication", Boolean.toString(cbd));
        }
        if (fifo) {
            attrs.put("FifoTopic", "true");
            attrs.putIfAbsent("ContentBasedDeduplication", "false");
        } else {
            attrs.remove("FifoTopic"); // FifoTopic=false is the default; GetTopicAttributes omits it
            attrs.remove("ContentBasedDeduplication");
        }
        String arn = "arn:aws:sns:" + region + ":" + accountId + ":" + name;
        Topic existing = topics.get(arn);
        if (existing != null) {
            Map<String, String> current = existing.attributes();
            for (Map.Entry<String, String> e : attributes.entrySet()) {
                String key = e.getKey();
                boolean same = switch (key) {
                    case "FifoTopic" -> fifo == existing.fifo;
                    case "ContentBasedDeduplication" ->
                            attrs.getOrDefault(key, "false").equals(current.getOrDefault(key, "false"));
                    default -> String.valueOf(e.getValue()).equals(current.get(key));
                };
                if (!same) {
                    throw SnsError.invalidParameter(
                            "Invalid parameter: Attributes Reason: Topic already exists with different attributes");
                }
            }
            return arn; // CreateTopic is idempotent by name
        }
        topics.put(arn, new Topic(name, arn, attrs, fifo));
        return arn;
    }

    /** A "true"/"false" attribute value (case-insensitive), as SNS validates them. */
    private static boolean bool(String attribute, String value) {
        if (!"true".equalsIgnoreCase(value) && !"false".equalsIgnoreCase(value)) {
            throw SnsError.invalidParameter("Invalid parameter: Attributes Reason: " + attribute + ": Invalid value ["
                    + value + "]. Must be true or false.");
        }
        return Boolean.parseBoolean(value.toLowerCase(Locale.ROOT));
    }

    synchronized void deleteTopic(String topicArn) {
        checkTopicArn(topicArn, "TopicArn");
        Topic t = topics.remove(topicArn); // deleting a missing topic succeeds, as in SNS
        if (t != null) {
            t.subscriptions.forEach(s -> subscriptions.remove(s.arn));
        }
    }

    Map<String, String> topicAttributes(String topicArn) {
        Topic t = topic(topicArn);
        Map<String, String> a = new LinkedHashMap<>();
        a.put("TopicArn", t.arn);
        a.put("Owner", accountId);
        a.put("Policy", defaultPolicy(t.arn));
        a.put("DisplayName", "");
        a.put("SubscriptionsConfirmed", Integer.toString(t.subscriptions.size()));
        a.put("SubscriptionsPending", "0");
        a.put("SubscriptionsDeleted", "0");
        a.put("EffectiveDeliveryPolicy", "{\"http\":{\"defaultHealthyRetryPolicy\":{\"minDelayTarget\":20,"
                + "\"maxDelayTarget\":20,\"numRetries\":3,\"numMaxDelayRetries\":0,\"numNoDelayRetries\":0,"
                + "\"numMinDelayRetries\":0,\"backoffFunction\":\"linear\"},\"disableSubscriptionOverrides\":false,"
                + "\"defaultRequestPolicy\":{\"headerContentType\":\"text/plain; charset=UTF-8\"}}}");
        a.putAll(t.attributes());
        return a;
    }

    void setTopicAttribute(String topicArn, String name, String value) {
        Topic t = topic(topicArn);
        if (name == null || !TOPIC_ATTRIBUTES.contains(name) || name.equals("FifoTopic")) {
            throw SnsError.invalidParameter("Invalid parameter: AttributeName");
        }
        String v = value == null ? "" : value;
        if (name.equals("ContentBasedDeduplication")) {
            boolean cbd = bool(name, v);
            if (!t.fifo) {
                throw SnsError.invalidParameter("Invalid parameter: Attributes Reason: ContentBasedDeduplication "
                        + "can only be set for FIFO topics");
            }
            v = Boolean.toString(cbd);
        }
        t.setAttribute(name, v);
    }

    private String defaultPolicy(String arn) {
        return "{\"Version\":\"2008-10-17\",\"Id\":\"__default_policy_ID\",\"Statement\":[{\"Sid\":"
                + "\"__default_statement_ID\",\"Effect\":\"Allow\",\"Principal\":{\"AWS\":\"*\"},\"Action\":["
                + "\"SNS:GetTopicAttributes\",\"SNS:SetTopicAttributes\",\"SNS:AddPermission\","
                + "\"SNS:RemovePermission\",\"SNS:DeleteTopic\",\"SNS:Subscribe\",\"SNS:ListSubscriptionsByTopic\","
                + "\"SNS:Publish\"],\"Resource\":\"" + arn + "\",\"Condition\":{\"StringEquals\":{"
                + "\"AWS:SourceOwner\":\"" + accountId + "\"}}}]}";
    }

    record Page<T>(List<T> items, String nextToken) {
    }

    Page<String> listTopics(String nextToken) {
        List<String> arns = new ArrayList<>(topics.keySet());
        return page(arns, nextToken);
    }

    private static <T> Page<T> page(List<T> all, String nextToken) {
        int from = 0;
        if (nextToken != null && !nextToken.isEmpty()) {
            try {
                from = Integer.parseInt(nextToken);
            } catch (NumberFormatException e) {
                throw SnsError.invalidParameter("Invalid parameter: NextToken");
            }
            if (from < 0 || from > all.size()) {
                throw SnsError.invalidParameter("Invalid parameter: NextToken");
            }
        }
        int to = Math.min(all.size(), from + PAGE_SIZE);
        return new Page<>(List.copyOf(all.subList(from, to)), to < all.size() ? Integer.toString(to) : null);
    }

    private Topic topic(String topicArn) {
        checkTopicArn(topicArn, "TopicArn");
        Topic t = topics.get(topicArn);
        if (t == null) {
            throw SnsError.notFound("Topic does not exist");
        }
        return t;
    }

    private static void checkTopicArn(String topicArn, String parameter) {
        if (topicArn == null || topicArn.isEmpty()) {
            throw SnsError.invalidParameter("Invalid parameter: " + parameter
                    + " Reason: no value for required parameter");
        }
        if (!TOPIC_ARN.matcher(topicArn).matches()) {
            throw SnsError.invalidParameter("Invalid parameter: " + parameter);
        }
    }

    // ---- subscriptions ----

    synchronized String subscribe(String topicArn, String protocol, String endpoint, Map<String, String> attributes) {
        Topic t = topic(topicArn);
        if (protocol == null || protocol.isEmpty()) {
            throw SnsError.invalidParameter("Invalid parameter: Protocol Reason: no value for required parameter");
        }
        String p = protocol.toLowerCase(Locale.ROOT);
        if (!KNOWN_PROTOCOLS.contains(p)) {
            throw SnsError.invalidParameter("Invalid parameter: Amazon SNS does not support this protocol string: "
                    + protocol);
        }
        if (!p.equals("sqs") && !p.equals("http") && !p.equals("https")) {
            throw SnsError.invalidParameter("Invalid parameter: Protocol " + protocol
                    + " is not supported by the local SNS endpoint (sqs, http, https)");
        }
        if (endpoint == null || endpoint.isEmpty()) {
            throw SnsError.invalidParameter("Invalid parameter: Endpoint Reason: no value for required parameter");
        }
        switch (p) {
            case "sqs" -> {
                boolean url = endpoint.startsWith("http://") || endpoint.startsWith("https://");
                if (!url && !SQS_ARN.matcher(endpoint).matches()) {
                    throw SnsError.invalidParameter("Invalid parameter: SQS endpoint ARN");
                }
                if (!t.fifo && Delivery.queueName(endpoint).endsWith(".fifo")) {
                    throw SnsError.invalidParameter(
                            "Invalid parameter: Invalid parameter: Endpoint Reason: FIFO SQS Queues can not be subscribed to standard SNS topics");
                }
                if (!delivery.hasSqs()) {
                    throw SnsError.invalidParameter(
                            "Invalid parameter: Endpoint Reason: the local SNS endpoint was started without an SQS endpoint");
                }
            }
            case "http" -> {
                if (!endpoint.startsWith("http://")) {
                    throw SnsError.invalidParameter("Invalid parameter: Endpoint must match the specified protocol");
                }
            }
            default -> {
                if (!endpoint.startsWith("https://")) {
                    throw SnsError.invalidParameter("Invalid parameter: Endpoint must match the specified protocol");
                }
            }
        }
        Subscription.Settings settings = settings(new LinkedHashMap<>(), attributes);
        for (Subscription existing : t.subscriptions) {
            if (existing.protocol.equals(p) && existing.endpoint.equals(endpoint)) {
                if (!existing.settings().attributes().equals(settings.attributes())) {
                    throw SnsError.invalidParameter(
                            "Invalid parameter: Attributes Reason: Subscription already exists with different attributes");
                }
                return existing.arn; // Subscribe is idempotent for the same endpoint and attributes
            }
        }
        String arn = t.arn + ":" + UUID.randomUUID();
        Subscription s = new Subscription(arn, t.arn, p, endpoint, settings);
        t.subscriptions.add(s);
        subscriptions.put(arn, s);
        // Local endpoints confirm http(s) subscriptions at once: there is no one to click the link.
        return arn;
    }

    /** Applies {@code changes} over {@code current}, validating the values as SNS does. */
    private static Subscription.Settings settings(Map<String, String> current, Map<String, String> changes) {
        Map<String, String> a = new LinkedHashMap<>(current);
        for (Map.Entry<String, String> e : changes.entrySet()) {
            String key = e.getKey();
            String value = e.getValue() == null ? "" : e.getValue();
            if (!SUBSCRIPTION_ATTRIBUTES.contains(key)) {
                throw SnsError.invalidParameter("Invalid parameter: Attributes Reason: Unknown attribute " + key);
            }
            if (key.equals("RawMessageDelivery")) {
                if (!value.equalsIgnoreCase("true") && !value.equalsIgnoreCase("false")) {
                    throw SnsError.invalidParameter("Invalid parameter: Attributes Reason: RawMessageDelivery: "
                            + "Invalid value [" + value + "]. Must be true or false.");
                }
                value = value.toLowerCase(Locale.ROOT);
            }
            if (key.equals("FilterPolicyScope") && !value.equals("MessageAttributes") && !value.equals("MessageBody")) {
                throw SnsError.invalidParameter("Invalid parameter: Attributes Reason: FilterPolicyScope: Invalid value ["
                        + value + "]. Please use either MessageBody or MessageAttributes");
            }
            if (value.isEmpty() && key.equals("FilterPolicy")) {
                a.remove(key); // an empty policy removes the filter
            } else {
                a.put(key, value);
            }
        }
        boolean bodyScope = "MessageBody".equals(a.get("FilterPolicyScope"));
        FilterPolicy policy = a.containsKey("FilterPolicy") ? FilterPolicy.parse(a.get("FilterPolicy"), bodyScope) : null;
        return new Subscription.Settings(Map.copyOf(a), "true".equals(a.get("RawMessageDelivery")), policy, bodyScope);
    }

    synchronized void unsubscribe(String subscriptionArn) {
        Subscription s = subscription(subscriptionArn);
        subscriptions.remove(s.arn);
        Topic t = topics.get(s.topicArn);
        if (t != null) {
            t.subscriptions.remove(s);
        }
    }

    private Subscription subscription(String subscriptionArn) {
        if (subscriptionArn == null || subscriptionArn.isEmpty()) {
            throw SnsError.invalidParameter("Invalid parameter: SubscriptionArn Reason: no value for required parameter");
        }
        Subscription s = subscriptions.get(subscriptionArn);
        if (s == null) {
            if (!subscriptionArn.startsWith("arn:")) {
                throw SnsError.invalidParameter("Invalid parameter: SubscriptionArn");
            }
            throw SnsError.notFound("Subscription does not exist");
        }
        return s;
    }

    Map<String, String> subscriptionAttributes(String subscriptionArn) {
        Subscription s = subscription(subscriptionArn);
        Map<String, String> a = new LinkedHashMap<>();
        a.put("SubscriptionArn", s.arn);
        a.put("TopicArn", s.topicArn);
        a.put("Owner", accountId);
        a.put("Protocol", s.protocol);
        a.put("Endpoint", s.endpoint);
        a.put("ConfirmationWasAuthenticated", "true");
        a.put("PendingConfirmation", "false");
        a.put("RawMessageDelivery", "false");
        a.put("SubscriptionPrincipal", "arn:aws:iam::" + accountId + ":user/local");
        a.putAll(s.settings().attributes());
        return a;
    }

    synchronized void setSubscriptionAttribute(String subscriptionArn, String name, String value) {
        Subscription s = subscription(subscriptionArn);
        if (name == null || !SUBSCRIPTION_ATTRIBUTES.contains(name)) {
            throw SnsError.invalidParameter("Invalid parameter: AttributeName");
        }
        Map<String, String> change = new LinkedHashMap<>();
        change.put(name, value);
        s.settings(settings(s.settings().attributes(), change));
    }

    record SubscriptionInfo(String arn, String owner, String protocol, String endpoint, String topicArn) {
    }

    Page<SubscriptionInfo> listSubscriptions(String topicArn, String nextToken) {
        List<Subscription> all = topicArn == null ? new ArrayList<>(subscriptions.values())
                : new ArrayList<>(topic(topicArn).subscriptions);
        all.sort(java.util.Comparator.comparing(s -> s.arn));
        List<SubscriptionInfo> infos = all.stream()
                .map(s -> new SubscriptionInfo(s.arn, accountId, s.protocol, s.endpoint, s.topicArn)).toList();
        return page(infos, nextToken);
    }

    // ---- publish ----

    /** What Publish answers: {@code sequenceNumber} for FIFO topics only. */
    record Published(String messageId, String sequenceNumber) {
    }

    /** One entry's outcome: accepted ({@code published}) or refused ({@code error}). */
    private record Outcome(Published published, SnsError error) {
    }

    /** Validates, then delivers before returning: a test that publishes then receives sees the message. */
    Published publish(String topicArn, String targetArn, String phoneNumber, PublishInput in) {
        if (phoneNumber != null && !phoneNumber.isEmpty()) {
            throw SnsError.invalidParameter("Invalid parameter: PhoneNumber Reason: SMS is not supported by the local SNS endpoint");
        }
        String arn = topicArn != null && !topicArn.isEmpty() ? topicArn : targetArn;
        if (arn == null || arn.isEmpty()) {
            throw SnsError.invalidParameter(
                    "Invalid parameter: TopicArn or TargetArn Reason: no value for required parameter");
        }
        validate(in);
        if (size(in) > MAX_MESSAGE_BYTES) {
            throw SnsError.invalidParameter("Invalid parameter: Message too long");
        }
        Topic t = topic(arn);
        Outcome o = accept(t, List.of(in)).get(0);
        if (o.error() != null) {
            throw o.error();
        }
        return o.published();
    }

    record BatchSuccess(String id, String messageId, String sequenceNumber) {
    }

    record BatchFailure(String id, String code, String message, boolean senderFault) {
    }

    record BatchResult(List<BatchSuccess> successful, List<BatchFailure> failed) {
    }

    BatchResult publishBatch(String topicArn, List<PublishInput> entries) {
        checkTopicArn(topicArn, "TopicArn");
        if (entries.isEmpty()) {
            throw new SnsError(400, "EmptyBatchRequest", "The batch request doesn't contain any entries.");
        }
        if (entries.size() > MAX_BATCH_ENTRIES) {
            throw new SnsError(400, "TooManyEntriesInBatchRequest",
                    "The batch request contains more entries than permissible.");
        }
        Set<String> ids = new HashSet<>();
        for (PublishInput e : entries) {
            if (e.id() == null || !BATCH_ID.matcher(e.id()).matches()) {
                throw new SnsError(400, "InvalidBatchEntryId",
                        "The Id of a batch entry in a batch request doesn't abide by the specification.");
            }
            if (!ids.add(e.id())) {
                throw new SnsError(400, "BatchEntryIdsNotDistinct",
                        "Two or more batch entries in the request have the same Id.");
            }
        }
        long total = 0;
        for (PublishInput e : entries) {
            total += size(e);
        }
        if (total > MAX_MESSAGE_BYTES) {
            throw new SnsError(400, "BatchRequestTooLong",
                    "The length of all the messages put together is more than the limit.");
        }
        Topic t = topic(topicArn);
        List<PublishInput> valid = new ArrayList<>();
        Map<String, SnsError> invalid = new HashMap<>();
        for (PublishInput e : entries) {
            try {
                validate(e);
                valid.add(e);
            } catch (SnsError err) {
                invalid.put(e.id(), err);
            }
        }
        List<Outcome> outcomes = accept(t, valid);
        Map<String, Outcome> byId = new HashMap<>();
        for (int i = 0; i < valid.size(); i++) {
            byId.put(valid.get(i).id(), outcomes.get(i));
        }
        List<BatchSuccess> ok = new ArrayList<>();
        List<BatchFailure> failed = new ArrayList<>();
        for (PublishInput e : entries) {
            Outcome o = byId.get(e.id());
            SnsError err = o == null ? invalid.get(e.id()) : o.error();
            if (err != null) {
                failed.add(new BatchFailure(e.id(), err.code(), err.getMessage(), err.httpStatus() < 500));
            } else {
                ok.add(new BatchSuccess(e.id(), o.published().messageId(), o.published().sequenceNumber()));
            }
        }
        return new BatchResult(ok, failed);
    }

    /**
     * Accepts validated entries of one Publish or PublishBatch and delivers the accepted ones (in one
     * SQS batch per subscription where they can share one) before returning.
     */
    private List<Outcome> accept(Topic t, List<PublishInput> entries) {
        if (entries.isEmpty()) {
            return List.of();
        }
        if (t.fifo) {
            return acceptFifo(t, entries);
        }
        List<Outcome> out = new ArrayList<>();
        List<Notification> accepted = new ArrayList<>();
        for (PublishInput in : entries) {
            if (in.messageGroupId() != null || in.messageDeduplicationId() != null) {
                out.add(new Outcome(null, SnsError.invalidParameter("Invalid parameter: MessageGroupId Reason: The "
                        + "request includes MessageGroupId parameter that is not valid for this topic type")));
                continue;
            }
            String messageId = UUID.randomUUID().toString();
            accepted.add(new Notification(messageId, t.arn, in.subject(), in.message(), in.messageStructure(),
                    in.attributes(), clock.instant()));
            out.add(new Outcome(new Published(messageId, null), null));
        }
        deliver(t, accepted);
        return out;
    }

    /**
     * FIFO topics: MessageGroupId is required; the deduplication id is given or (ContentBasedDeduplication)
     * the SHA-256 of the body. A deduplication id seen within {@link #DEDUPLICATION_WINDOW} is accepted
     * again with the first message's id and sequence number, and not delivered (the answer waits until
     * the first one is delivered). The topic's publish lock is held only to check deduplication ids and
     * hand out sequence numbers and delivery turns: a message is delivered after the earlier messages of
     * its group (publish order within a group), while other groups deliver concurrently.
     */
    private List<Outcome> acceptFifo(Topic t, List<PublishInput> entries) {
        int n = entries.size();
        Outcome[] out = new Outcome[n];
        String[] groups = new String[n];
        String[] dedups = new String[n];
        for (int i = 0; i < n; i++) {
            try {
                groups[i] = fifoGroup(entries.get(i));
                dedups[i] = fifoDeduplicationId(t, entries.get(i));
            } catch (SnsError e) {
                out[i] = new Outcome(null, e);
            }
        }
        // FifoThroughputScope=MessageGroup deduplicates within a message group, Topic across the topic.
        boolean groupScope = "MessageGroup".equals(t.attribute("FifoThroughputScope"));
        CompletableFuture<Void> done = new CompletableFuture<>();
        List<CompletableFuture<Void>> before = new ArrayList<>();
        Set<String> ownGroups = new LinkedHashSet<>();
        List<Notification> accepted = new ArrayList<>();
        synchronized (t.publishLock) {
            Instant now = clock.instant();
            t.deduplication.values().removeIf(a -> !now.isBefore(a.at().plus(DEDUPLICATION_WINDOW)));
            for (int i = 0; i < n; i++) {
                if (out[i] != null) {
                    continue;
                }
                PublishInput in = entries.get(i);
                String key = groupScope ? groups[i] + "\u0000" + dedups[i] : dedups[i];
                Topic.Accepted seen = t.deduplication.get(key);
                if (seen != null) {
                    out[i] = new Outcome(new Published(seen.messageId(), seen.sequenceNumber()), null);
                    if (seen.delivered() != done) {
                        before.add(seen.delivered());
                    }
                    continue;
                }
                String messageId = UUID.randomUUID().toString();
                String sequenceNumber = t.nextSequenceNumber();
                accepted.add(new Notification(messageId, t.arn, in.subject(), in.message(), in.messageStructure(),
                        in.attributes(), now, sequenceNumber, groups[i], dedups[i]));
                t.deduplication.put(key, new Topic.Accepted(messageId, sequenceNumber, now, done));
                out[i] = new Outcome(new Published(messageId, sequenceNumber), null);
                if (ownGroups.add(groups[i])) {
                    // Turns are handed out under the lock, so two publishes sharing groups are ordered the
                    // same way in every group: waiting on the earlier ones cannot deadlock.
                    CompletableFuture<Void> previous = t.groupTails.put(groups[i], done);
                    if (previous != null) {
                        before.add(previous);
                    }
                }
            }
        }
        try {
            for (CompletableFuture<Void> f : before) {
                f.join();
            }
            deliver(t, accepted);
        } finally {
            done.complete(null);
            if (!ownGroups.isEmpty()) {
                synchronized (t.publishLock) {
                    for (String g : ownGroups) {
                        t.groupTails.remove(g, done);
                    }
                }
            }
        }
        return List.of(out);
    }

    private static String fifoGroup(PublishInput in) {
        String group = in.messageGroupId();
        if (group == null || group.isEmpty()) {
            throw SnsError.invalidParameter("Invalid parameter: The MessageGroupId parameter is required for FIFO topics");
        }
        if (!FIFO_ID.matcher(group).matches()) {
            throw SnsError.invalidParameter("Invalid parameter: MessageGroupId Reason: MessageGroupId can only include "
                    + "alphanumeric and punctuation characters. 1 to 128 in length.");
        }
        return group;
    }

    private static String fifoDeduplicationId(Topic t, PublishInput in) {
        String dedup = in.messageDeduplicationId();
        if (dedup != null && !dedup.isEmpty()) {
            if (!FIFO_ID.matcher(dedup).matches()) {
                throw SnsError.invalidParameter("Invalid parameter: MessageDeduplicationId Reason: MessageDeduplicationId "
                        + "can only include alphanumeric and punctuation characters. 1 to 128 in length.");
            }
            return dedup;
        }
        if ("true".equals(t.attribute("ContentBasedDeduplication"))) {
            return sha256Hex(in.message());
        }
        throw SnsError.invalidParameter("Invalid parameter: The topic should either have ContentBasedDeduplication "
                + "enabled or MessageDeduplicationId provided explicitly");
    }

    private void deliver(Topic t, List<Notification> accepted) {
        if (accepted.isEmpty()) {
            return;
        }
        for (Subscription s : t.subscriptions) {
            delivery.deliverAll(s, accepted);
        }
    }

    static String sha256Hex(String s) {
        try {
            byte[] d = MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8));
            return java.util.HexFormat.of().formatHex(d);
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    static long size(PublishInput in) {
        long n = in.message() == null ? 0 : in.message().getBytes(StandardCharsets.UTF_8).length;
        for (Map.Entry<String, MessageAttribute> e : in.attributes().entrySet()) {
            n += e.getValue().size(e.getKey());
        }
        return n;
    }

    private static void validate(PublishInput in) {
        if (in.message() == null || in.message().isEmpty()) {
            throw SnsError.invalidParameter("Invalid parameter: Empty message");
        }
        if (in.subject() != null && !validSubject(in.subject())) {
            throw SnsError.invalidParameter("Invalid parameter: Subject");
        }
        if (in.messageStructure() != null) {
            if (!in.messageStructure().equals("json")) {
                throw SnsError.invalidParameter("Invalid parameter: MessageStructure");
            }
            JsonNode node;
            try {
                node = JSON.readTree(in.message());
            } catch (Exception e) {
                node = null;
            }
            if (node == null || !node.isObject()) {
                throw SnsError.invalidParameter(
                        "Invalid parameter: Message Structure - JSON message body failed to parse");
            }
            if (!node.has("default") || !node.get("default").isTextual()) {
                throw SnsError.invalidParameter(
                        "Invalid parameter: Message Structure - No default entry in JSON message body");
            }
        }
        for (Map.Entry<String, MessageAttribute> e : in.attributes().entrySet()) {
            validateAttribute(e.getKey(), e.getValue());
        }
    }

    /** ASCII, starting with a letter, digit or punctuation, no line breaks or control characters, < 100 chars. */
    static boolean validSubject(String s) {
        if (s.isEmpty() || s.length() >= 100) {
            return false;
        }
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c < 0x20 || c > 0x7e) {
                return false;
            }
        }
        return s.charAt(0) != ' ';
    }

    private static void validateAttribute(String name, MessageAttribute a) {
        if (!ATTRIBUTE_NAME.matcher(name).matches() || name.startsWith(".") || name.endsWith(".")
                || name.contains("..") || name.regionMatches(true, 0, "AWS.", 0, 4)
                || name.regionMatches(true, 0, "Amazon.", 0, 7)) {
            throw SnsError.invalidParameterValue("Message attribute name '" + name + "' is not valid");
        }
        if (a.dataType() == null || a.dataType().isEmpty()) {
            throw SnsError.invalidParameterValue("The message attribute '" + name + "' must contain non-empty message attribute type.");
        }
        if (!DATA_TYPE.matcher(a.dataType()).matches()) {
            throw SnsError.invalidParameterValue("The message attribute '" + name
                    + "' has an invalid message attribute type, the set of supported type prefixes is Binary, Number, and String.");
        }
        if (a.isBinary()) {
            if (a.binaryValue() == null || a.binaryValue().length == 0) {
                throw SnsError.invalidParameterValue("The message attribute '" + name
                        + "' must contain non-empty message attribute value for message attribute type '" + a.dataType() + "'.");
            }
            return;
        }
        if (a.stringValue() == null || a.stringValue().isEmpty()) {
            throw SnsError.invalidParameterValue("The message attribute '" + name
                    + "' must contain non-empty message attribute value for message attribute type '" + a.dataType() + "'.");
        }
        if (a.isNumber()) {
            try {
                new java.math.BigDecimal(a.stringValue().trim());
            } catch (NumberFormatException e) {
                throw SnsError.invalidParameterValue("Could not cast message attribute '" + name + "' value to number.");
            }
        }
        if (a.isStringArray()) {
            JsonNode node;
            try {
                node = JSON.readTree(a.stringValue());
            } catch (Exception e) {
                node = null;
            }
            if (node == null || !node.isArray()) {
                throw SnsError.invalidParameterValue("Invalid parameter: MessageAttributes Reason: The message attribute '"
                        + name + "' with type 'String.Array' has an invalid value.");
            }
        }
    }
}
