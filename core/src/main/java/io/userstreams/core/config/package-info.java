/**
 * Core settings read from the environment ({@link io.userstreams.core.config.CoreSettings}) and the
 * names of the reactions that can be switched on ({@link io.userstreams.core.config.ReactionId}).
 */
package io.userstreams.core.config;
