/**
 * What the reactions wrote, read back from the stores (users_by_email, user_stats, the search
 * index) next to what the users table says they must hold: the one reader the test kit, the
 * runtimes' integration tests, the fault suite and backfill share.
 */
package io.userstreams.core.effects;
