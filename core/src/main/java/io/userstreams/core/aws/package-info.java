/**
 * AWS connection settings ({@link io.userstreams.core.aws.AwsConnection}: region, credentials, local
 * endpoints) and SDK v2 clients built on a given HTTP client ({@link io.userstreams.core.aws.Clients}).
 */
package io.userstreams.core.aws;
