package io.userstreams.lambda.api;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestHandler;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPResponse;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.userstreams.core.aws.AwsConnection;
import io.userstreams.core.aws.CallRecorder;
import io.userstreams.core.config.CoreSettings;
import io.userstreams.core.user.InvalidUserException;
import io.userstreams.core.user.User;
import io.userstreams.core.user.UserConflictException;
import io.userstreams.core.user.UserItems;
import io.userstreams.core.user.UserJson;
import io.userstreams.core.user.UserNotFoundException;
import io.userstreams.core.user.UserStore;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;

/**
 * Users API (API Gateway HTTP API, payload 2.0 → Lambda): create, read, update and delete users
 * with validation and versioned writes.
 *
 * <pre>
 * POST   /users            body: user JSON (version left out)       → 201 + Location, 400, 409 (exists)
 * GET    /users/{userId}                                            → 200 + ETag, 404
 * PUT    /users/{userId}   body: fields to change, "version" or If-Match → 200, 400, 404, 409 (version conflict)
 * PATCH  /users/{userId}   same as PUT
 * DELETE /users/{userId}   optional If-Match / ?version=            → 204, 404, 409
 * </pre>
 * 400 bodies list every field at fault: {@code {"message": "...", "errors": [{"field": "email", "reason": "..."}]}}.
 * The same handler serves the local API (io.userstreams.cli.LocalUsersApi) behind a JDK HTTP server.
 */
public final class UsersApiHandler implements RequestHandler<APIGatewayV2HTTPEvent, APIGatewayV2HTTPResponse> {

