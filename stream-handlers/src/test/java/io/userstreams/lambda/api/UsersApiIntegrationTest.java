package io.userstreams.lambda.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPResponse;
import io.userstreams.lambda.StackState;
import io.userstreams.localstack.LocalStack;
import io.userstreams.localstack.LocalStackExtension;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The users API function wired as in Lambda ({@link UsersApiHandler#UsersApiHandler(Map)}) against the
 * local stack: every route once, so its AWS calls are recorded for the template's permission check.
 */
@ExtendWith(LocalStackExtension.class)
class UsersApiIntegrationTest {

    final StackState state;

    UsersApiIntegrationTest(LocalStack stack) {
        this.state = new StackState(stack);
    }

    @BeforeEach
    void reset() {
        state.reset();
    }

    @Test
    void everyRouteAgainstTheLocalTable() {
        UsersApiHandler api = new UsersApiHandler(state.environment());
        String user = "{\"userId\":\"api-1\",\"email\":\"api-1@example.com\",\"name\":\"A\",\"plan\":\"free\","
                + "\"country\":\"DE\",\"locale\":\"de-DE\"}";
        assertThat(api.handleRequest(request("POST", "/users", user, null), null).getStatusCode()).isEqualTo(201);
        assertThat(api.handleRequest(request("POST", "/users", user, null), null).getStatusCode()).isEqualTo(409);
        APIGatewayV2HTTPResponse got = api.handleRequest(request("GET", "/users/api-1", null, null), null);
        assertThat(got.getStatusCode()).isEqualTo(200);
        assertThat(got.getBody()).contains("\"version\":1");
        assertThat(api.handleRequest(request("PATCH", "/users/api-1", "{\"plan\":\"pro\"}", "1"), null)
                .getStatusCode()).isEqualTo(200);
        assertThat(api.handleRequest(request("PUT", "/users/api-1", "{\"plan\":\"team\"}", "1"), null)
                .getStatusCode()).isEqualTo(409);
        assertThat(api.handleRequest(request("DELETE", "/users/api-1", null, "2"), null).getStatusCode()).isEqualTo(204);
        assertThat(api.handleRequest(request("GET", "/users/api-1", null, null), null).getStatusCode()).isEqualTo(404);
    }

    private static APIGatewayV2HTTPEvent request(String method, String path, String body, String ifMatch) {
        return APIGatewayV2HTTPEvent.builder()
                .withRawPath(path)
                .withRouteKey(method + " " + path)
                .withBody(body)
                .withHeaders(ifMatch == null ? Map.of() : Map.of("if-match", "\"" + ifMatch + "\""))
                .withRequestContext(APIGatewayV2HTTPEvent.RequestContext.builder()
                        .withHttp(APIGatewayV2HTTPEvent.RequestContext.Http.builder().withMethod(method).build())
                        .build())
                .build();
    }
}
