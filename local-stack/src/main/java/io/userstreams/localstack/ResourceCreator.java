package io.userstreams.localstack;

import io.userstreams.localdefaults.LocalDefaults;
import static io.userstreams.localstack.CloudFormationTemplate.asList;
import static io.userstreams.localstack.CloudFormationTemplate.asMap;
import static io.userstreams.localstack.CloudFormationTemplate.string;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.userstreams.localstack.CloudFormationTemplate.Intrinsic;
import io.userstreams.localstack.CloudFormationTemplate.Resource;
import java.io.IOException;
import java.net.URL;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.opensearch.client.opensearch.OpenSearchClient;
import org.opensearch.client.opensearch.generic.Requests;
import org.opensearch.client.opensearch.generic.Response;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeDefinition;
import software.amazon.awssdk.services.dynamodb.model.BillingMode;
import software.amazon.awssdk.services.dynamodb.model.CreateTableRequest;
import software.amazon.awssdk.services.dynamodb.model.GlobalSecondaryIndex;
import software.amazon.awssdk.services.dynamodb.model.KeySchemaElement;
import software.amazon.awssdk.services.dynamodb.model.LocalSecondaryIndex;
import software.amazon.awssdk.services.dynamodb.model.Projection;
import software.amazon.awssdk.services.dynamodb.model.ProvisionedThroughput;
import software.amazon.awssdk.services.dynamodb.model.ResourceInUseException;
import software.amazon.awssdk.services.dynamodb.model.StreamSpecification;
import software.amazon.awssdk.services.dynamodb.model.TableDescription;
import software.amazon.awssdk.services.dynamodb.model.TimeToLiveDescription;
import software.amazon.awssdk.services.dynamodb.model.TimeToLiveStatus;
import software.amazon.awssdk.services.sns.SnsClient;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.QueueAttributeName;
import software.amazon.awssdk.services.sqs.model.QueueNameExistsException;

/**
 * Creates the data, messaging and search resources of template.yaml on the local servers. Every
 * step first looks for what already exists, so running it twice changes nothing. Resource types
 * other than DynamoDB tables, SNS topics, SQS queues and the index metadata are ignored.
 */
final class ResourceCreator {

