/**
 * The local AWS stack: everything the tests and the local main job run on, on 127.0.0.1 only, with
 * fake credentials and nothing installed by hand.
 *
 * <pre>{@code
 * try (LocalStack stack = LocalStack.start(LocalStackOptions.forTests())) {   // free ports
 *     LocalResources r = stack.resources();        // tables, stream ARN, topic, queue, index
 *     stack.dynamoDb().putItem(...);                // SDK v2 clients on the Apache 5 HTTP client
 *     Map<String, String> env = stack.environment(); // USERS_TABLE=..., AWS_ENDPOINT_URL_*=...
 * }
 * }</pre>
 *
 * <ul>
 *   <li>{@link io.userstreams.localstack.LocalStack}: starts the project's local DynamoDB (HTTP, in this JVM),
 *       ElasticMQ (SQS, in this JVM), the SNS endpoint ({@code sns}, in this JVM, delivering into
 *       ElasticMQ) and an OpenSearch node ({@code opensearch}, a child process), in parallel; every
 *       fixed port is checked first ({@link io.userstreams.localstack.PortInUseException}).</li>
 *   <li>{@link io.userstreams.localstack.LocalResources}: the resources of template.yaml (the one source
 *       of truth, copied into this jar), created idempotently under their
 *       {@code Metadata.UserStreams.LocalName}.</li>
 *   <li>{@link io.userstreams.localstack.LocalStackExtension}: one stack per test JVM for JUnit 5, with
 *       client parameters.</li>
 *   <li>{@link io.userstreams.localstack.LocalStackMain}: the standalone command (ports 8000, 9324, 9911,
 *       9200) until Ctrl-C.</li>
 * </ul>
 */
package io.userstreams.localstack;
