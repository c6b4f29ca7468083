/**
 * The one interface every reaction implements ({@link io.userstreams.core.reaction.RecordReaction}),
 * its result, and the validated view of a change ({@link io.userstreams.core.reaction.UserChange}).
 */
package io.userstreams.core.reaction;