    private static final Logger log = LoggerFactory.getLogger(ResourceCreator.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    static final String TABLE = "AWS::DynamoDB::Table";
    static final String TOPIC = "AWS::SNS::Topic";
    static final String QUEUE = "AWS::SQS::Queue";
    static final String SUBSCRIPTION = "AWS::SNS::Subscription";
    static final String CONFIGURATION_SET = "AWS::SES::ConfigurationSet";

    /** The search index as declared in {@code Metadata.UserStreams.Index} of the search domain. */
    record IndexSpec(String name, Map<String, Object> settings, Map<String, Object> mappings) {
    }

    private final CloudFormationTemplate template;

    ResourceCreator(CloudFormationTemplate template) {
        this.template = template;
    }

    static CloudFormationTemplate loadTemplate(URL url) {
        URL source = url != null ? url : defaultTemplate();
        return CloudFormationTemplate.load(source);
    }

    static URL defaultTemplate() {
        URL url = ResourceCreator.class.getClassLoader().getResource(LocalStackOptions.TEMPLATE_RESOURCE);
        if (url == null) {
            throw new IllegalStateException("template.yaml is missing from the classpath ("
                    + LocalStackOptions.TEMPLATE_RESOURCE + "): rebuild the local-stack module");
        }
        return url;
    }

    static LocalResources create(LocalStack stack, URL templateUrl) {
        ResourceCreator creator = new ResourceCreator(loadTemplate(templateUrl));
        LocalResources.Builder b = creator.createAwsResources(stack.dynamoDb(), stack.sns(), stack.sqs());
        if (stack.sesServer() != null) {
            b.configurationSets.forEach(stack.sesServer()::createConfigurationSet);
        }
        stack.describeEndpoints(b);
        Optional<IndexSpec> index = creator.indexSpec();
        index.ifPresent(spec -> b.openSearchIndex = spec.name());
        if (index.isPresent() && stack.openSearchEnabled()) {
            createIndex(stack.openSearch(), index.get());
        }
        return new LocalResources(b);
    }

    /** Tables (with TTL and streams), queues and topics; fills names, ARNs and URLs into a builder. */
    LocalResources.Builder createAwsResources(DynamoDbClient dynamoDb, SnsClient sns, SqsClient sqs) {
        LocalResources.Builder b = new LocalResources.Builder();
        createTables(dynamoDb, b);
        createMessaging(sns, sqs, b);
        return b;
    }

    /** The tables; runs as soon as DynamoDB is up, while the other servers still start. */
    void createTables(DynamoDbClient dynamoDb, LocalResources.Builder b) {
        Map<String, String> streamArns = new LinkedHashMap<>();
        for (Resource table : template.ofType(TABLE)) {
            TableDescription description = createTable(dynamoDb, table);
            b.tables.put(table.logicalId(), description.tableName());
            if (description.latestStreamArn() != null) {
                streamArns.put(table.logicalId(), description.latestStreamArn());
            }
        }
        Resource users = role(TABLE, LocalResources.USERS_TABLE_ID, LocalDefaults.USERS_TABLE);
        b.usersTable = b.tables.get(users.logicalId());
        b.usersStreamArn = streamArns.get(users.logicalId());
        if (b.usersStreamArn == null) {
            throw new IllegalStateException("the users table " + users.logicalId()
                    + " has no stream: template.yaml must set StreamSpecification.StreamViewType NEW_AND_OLD_IMAGES");
        }
        b.usersByEmailTable = b.tables.get(role(TABLE, LocalResources.USERS_BY_EMAIL_TABLE_ID, LocalDefaults.USERS_BY_EMAIL_TABLE).logicalId());
        b.userStatsTable = b.tables.get(role(TABLE, LocalResources.USER_STATS_TABLE_ID, LocalDefaults.USER_STATS_TABLE).logicalId());
        b.idempotencyTable = b.tables.get(role(TABLE, LocalResources.IDEMPOTENCY_TABLE_ID, LocalDefaults.IDEMPOTENCY_TABLE).logicalId());
        b.mailSendsTable = optionalRole(TABLE, LocalResources.MAIL_SENDS_TABLE_ID, LocalDefaults.MAIL_SENDS_TABLE)
                .map(r -> b.tables.get(r.logicalId())).orElse(null);
        b.mailSuppressionTable = optionalRole(TABLE, LocalResources.MAIL_SUPPRESSION_TABLE_ID, LocalDefaults.MAIL_SUPPRESSION_TABLE)
                .map(r -> b.tables.get(r.logicalId())).orElse(null);
    }

    /** The queues (dead-letter targets first) and topics. */
    void createMessaging(SnsClient sns, SqsClient sqs, LocalResources.Builder b) {
        Map<String, String> queueArns = new LinkedHashMap<>();
        for (Resource queue : queuesDeadLettersFirst()) {
            String url = createQueue(sqs, queue, queueArns);
            b.queues.put(queue.logicalId(), url);
            queueArns.put(queue.logicalId(), sqs.getQueueAttributes(r -> r.queueUrl(url)
                    .attributeNames(QueueAttributeName.QUEUE_ARN)).attributes().get(QueueAttributeName.QUEUE_ARN));
        }
        for (Resource topic : template.ofType(TOPIC)) {
            b.topics.put(topic.logicalId(), createTopic(sns, topic));
        }
        b.welcomeTopicArn = b.topics.get(role(TOPIC, LocalResources.WELCOME_TOPIC_ID, LocalDefaults.WELCOME_TOPIC).logicalId());
        b.deadLetterQueueUrl = b.queues.get(role(QUEUE, LocalResources.DEAD_LETTER_QUEUE_ID, LocalDefaults.DEAD_LETTER_QUEUE).logicalId());
        b.welcomeQueueUrl = optionalRole(QUEUE, LocalResources.WELCOME_QUEUE_ID, LocalDefaults.WELCOME_QUEUE)
                .map(r -> b.queues.get(r.logicalId())).orElse(null);
        for (Resource subscription : template.ofType(SUBSCRIPTION)) {
            subscribe(sns, subscription, b.topics, queueArns);
        }
        for (Resource set : template.ofType(CONFIGURATION_SET)) {
            b.configurationSets.add(set.localName());
        }
    }

    /**
     * An sqs subscription of the template (topic and queue by !Ref / !GetAtt), with its
     * RawMessageDelivery and RedrivePolicy; Subscribe is idempotent, so a second run changes nothing.
     */
    private static void subscribe(SnsClient sns, Resource subscription, Map<String, String> topicArns,
                                  Map<String, String> queueArns) {
        Map<String, Object> p = subscription.properties();
        if (!string(p, "Protocol").map("sqs"::equalsIgnoreCase).orElse(false)) {
            log.atWarn().addKeyValue("subscription", subscription.logicalId()).log("only sqs subscriptions are created locally");
            return;
        }
        String topicArn = resolve(p.get("TopicArn"), topicArns);
        String queueArn = resolve(p.get("Endpoint"), queueArns);
        if (topicArn == null || queueArn == null) {
            log.atWarn().addKeyValue("subscription", subscription.logicalId())
                    .log("subscription's topic or queue cannot be resolved locally; not created");
            return;
        }
        Map<String, String> attributes = new LinkedHashMap<>();
        string(p, "RawMessageDelivery").ifPresent(v -> attributes.put("RawMessageDelivery", v.toLowerCase(java.util.Locale.ROOT)));
        Map<String, Object> redrive = asMap(p.get("RedrivePolicy"));
        String deadLetterArn = resolve(redrive.get("deadLetterTargetArn"), queueArns);
        if (deadLetterArn != null) {
            try {
                attributes.put("RedrivePolicy", JSON.writeValueAsString(Map.of("deadLetterTargetArn", deadLetterArn)));
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
        }
        sns.subscribe(r -> r.topicArn(topicArn).protocol("sqs").endpoint(queueArn).attributes(attributes));
        log.atInfo().addKeyValue("subscription", subscription.logicalId()).log("subscribed queue to topic");
    }

    private static String resolve(Object value, Map<String, String> byLogicalId) {
        if (value instanceof String s) {
            return s;
        }
        if (value instanceof Intrinsic i) {
            return i.referencedLogicalId().map(byLogicalId::get).orElse(null);
        }
        return null;
    }

    private Optional<Resource> optionalRole(String type, String logicalId, String localName) {
        Optional<Resource> byId = template.resource(logicalId).filter(r -> r.type().equals(type));
        if (byId.isPresent()) {
            return byId;
        }
        return template.ofType(type).stream().filter(r -> r.localName().equals(localName)).findFirst();
    }

    /** The resource that plays a role: by logical id, else by its LocalName. */
    private Resource role(String type, String logicalId, String localName) {
        Optional<Resource> byId = template.resource(logicalId).filter(r -> r.type().equals(type));
        if (byId.isPresent()) {
            return byId.get();
        }
        return template.ofType(type).stream()
                .filter(r -> r.localName().equals(localName))
                .findFirst()
                .orElseThrow(() -> new IllegalStateException("template.yaml has no " + type + " " + logicalId
                        + " (or one with Metadata.UserStreams.LocalName '" + localName + "'): the local stack needs it"));
    }

    // ---------------------------------------------------------------- DynamoDB

    private static TableDescription createTable(DynamoDbClient dynamoDb, Resource table) {
        String name = table.localName();
        Map<String, Object> p = table.properties();
        CreateTableRequest.Builder request = CreateTableRequest.builder()
                .tableName(name)
                .attributeDefinitions(attributeDefinitions(table))
                .keySchema(keySchema(table, p.get("KeySchema")));
        boolean provisioned = string(p, "BillingMode").map("PROVISIONED"::equalsIgnoreCase).orElse(false);
        if (provisioned) {
            request.billingMode(BillingMode.PROVISIONED).provisionedThroughput(throughput(p.get("ProvisionedThroughput")));
        } else {
            request.billingMode(BillingMode.PAY_PER_REQUEST);
        }
        List<GlobalSecondaryIndex> gsis = new ArrayList<>();
        for (Object o : asList(p.get("GlobalSecondaryIndexes"))) {
            Map<String, Object> gsi = asMap(o);
            GlobalSecondaryIndex.Builder g = GlobalSecondaryIndex.builder()
                    .indexName(required(table, gsi, "IndexName"))
                    .keySchema(keySchema(table, gsi.get("KeySchema")))
                    .projection(projection(gsi.get("Projection")));
            if (provisioned) {
                g.provisionedThroughput(throughput(gsi.get("ProvisionedThroughput")));
            }
            gsis.add(g.build());
        }
        if (!gsis.isEmpty()) {
            request.globalSecondaryIndexes(gsis);
        }
        List<LocalSecondaryIndex> lsis = new ArrayList<>();
        for (Object o : asList(p.get("LocalSecondaryIndexes"))) {
            Map<String, Object> lsi = asMap(o);
            lsis.add(LocalSecondaryIndex.builder()
                    .indexName(required(table, lsi, "IndexName"))
                    .keySchema(keySchema(table, lsi.get("KeySchema")))
                    .projection(projection(lsi.get("Projection")))
                    .build());
        }
        if (!lsis.isEmpty()) {
            request.localSecondaryIndexes(lsis);
        }
        string(asMap(p.get("StreamSpecification")), "StreamViewType").ifPresent(view -> request.streamSpecification(
                StreamSpecification.builder().streamEnabled(true).streamViewType(view).build()));
        try {
            dynamoDb.createTable(request.build());
            log.atInfo().addKeyValue("table", name).addKeyValue("logicalId", table.logicalId()).log("created table");
        } catch (ResourceInUseException exists) {
            log.atDebug().addKeyValue("table", name).log("table exists");
        }
        dynamoDb.waiter().waitUntilTableExists(r -> r.tableName(name));
        enableTtl(dynamoDb, table, name);
        return dynamoDb.describeTable(r -> r.tableName(name)).table();
    }

    private static void enableTtl(DynamoDbClient dynamoDb, Resource table, String name) {
        Map<String, Object> ttl = asMap(table.properties().get("TimeToLiveSpecification"));
        Optional<String> attribute = string(ttl, "AttributeName");
        boolean enabled = string(ttl, "Enabled").map(Boolean::parseBoolean).orElse(false);
        if (attribute.isEmpty() || !enabled) {
            return;
        }
        TimeToLiveDescription current = dynamoDb.describeTimeToLive(r -> r.tableName(name)).timeToLiveDescription();
        if (current.timeToLiveStatus() == TimeToLiveStatus.ENABLED || current.timeToLiveStatus() == TimeToLiveStatus.ENABLING) {
            return;
        }
        dynamoDb.updateTimeToLive(r -> r.tableName(name)
                .timeToLiveSpecification(s -> s.attributeName(attribute.get()).enabled(true)));
    }

    private static List<AttributeDefinition> attributeDefinitions(Resource table) {
        List<AttributeDefinition> out = new ArrayList<>();
        for (Object o : asList(table.properties().get("AttributeDefinitions"))) {
            Map<String, Object> a = asMap(o);
            out.add(AttributeDefinition.builder()
                    .attributeName(required(table, a, "AttributeName"))
                    .attributeType(required(table, a, "AttributeType"))
                    .build());
        }
        return out;
    }

    private static List<KeySchemaElement> keySchema(Resource table, Object raw) {
        List<KeySchemaElement> out = new ArrayList<>();
        for (Object o : asList(raw)) {
            Map<String, Object> k = asMap(o);
            out.add(KeySchemaElement.builder()
                    .attributeName(required(table, k, "AttributeName"))
                    .keyType(required(table, k, "KeyType"))
                    .build());
        }
        if (out.isEmpty()) {
            throw new IllegalStateException("table " + table.logicalId() + " in template.yaml has no KeySchema");
        }
        return out;
    }

    private static Projection projection(Object raw) {
        Map<String, Object> p = asMap(raw);
        Projection.Builder b = Projection.builder().projectionType(string(p, "ProjectionType").orElse("ALL"));
        List<String> nonKey = new ArrayList<>();
        for (Object o : asList(p.get("NonKeyAttributes"))) {
            if (o instanceof String s) {
                nonKey.add(s);
            }
        }
        if (!nonKey.isEmpty()) {
            b.nonKeyAttributes(nonKey);
        }
        return b.build();
    }

    private static ProvisionedThroughput throughput(Object raw) {
        Map<String, Object> t = asMap(raw);
        return ProvisionedThroughput.builder()
                .readCapacityUnits(string(t, "ReadCapacityUnits").map(Long::parseLong).orElse(5L))
                .writeCapacityUnits(string(t, "WriteCapacityUnits").map(Long::parseLong).orElse(5L))
                .build();
    }

    private static String required(Resource r, Map<String, Object> map, String key) {
        return string(map, key).orElseThrow(() -> new IllegalStateException(r.type() + " " + r.logicalId()
                + " in template.yaml: " + key + " must be a plain value for the local stack, was " + map.get(key)));
    }

    // ---------------------------------------------------------------- SQS

    /** Queues that others name as dead-letter target come first, so their ARN is known. */
    private List<Resource> queuesDeadLettersFirst() {
        List<Resource> plain = new ArrayList<>();
        List<Resource> redriving = new ArrayList<>();
        for (Resource q : template.ofType(QUEUE)) {
            (q.properties().containsKey("RedrivePolicy") ? redriving : plain).add(q);
        }
        plain.addAll(redriving);
        return plain;
    }

    private static final List<String> QUEUE_SCALARS = List.of("DelaySeconds", "MaximumMessageSize",
            "MessageRetentionPeriod", "ReceiveMessageWaitTimeSeconds", "VisibilityTimeout", "FifoQueue",
            "ContentBasedDeduplication", "DeduplicationScope", "FifoThroughputLimit");

    private static String createQueue(SqsClient sqs, Resource queue, Map<String, String> knownArns) {
        String name = queue.localName();
        Map<String, String> attributes = new LinkedHashMap<>();
        for (String key : QUEUE_SCALARS) {
            string(queue.properties(), key).ifPresent(v -> attributes.put(key, v));
        }
        redrivePolicy(queue, knownArns).ifPresent(v -> attributes.put("RedrivePolicy", v));
        try {
            String url = sqs.createQueue(r -> r.queueName(name).attributesWithStrings(attributes)).queueUrl();
            log.atInfo().addKeyValue("queue", name).addKeyValue("logicalId", queue.logicalId()).log("created queue");
            return url;
        } catch (QueueNameExistsException exists) {
            // Exists with other attributes (an older template): keep it, as a deploy would not recreate it either.
            return sqs.getQueueUrl(r -> r.queueName(name)).queueUrl();
        }
    }

    /** RedrivePolicy with {@code deadLetterTargetArn: !GetAtt Queue.Arn} pointed at the local queue. */
    private static Optional<String> redrivePolicy(Resource queue, Map<String, String> knownArns) {
        Map<String, Object> policy = asMap(queue.properties().get("RedrivePolicy"));
        if (policy.isEmpty()) {
            return Optional.empty();
        }
        Object target = policy.get("deadLetterTargetArn");
        String arn = target instanceof String s ? s
                : target instanceof Intrinsic i ? i.referencedLogicalId().map(knownArns::get).orElse(null) : null;
        Optional<String> max = string(policy, "maxReceiveCount");
        if (arn == null || max.isEmpty()) {
            log.atWarn().addKeyValue("queue", queue.logicalId())
                    .log("RedrivePolicy cannot be resolved locally; queue created without it");
            return Optional.empty();
        }
        try {
            return Optional.of(JSON.writeValueAsString(Map.of("deadLetterTargetArn", arn, "maxReceiveCount", max.get())));
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    // ---------------------------------------------------------------- SNS

    private static String createTopic(SnsClient sns, Resource topic) {
        Map<String, String> attributes = new LinkedHashMap<>();
        string(topic.properties(), "DisplayName").ifPresent(v -> attributes.put("DisplayName", v));
        string(topic.properties(), "FifoTopic").ifPresent(v -> attributes.put("FifoTopic", v));
        string(topic.properties(), "ContentBasedDeduplication").ifPresent(v -> attributes.put("ContentBasedDeduplication", v));
        string(topic.properties(), "FifoThroughputScope").ifPresent(v -> attributes.put("FifoThroughputScope", v));
        // CreateTopic is idempotent in SNS: the same name returns the same ARN.
        String arn = sns.createTopic(r -> r.name(topic.localName()).attributes(attributes)).topicArn();
        log.atInfo().addKeyValue("topic", topic.localName()).addKeyValue("logicalId", topic.logicalId()).log("topic ready");
        return arn;
    }

    // ---------------------------------------------------------------- OpenSearch

    /** The index declared on any resource's {@code Metadata.UserStreams.Index}. */
    Optional<IndexSpec> indexSpec() {
        for (Resource r : template.resources().values()) {
            Map<String, Object> index = asMap(r.userStreamsMetadata().get("Index"));
            if (!index.isEmpty()) {
                String name = string(index, "Name").orElseThrow(() -> new IllegalStateException(
                        r.logicalId() + ".Metadata.UserStreams.Index in template.yaml has no Name"));
                return Optional.of(new IndexSpec(name, asMap(index.get("Settings")), asMap(index.get("Mappings"))));
            }
        }
        return Optional.empty();
    }

    /**
     * Creates the index unless it exists. Settings keys get the {@code index.} prefix the create-index
     * API would add anyway ({@code gc_deletes} → {@code index.gc_deletes}), so what is sent is explicit.
     */
    static void createIndex(OpenSearchClient client, IndexSpec spec) {
        try {
            if (client.indices().exists(e -> e.index(spec.name())).value()) {
                log.atDebug().addKeyValue("index", spec.name()).log("index exists");
                return;
            }
            Map<String, Object> settings = new LinkedHashMap<>();
            flatten("", spec.settings(), settings);
            Map<String, Object> body = new LinkedHashMap<>();
            Map<String, Object> indexSettings = new LinkedHashMap<>();
            settings.forEach((k, v) -> indexSettings.put(k.startsWith("index.") ? k : "index." + k, v));
            body.put("settings", indexSettings);
            body.put("mappings", spec.mappings());
            // Searches use "<index>-live", which hides the tombstones of deleted users (as core creates it).
            body.put("aliases", Map.of(spec.name() + "-live", Map.of("filter",
                    Map.of("bool", Map.of("must_not", Map.of("term", Map.of("deleted", true)))))));
            try (Response response = client.generic().execute(Requests.builder()
                    .method("PUT")
                    .endpoint("/" + spec.name())
                    .json(JSON.writeValueAsString(body))
                    .build())) {
                String text = response.getBody().map(b -> b.bodyAsString()).orElse("");
                if (response.getStatus() == 400 && text.contains("resource_already_exists_exception")) {
                    return; // created concurrently (another stack user): fine
                }
                if (response.getStatus() >= 300) {
                    throw new IllegalStateException("creating the OpenSearch index " + spec.name() + " failed with HTTP "
                            + response.getStatus() + ": " + text);
                }
            }
            log.atInfo().addKeyValue("index", spec.name()).log("created index");
        } catch (IOException e) {
            throw new IllegalStateException("creating the OpenSearch index " + spec.name() + " failed: " + e.getMessage(), e);
        }
    }

    private static void flatten(String prefix, Map<String, Object> in, Map<String, Object> out) {
        in.forEach((k, v) -> {
            String key = prefix.isEmpty() ? k : prefix + "." + k;
            if (v instanceof Map<?, ?> m) {
                flatten(key, asMap(m), out);
            } else {
                out.put(key, v);
            }
        });
    }
}
