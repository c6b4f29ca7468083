/**
 * A local SNS-compatible endpoint for tests and the standalone stack.
 *
 * <p>{@link io.userstreams.localsns.SnsServer} speaks the SNS Query API (what SDK v2 2.59.x's
 * {@code SnsClient} sends: form-encoded POST, XML in the {@code 2010-03-31} namespace) and, for the
 * same actions, the AWS JSON 1.0 protocol. Supported actions: CreateTopic, DeleteTopic,
 * Get/SetTopicAttributes, ListTopics, Subscribe (sqs by queue ARN or URL, http, https), Unsubscribe,
 * Get/SetSubscriptionAttributes, ListSubscriptions(ByTopic), Publish, PublishBatch.
 *
 * <p>Validation and error codes follow the service: unknown topic 404 {@code NotFound}; body plus
 * attributes over 262,144 bytes {@code InvalidParameter} "Message too long"; batch errors
 * {@code EmptyBatchRequest}, {@code TooManyEntriesInBatchRequest}, {@code BatchEntryIdsNotDistinct},
 * {@code InvalidBatchEntryId}, {@code BatchRequestTooLong}; bad attributes {@code ParameterValueInvalid}.
 * Delivery is synchronous (done before Publish answers): the standard JSON envelope, or the raw body
 * with SQS message attributes when {@code RawMessageDelivery=true}; filter policies (attribute or
 * body scope, common operators) are applied.
 *
 * <p>FIFO topics: the name ends with {@code .fifo} and {@code FifoTopic=true} (either alone is
 * InvalidParameter). Publish/PublishBatch need {@code MessageGroupId} and a {@code MessageDeduplicationId}
 * (or {@code ContentBasedDeduplication=true}: SHA-256 hex of the body). A deduplication id seen in the
 * last 5 minutes is accepted with the first message's MessageId and SequenceNumber and not delivered
 * again. FIFO SQS subscribers receive the group and deduplication ids. Standard topics refuse both ids.
 *
 * <p>Local differences, on purpose: http(s) subscriptions are confirmed at once; the envelope's
 * {@code Signature} cannot be verified; sms/email/lambda/firehose/application
 * protocols are refused with InvalidParameter; a failed delivery is logged and counted
 * ({@link io.userstreams.localsns.SnsServer#failedDeliveryCount()}), not retried.
 */
package io.userstreams.localsns;
