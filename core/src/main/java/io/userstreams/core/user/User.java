package io.userstreams.core.user;

import java.time.Instant;
import java.util.Objects;
import java.util.OptionalLong;

/**
 * A user as stored in the users table. {@code version} is kept by writers (starts at 1, +1 per
 * write); items written by other applications without it carry {@link #NO_VERSION}.
 *
 * @param expiresAt TTL as epoch seconds, when the item has one
 */
public record User(String userId, String email, String name, String plan, String country, String locale,
                   Instant createdAt, long version, OptionalLong expiresAt) {

    /** The version of an item that has no {@code version} attribute. */
    public static final long NO_VERSION = 0L;

    public User {
        Objects.requireNonNull(userId, "userId");
        Objects.requireNonNull(email, "email");
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(plan, "plan");
        Objects.requireNonNull(country, "country");
        Objects.requireNonNull(locale, "locale");
        Objects.requireNonNull(createdAt, "createdAt");
        expiresAt = expiresAt == null ? OptionalLong.empty() : expiresAt;
    }

    public boolean hasVersion() {
        return version != NO_VERSION;
    }

    public User withVersion(long newVersion) {
        return new User(userId, email, name, plan, country, locale, createdAt, newVersion, expiresAt);
    }

    public User withEmail(String newEmail) {
        return new User(userId, newEmail, name, plan, country, locale, createdAt, version, expiresAt);
    }

    public User withPlan(String newPlan) {
        return new User(userId, email, name, newPlan, country, locale, createdAt, version, expiresAt);
    }

    public User withCountry(String newCountry) {
        return new User(userId, email, name, plan, newCountry, locale, createdAt, version, expiresAt);
    }

    public User withExpiresAt(OptionalLong newExpiresAt) {
        return new User(userId, email, name, plan, country, locale, createdAt, version, newExpiresAt);
    }

    /** Never prints what a person typed (address, name, plan, country, locale values): records end up in logs. */
    @Override
    public String toString() {
        return "User[userId=" + userId + ", email=" + Emails.mask(email) + ", createdAt=" + createdAt
                + ", version=" + version + "]";
    }
}