    private static final Logger log = LoggerFactory.getLogger(UsersApiHandler.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Map<String, String> JSON_HEADERS = Map.of("Content-Type", "application/json");

    /** The scope of this function's AWS calls in a {@link CallRecorder} recording. */
    public static final String CALL_SCOPE = "users-api";

    private final UserStore store;
    private final Clock clock;

    /** Lambda: the table and endpoints from the environment, a light HTTP client, built once per container. */
    public UsersApiHandler() {
        this(System.getenv());
    }

    /** The Lambda wiring for an environment (the integration tests pass the local stack's). */
    public UsersApiHandler(Map<String, String> env) {
        this(client(env), CoreSettings.fromEnvironment(env).usersTable());
    }

    public UsersApiHandler(DynamoDbClient dynamoDb, String usersTable) {
        this(new UserStore(dynamoDb, usersTable), Clock.systemUTC());
    }

    public UsersApiHandler(UserStore store, Clock clock) {
        this.store = store;
        this.clock = clock;
    }

    private static DynamoDbClient client(Map<String, String> env) {
        AwsConnection connection = AwsConnection.fromEnvironment(env);
        return connection.configure(CallRecorder.register(DynamoDbClient.builder()).httpClient(UrlConnectionHttpClient.create()),
                AwsConnection.Service.DYNAMODB).build();
    }

    @Override
    public APIGatewayV2HTTPResponse handleRequest(APIGatewayV2HTTPEvent event, Context context) {
        try (CallRecorder.Scope scope = CallRecorder.scope(CALL_SCOPE)) {
            return handle(event);
        }
    }

    private APIGatewayV2HTTPResponse handle(APIGatewayV2HTTPEvent event) {
        String method = method(event);
        List<String> path = pathSegments(event);
        long start = System.nanoTime();
        APIGatewayV2HTTPResponse response;
        try {
            response = route(method, path, event);
        } catch (UserJson.InvalidFieldsException e) {
            response = invalid(e.errors());
        } catch (InvalidUserException e) {
            response = invalid(List.of(new UserJson.FieldError(e.field(), e.reason())));
        } catch (UserNotFoundException e) {
            response = error(404, e.getMessage());
        } catch (UserConflictException e) {
            ObjectNode body = message(e.getMessage());
            e.currentVersion().ifPresent(v -> body.put("currentVersion", v));
            response = respond(409, body);
        } catch (BadRequest e) {
            response = error(400, e.getMessage());
        } catch (RuntimeException e) {
            log.atError().addKeyValue("method", method).addKeyValue("error", e.getClass().getName())
                    .setCause(e).log("users API request failed");
            response = error(500, "internal error: " + e.getClass().getSimpleName());
        }
        log.atInfo().addKeyValue("method", method).addKeyValue("route", routeOf(path))
                .addKeyValue("status", response.getStatusCode())
                .addKeyValue("durationMs", (System.nanoTime() - start) / 1_000_000)
                .log("users API request");
        return response;
    }

    private APIGatewayV2HTTPResponse route(String method, List<String> path, APIGatewayV2HTTPEvent event) {
        if (path.size() == 1) {
            if (method.equals("POST")) {
                User created = store.create(UserJson.forCreate(body(event), clock.instant()));
                APIGatewayV2HTTPResponse r = respond(201, UserJson.toJson(created));
                r.setHeaders(Map.of("Content-Type", "application/json", "Location", "/users/" + created.userId(),
                        "ETag", etag(created.version())));
                return r;
            }
            return methodNotAllowed("POST");
        }
        if (path.size() == 2) {
            String userId = path.get(1);
            switch (method) {
                case "GET": {
                    Map<String, software.amazon.awssdk.services.dynamodb.model.AttributeValue> item =
                            store.getItem(userId).orElseThrow(() -> new UserNotFoundException(userId));
                    User user = UserItems.fromItem(item);
                    APIGatewayV2HTTPResponse r = respond(200, UserJson.toJson(user));
                    r.setHeaders(Map.of("Content-Type", "application/json", "ETag", etag(user.version())));
                    return r;
                }
                case "PUT":
                case "PATCH": {
                    JsonNode body = body(event);
                    OptionalLong expected = expectedVersion(event, body);
                    User updated = store.update(userId, expected, current -> UserJson.applyUpdate(current, body));
                    APIGatewayV2HTTPResponse r = respond(200, UserJson.toJson(updated));
                    r.setHeaders(Map.of("Content-Type", "application/json", "ETag", etag(updated.version())));
                    return r;
                }
                case "DELETE": {
                    store.delete(userId, expectedVersion(event, null));
                    return APIGatewayV2HTTPResponse.builder().withStatusCode(204).withHeaders(Map.of()).build();
                }
                default:
                    return methodNotAllowed("GET, PUT, PATCH, DELETE");
            }
        }
        return error(404, "no route for " + method + " " + String.join("/", path)
                + ": use POST /users or GET|PUT|PATCH|DELETE /users/{userId}");
    }

    private static String method(APIGatewayV2HTTPEvent event) {
        if (event.getRequestContext() != null && event.getRequestContext().getHttp() != null
                && event.getRequestContext().getHttp().getMethod() != null) {
            return event.getRequestContext().getHttp().getMethod().toUpperCase(java.util.Locale.ROOT);
        }
        String routeKey = event.getRouteKey();
        return routeKey != null && routeKey.contains(" ") ? routeKey.substring(0, routeKey.indexOf(' ')) : "GET";
    }

    /** The path from "users" on (a stage prefix such as /prod is ignored); ids are URL-decoded. */
    static List<String> pathSegments(APIGatewayV2HTTPEvent event) {
        String raw = event.getRawPath() == null ? "" : event.getRawPath();
        String[] parts = raw.split("/");
        java.util.ArrayList<String> segments = new java.util.ArrayList<>();
        boolean started = false;
        for (String p : parts) {
            if (p.isEmpty()) continue;
            if (!started && p.equals("users")) started = true;
            if (started) segments.add(URLDecoder.decode(p, StandardCharsets.UTF_8));
        }
        Map<String, String> params = event.getPathParameters();
        if (params != null && params.get("userId") != null && segments.size() == 1) {
            segments.add(params.get("userId"));
        }
        return segments;
    }

    private static String routeOf(List<String> path) {
        return path.isEmpty() ? "?" : path.size() == 1 ? "/users" : "/users/{userId}";
    }

    private static JsonNode body(APIGatewayV2HTTPEvent event) {
        String body = event.getBody();
        if (body == null || body.isBlank()) {
            throw new BadRequest("request body is missing: send a JSON object");
        }
        if (event.getIsBase64Encoded()) {
            body = new String(Base64.getDecoder().decode(body), StandardCharsets.UTF_8);
        }
        try {
            return JSON.readTree(body);
        } catch (JsonProcessingException e) {
            throw new BadRequest("request body is not valid JSON: " + e.getOriginalMessage());
        }
    }

    private static OptionalLong expectedVersion(APIGatewayV2HTTPEvent event, JsonNode body) {
        Optional<String> ifMatch = header(event, "if-match");
        if (ifMatch.isPresent()) {
            return OptionalLong.of(parseVersion(ifMatch.get().replace("\"", "").replace("W/", "").trim(), "If-Match"));
        }
        Map<String, String> query = event.getQueryStringParameters();
        if (query != null && query.get("version") != null) {
            return OptionalLong.of(parseVersion(query.get("version"), "version"));
        }
        return body == null ? OptionalLong.empty() : UserJson.expectedVersion(body);
    }

    private static long parseVersion(String text, String where) {
        try {
            return Long.parseLong(text);
        } catch (NumberFormatException e) {
            throw new BadRequest(where + " must be a version number, was '" + text + "'");
        }
    }

    private static Optional<String> header(APIGatewayV2HTTPEvent event, String name) {
        if (event.getHeaders() == null) {
            return Optional.empty();
        }
        return event.getHeaders().entrySet().stream().filter(e -> e.getKey().equalsIgnoreCase(name))
                .map(Map.Entry::getValue).findFirst();
    }

    private static String etag(long version) {
        return "\"" + version + "\"";
    }

    private static APIGatewayV2HTTPResponse invalid(List<UserJson.FieldError> errors) {
        ObjectNode body = message("invalid user: " + String.join(", ",
                errors.stream().map(e -> e.field() + " " + e.reason()).toList()));
        ArrayNode list = body.putArray("errors");
        errors.forEach(e -> list.addObject().put("field", e.field()).put("reason", e.reason()));
        return respond(400, body);
    }

    private static APIGatewayV2HTTPResponse methodNotAllowed(String allowed) {
        APIGatewayV2HTTPResponse r = error(405, "method not allowed; use " + allowed);
        r.setHeaders(Map.of("Content-Type", "application/json", "Allow", allowed));
        return r;
    }

    private static APIGatewayV2HTTPResponse error(int status, String message) {
        return respond(status, message(message));
    }

    private static ObjectNode message(String message) {
        ObjectNode n = JSON.createObjectNode();
        n.put("message", message);
        return n;
    }

    private static APIGatewayV2HTTPResponse respond(int status, JsonNode body) {
        return APIGatewayV2HTTPResponse.builder().withStatusCode(status).withHeaders(JSON_HEADERS)
                .withBody(body.toString()).build();
    }

    /** A request the handler cannot read (HTTP 400). */
    static final class BadRequest extends RuntimeException {
        BadRequest(String message) {
            super(message, null, false, false);
        }
    }
}
