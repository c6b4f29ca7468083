/**
 * The derived-tables reaction: users_by_email and user_stats kept equal to the users table, with the
 * record's eventID claimed in the same DynamoDB transaction as the counter updates.
 */
package io.userstreams.core.derived;
