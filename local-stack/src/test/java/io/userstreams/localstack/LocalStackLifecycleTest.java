package io.userstreams.localstack;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.userstreams.localstack.LocalStackOptions.Server;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Start-up failures and shutdown, each with a stack of its own (not the shared one). */
class LocalStackLifecycleTest {

    @Test
    void portInUseFailsBeforeAnythingStartsAndNamesPortAndOption() throws IOException {
        Set<Long> childrenBefore = children();
        int sqsPort = Ports.freePort("127.0.0.1");
        int snsPort = Ports.freePort("127.0.0.1");
        try (ServerSocket taken = new ServerSocket()) {
            taken.bind(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), 0));
            int port = taken.getLocalPort();
            long t = System.nanoTime();
            LocalStackOptions options = LocalStackOptions.forTestsBuilder()
                    .dynamoDbPort(port).sqsPort(sqsPort).snsPort(snsPort).openSearch(true).build();

            assertThatThrownBy(() -> LocalStack.start(options))
                    .isInstanceOf(PortInUseException.class)
                    .hasMessage("port " + port + " (DynamoDB) is in use: stop what uses it or pass "
                            + "--dynamodb-port / DYNAMODB_PORT");
            assertThat(System.nanoTime() - t).as("failed before starting any server").isLessThan(2_000_000_000L);
        }
        assertThat(listening(sqsPort)).isFalse();
        assertThat(listening(snsPort)).isFalse();
        assertThat(children()).isEqualTo(childrenBefore);
    }

    @Test
    void everyTakenPortIsReportedAtOnce() throws IOException {
        try (ServerSocket a = bindAny(); ServerSocket b = bindAny()) {
            LocalStackOptions options = LocalStackOptions.forTestsBuilder()
                    .sqsPort(a.getLocalPort()).openSearchPort(b.getLocalPort()).build();
            assertThatThrownBy(() -> LocalStack.start(options))
                    .isInstanceOfSatisfying(PortInUseException.class, e -> assertThat(e.conflicts())
                            .extracting(PortInUseException.Conflict::server)
                            .containsExactly(Server.SQS, Server.OPENSEARCH))
                    .hasMessageContaining("--sqs-port / SQS_PORT")
                    .hasMessageContaining("--opensearch-port / OPENSEARCH_PORT");
        }
    }

    @Test
    void aFailureAfterServersStartedStopsThemAll(@TempDir Path dir) throws IOException {
        Set<Long> childrenBefore = children();
        Path template = dir.resolve("broken.yaml");
        Files.writeString(template, "Resources:\n  UsersTable:\n    Type: AWS::DynamoDB::Table\n"
                + "    Properties:\n      KeySchema: [{ AttributeName: !Ref Param, KeyType: HASH }]\n");
        List<Integer> ports = List.of(Ports.freePort("127.0.0.1"), Ports.freePort("127.0.0.1"),
                Ports.freePort("127.0.0.1"));
        // OpenSearch on: it is still starting when the template fails, and must not outlive the failure.
        LocalStackOptions options = LocalStackOptions.forTestsBuilder().openSearch(true)
                .dynamoDbPort(ports.get(0)).sqsPort(ports.get(1)).snsPort(ports.get(2))
                .template(template.toUri().toURL()).build();

        long t = System.nanoTime();
        assertThatThrownBy(() -> LocalStack.start(options))
                .hasMessageContaining("UsersTable")
                .hasMessageContaining("AttributeName must be a plain value");
        System.out.println("[local-stack] failed start cleaned up in " + (System.nanoTime() - t) / 1_000_000 + " ms");
        assertThat(ports.stream().filter(LocalStackLifecycleTest::listening).collect(Collectors.toList()))
                .as("ports still listening after the failed start").isEmpty();
        assertThat(children()).as("child processes after the failed start").isSubsetOf(childrenBefore);
    }

    @Test
    void aStoppedStackCanRestartOnTheSamePortsAtOnce() {
        LocalStackOptions options = LocalStackOptions.forTestsBuilder().openSearch(false)
                .dynamoDbPort(Ports.freePort("127.0.0.1")).sqsPort(Ports.freePort("127.0.0.1"))
                .snsPort(Ports.freePort("127.0.0.1")).build();
        LocalStack first = LocalStack.start(options);
        // Clients the stack does not own (a CLI, a consumer) still hold connections while it stops;
        // the restart on the same ports must work at once all the same.
        try (var dynamoDb = LocalClients.dynamoDb(first.dynamoDbEndpoint(), "us-east-1");
                var sqs = LocalClients.sqs(first.sqsEndpoint(), "us-east-1");
                var sns = LocalClients.sns(first.snsEndpoint(), "us-east-1")) {
            dynamoDb.listTables();
            sqs.listQueues();
            sns.listTopics();
            first.close();
        }
        try (LocalStack second = LocalStack.start(options)) {
            assertThat(second.dynamoDb().listTables().tableNames()).contains("users");
            assertThat(second.dynamoDbEndpoint().getPort()).isEqualTo(options.port(Server.DYNAMODB));
        }
    }

    @Test
    void closeStopsEveryServerAndChildProcessAndCanBeRepeated() throws IOException {
        // Other test classes may share this JVM's stack (and its OpenSearch child): only new children count.
        Set<Long> childrenBefore = children();
        LocalStackOptions options = LocalStackOptions.forTestsBuilder().openSearch(true).build();
        LocalStack stack = LocalStack.start(options);
        List<Integer> ports;
        try {
            System.out.println("[local-stack] " + stack.startupSummary());
            ports = List.of(stack.dynamoDbEndpoint().getPort(), stack.sqsEndpoint().getPort(),
                    stack.snsEndpoint().getPort(), stack.openSearchEndpoint().getPort());
            assertThat(ports).allMatch(LocalStackLifecycleTest::listening);
            assertThat(stack.startupTimes()).containsKeys("dynamodb", "sqs", "sns", "opensearch", "tables", "messaging", "index");
            long pid = stack.openSearchNode().orElseThrow().pid();
            assertThat(ProcessHandle.current().descendants().map(ProcessHandle::pid)).contains(pid);
            stack.dynamoDb().listTables();
        } finally {
            stack.close();
        }
        assertThat(ports.stream().filter(LocalStackLifecycleTest::listening).collect(Collectors.toList()))
                .as("ports still listening after close").isEmpty();
        assertThat(ProcessHandle.current().descendants().filter(ProcessHandle::isAlive)
                .filter(p -> !childrenBefore.contains(p.pid()))
                .map(p -> p.pid() + " " + p.info().commandLine().orElse("?")).collect(Collectors.toList()))
                .as("child processes after close").isEmpty();
        stack.close(); // idempotent
        assertThatThrownBy(stack::dynamoDb).hasMessageContaining("closed");
    }

    private static Set<Long> children() {
        return ProcessHandle.current().descendants().filter(ProcessHandle::isAlive).map(ProcessHandle::pid)
                .collect(Collectors.toSet());
    }

    private static ServerSocket bindAny() throws IOException {
        ServerSocket s = new ServerSocket();
        s.bind(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), 0));
        return s;
    }

    static boolean listening(int port) {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", port), 1000);
            return true;
        } catch (IOException e) {
            return false;
        }
    }
}
