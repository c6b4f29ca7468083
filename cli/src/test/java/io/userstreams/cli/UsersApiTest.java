package io.userstreams.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.userstreams.localstack.LocalStack;
import io.userstreams.testkit.TestKit;
import io.userstreams.testkit.UserStreamsExtension;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(UserStreamsExtension.class)
class UsersApiTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private final HttpClient http = HttpClient.newHttpClient();

    private HttpResponse<String> send(LocalUsersApi api, String method, String path, String body, String ifMatch)
            throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(api.endpoint() + path))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body))
                .header("Content-Type", "application/json");
        if (ifMatch != null) b.header("If-Match", ifMatch);
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void crudWithValidationAndStatusCodes(LocalStack stack, TestKit kit) throws Exception {
        try (LocalUsersApi api = LocalUsersApi.start(0, stack.dynamoDb(), "users")) {
            String kim = "{\"userId\":\"u-kim\",\"email\":\"kim@example.com\",\"name\":\"김민준\",\"plan\":\"pro\","
                    + "\"country\":\"KR\",\"locale\":\"ko\"}";
            HttpResponse<String> created = send(api, "POST", "/users", kim, null);
            assertThat(created.statusCode()).isEqualTo(201);
            assertThat(created.headers().firstValue("Location")).hasValue("/users/u-kim");
            assertThat(JSON.readTree(created.body()).path("version").asLong()).isEqualTo(1);

            assertThat(send(api, "POST", "/users", kim, null).statusCode()).isEqualTo(409);

            // every bad field named at once
            HttpResponse<String> invalid = send(api, "POST", "/users",
                    "{\"email\":\"not-an-email\",\"name\":\"A\",\"plan\":\"gold\",\"country\":\"KR\",\"locale\":\"ko\"}", null);
            assertThat(invalid.statusCode()).isEqualTo(400);
            JsonNode errors = JSON.readTree(invalid.body()).path("errors");
            assertThat(errors.findValuesAsText("field")).containsExactlyInAnyOrder("userId", "email", "plan");
            assertThat(send(api, "POST", "/users", "{not json", null).statusCode()).isEqualTo(400);

            HttpResponse<String> got = send(api, "GET", "/users/u-kim", null, null);
            assertThat(got.statusCode()).isEqualTo(200);
            assertThat(JSON.readTree(got.body()).path("name").asText()).isEqualTo("김민준");
            assertThat(got.headers().firstValue("ETag")).hasValue("\"1\"");
            assertThat(send(api, "GET", "/users/u-nobody", null, null).statusCode()).isEqualTo(404);

            HttpResponse<String> updated = send(api, "PUT", "/users/u-kim", "{\"plan\":\"enterprise\"}", "\"1\"");
            assertThat(updated.statusCode()).isEqualTo(200);
            assertThat(JSON.readTree(updated.body()).path("version").asLong()).isEqualTo(2);
            // stale If-Match: the version conflict is a 409 with the current version
            HttpResponse<String> stale = send(api, "PATCH", "/users/u-kim", "{\"plan\":\"free\"}", "\"1\"");
            assertThat(stale.statusCode()).isEqualTo(409);
            assertThat(JSON.readTree(stale.body()).path("currentVersion").asLong()).isEqualTo(2);
            HttpResponse<String> badUpdate = send(api, "PUT", "/users/u-kim", "{\"email\":\"nope\"}", null);
            assertThat(badUpdate.statusCode()).isEqualTo(400);
            assertThat(JSON.readTree(badUpdate.body()).path("errors").findValuesAsText("field")).containsExactly("email");
            assertThat(send(api, "PUT", "/users/u-nobody", "{\"plan\":\"pro\"}", null).statusCode()).isEqualTo(404);

            assertThat(send(api, "DELETE", "/users/u-kim", null, "\"1\"").statusCode()).isEqualTo(409);
            assertThat(send(api, "DELETE", "/users/u-kim", null, null).statusCode()).isEqualTo(204);
            assertThat(send(api, "DELETE", "/users/u-kim", null, null).statusCode()).isEqualTo(404);
            assertThat(send(api, "GET", "/users/u-kim", null, null).statusCode()).isEqualTo(404);
            assertThat(send(api, "GET", "/orders", null, null).statusCode()).isEqualTo(404);
            assertThat(send(api, "DELETE", "/users", null, null).statusCode()).isEqualTo(405);
            assertThat(kit.effects().tableUsers()).isEmpty();
        }
    }
}
