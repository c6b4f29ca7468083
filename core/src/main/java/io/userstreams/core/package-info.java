/**
 * The part of user-streams both runtimes host: {@link io.userstreams.core.UserStreamsCore} assembles
 * the enabled reactions, their sinks and the ordered batch processor. Nothing here knows Lambda or KCL.
 */
package io.userstreams.core;
