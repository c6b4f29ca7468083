/**
 * The search-index reaction: bulk writes to OpenSearch with external versions, the index definition
 * from template.yaml, and the OpenSearch client set-up.
 */
package io.userstreams.core.search;
