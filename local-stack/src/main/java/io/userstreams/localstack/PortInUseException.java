package io.userstreams.localstack;

import io.userstreams.localstack.LocalStackOptions.Server;
import java.util.List;
import java.util.stream.Collectors;

/**
 * A port the stack needs is taken. The message names each port, its server and the flag and
 * variable that move it, e.g. "port 8000 (DynamoDB) is in use: stop what uses it or pass
 * --dynamodb-port / DYNAMODB_PORT".
 */
public final class PortInUseException extends LocalStackException {

    /** One taken port. */
    public record Conflict(Server server, int port) {
        String describe() {
            return "port " + port + " (" + server.displayName() + ") is in use: stop what uses it or pass "
                    + server.flag() + " / " + server.variable();
        }
    }

    private final List<Conflict> conflicts;

    public PortInUseException(List<Conflict> conflicts) {
        super(conflicts.stream().map(Conflict::describe).collect(Collectors.joining("; ")));
        this.conflicts = List.copyOf(conflicts);
    }

    public List<Conflict> conflicts() {
        return conflicts;
    }
}
