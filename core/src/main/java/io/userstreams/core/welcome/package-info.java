/**
 * The welcome-email reaction: one email per user creation, claimed in the idempotency table
 * (IN_PROGRESS with a lease, then COMPLETED) and published to SNS.
 */
package io.userstreams.core.welcome;
