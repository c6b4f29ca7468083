/**
 * The user model, its validation ({@link io.userstreams.core.user.UserValidator}), item mapping for
 * writers and readers, and email masking for logs.
 */
package io.userstreams.core.user;
