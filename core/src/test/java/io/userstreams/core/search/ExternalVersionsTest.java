package io.userstreams.core.search;

import static org.assertj.core.api.Assertions.assertThat;

import io.userstreams.core.Fixtures;
import io.userstreams.core.user.User;
import io.userstreams.core.user.UserValidator;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class ExternalVersionsTest {

    @Test
    void compositeGrowsWithEveryWriteAndADeleteBeatsEveryWriteOfItsIncarnation() {
        User v1 = Fixtures.user("u1");
        User v2 = v1.withVersion(2);
        User last = v1.withVersion(UserValidator.MAX_VERSION);
        assertThat(ExternalVersions.of(v1)).isEqualTo(Fixtures.T0.toEpochMilli() * (1L << 20) + 1);
        assertThat(ExternalVersions.of(v2)).isGreaterThan(ExternalVersions.of(v1));
        assertThat(ExternalVersions.forDelete(v2)).isGreaterThan(ExternalVersions.of(v2));
        assertThat(ExternalVersions.forDelete(last)).isGreaterThan(ExternalVersions.of(last)).isPositive();
    }

    @Test
    void aRecreatedUserBeatsTheOldTombstone() {
        User old = Fixtures.user("u1").withVersion(500_000);
        User recreated = new User("u1", "u1@example.com", "N", "free", "KR", "ko",
                Fixtures.T0.plusMillis(1), 1, old.expiresAt());
        assertThat(ExternalVersions.of(recreated)).isGreaterThan(ExternalVersions.forDelete(old));
    }

    @Test
    void fitsALongUntilFarAway() {
        User late = new User("u1", "u1@example.com", "N", "free", "KR", "ko",
                Instant.parse("2200-01-01T00:00:00Z"), UserValidator.MAX_VERSION, java.util.OptionalLong.empty());
        assertThat(ExternalVersions.forDelete(late)).isPositive();
    }

    @Test
    void itemsWithoutVersionUseExternalGte() {
        User noVersion = Fixtures.user("u1").withVersion(User.NO_VERSION);
        IndexOperation op = SearchIndexReaction.operation(new io.userstreams.core.reaction.UserChange(
                Fixtures.insert(noVersion), null, noVersion));
        assertThat(op.allowEqual()).isTrue();
        assertThat(op.version()).isEqualTo(Fixtures.T0.toEpochMilli() << 20);
        IndexOperation versioned = SearchIndexReaction.operation(new io.userstreams.core.reaction.UserChange(
                Fixtures.insert(Fixtures.user("u1")), null, Fixtures.user("u1")));
        assertThat(versioned.allowEqual()).isFalse();
    }
}
