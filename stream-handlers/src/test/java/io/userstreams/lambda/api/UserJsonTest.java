package io.userstreams.lambda.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPEvent;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.userstreams.core.user.User;
import io.userstreams.core.user.UserJson;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Validation and routing of the users API without a server (the end-to-end test is cli's UsersApiTest). */
class UserJsonTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Instant NOW = Instant.parse("2026-11-25T00:00:00Z");

    @Test
    void createReportsEveryBadFieldAtOnce() throws Exception {
        assertThatThrownBy(() -> UserJson.forCreate(JSON.readTree(
                "{\"email\":\"nope\",\"name\":\"\",\"plan\":\"gold\",\"country\":\"kr\",\"locale\":\"xx-YY\",\"extra\":1}"), NOW))
                .isInstanceOfSatisfying(UserJson.InvalidFieldsException.class, e -> assertThat(
                        e.errors().stream().map(UserJson.FieldError::field))
                        .containsExactlyInAnyOrder("extra", "userId", "email", "name", "plan", "country", "locale"));
    }

    @Test
    void createDefaultsCreatedAtAndStartsAtVersionOne() throws Exception {
        User u = UserJson.forCreate(JSON.readTree("{\"userId\":\"u-1\",\"email\":\"a@example.com\",\"name\":\"이서연\","
                + "\"plan\":\"pro\",\"country\":\"KR\",\"locale\":\"ko-KR\"}"), NOW);
        assertThat(u.createdAt()).isEqualTo(NOW);
        assertThat(u.version()).isEqualTo(1);
        assertThat(UserJson.toJson(u).path("name").asText()).isEqualTo("이서연");
    }

    @Test
    void updateChangesOnlyGivenFieldsAndRefusesKeyChanges() throws Exception {
        User current = UserJson.forCreate(JSON.readTree("{\"userId\":\"u-1\",\"email\":\"a@example.com\",\"name\":\"A\","
                + "\"plan\":\"free\",\"country\":\"US\",\"locale\":\"en\"}"), NOW);
        User next = UserJson.applyUpdate(current, JSON.readTree("{\"plan\":\"enterprise\",\"version\":1}"));
        assertThat(next.plan()).isEqualTo("enterprise");
        assertThat(next.email()).isEqualTo("a@example.com");
        assertThat(UserJson.expectedVersion(JSON.readTree("{\"version\":1}"))).hasValue(1);
        assertThatThrownBy(() -> UserJson.applyUpdate(current, JSON.readTree("{\"userId\":\"u-2\",\"createdAt\":\"x\"}")))
                .isInstanceOfSatisfying(UserJson.InvalidFieldsException.class, e -> assertThat(
                        e.errors().stream().map(UserJson.FieldError::field)).containsExactlyInAnyOrder("userId", "createdAt"));
    }

    @Test
    void pathSegmentsIgnoreAStagePrefixAndDecodeIds() {
        APIGatewayV2HTTPEvent e = APIGatewayV2HTTPEvent.builder().withRawPath("/prod/users/u%2F1").build();
        assertThat(UsersApiHandler.pathSegments(e)).containsExactly("users", "u/1");
        APIGatewayV2HTTPEvent p = APIGatewayV2HTTPEvent.builder().withRawPath("/users")
                .withPathParameters(Map.of("userId", "u-9")).build();
        assertThat(UsersApiHandler.pathSegments(p)).containsExactly("users", "u-9");
    }

    @Test
    void createRefusesACreatedAtOutsideTheVersionSchemesRange() throws Exception {
        for (String createdAt : new String[] {"1969-12-31T23:59:59Z", "2249-01-01T00:00:00Z"}) {
            assertThatThrownBy(() -> UserJson.forCreate(JSON.readTree("{\"userId\":\"u-1\",\"email\":\"a@example.com\","
                    + "\"name\":\"A\",\"plan\":\"pro\",\"country\":\"KR\",\"locale\":\"ko\",\"createdAt\":\""
                    + createdAt + "\"}"), NOW))
                    .isInstanceOfSatisfying(UserJson.InvalidFieldsException.class, e -> assertThat(e.errors())
                            .anySatisfy(err -> {
                                assertThat(err.field()).isEqualTo("createdAt");
                                assertThat(err.reason()).contains("between 1970-01-01T00:00:00Z and 2248");
                            }));
        }
    }
}
