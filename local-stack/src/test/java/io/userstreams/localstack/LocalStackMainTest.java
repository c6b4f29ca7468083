package io.userstreams.localstack;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.userstreams.localstack.LocalStackOptions.Server;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.junit.jupiter.api.Test;

class LocalStackMainTest {

    @Test
    void standalonePortsByDefaultEnvironmentThenFlagsOverride() throws Exception {
        LocalStackOptions defaults = LocalStackMain.parse(new String[0], Map.of());
        assertThat(defaults.port(Server.DYNAMODB)).isEqualTo(8000);
        assertThat(defaults.port(Server.SQS)).isEqualTo(9324);
        assertThat(defaults.port(Server.SNS)).isEqualTo(9911);
        assertThat(defaults.port(Server.OPENSEARCH)).isEqualTo(9200);
        assertThat(defaults.openSearch()).isTrue();
        assertThat(defaults.stateDir()).hasValueSatisfying(p -> assertThat(p.getFileName().toString()).isEqualTo(".user-streams"));

        LocalStackOptions custom = LocalStackMain.parse(
                new String[] {"--dynamodb-port", "18000", "--sns-port=19911", "--no-opensearch"},
                Map.of("DYNAMODB_PORT", "28000", "SQS_PORT", "29324"));
        assertThat(custom.port(Server.DYNAMODB)).isEqualTo(18000);
        assertThat(custom.port(Server.SQS)).isEqualTo(29324);
        assertThat(custom.port(Server.SNS)).isEqualTo(19911);
        assertThat(custom.openSearch()).isFalse();

        LocalStackOptions db = LocalStackMain.parse(new String[] {"--db-path", "target/db", "--dynamodb-shards=4"}, Map.of());
        assertThat(db.dynamoDbDataDir()).hasValueSatisfying(p -> assertThat(p.isAbsolute() && p.endsWith("target/db")).isTrue());
        assertThat(db.dynamoDbShards()).isEqualTo(4);
        assertThat(defaults.dynamoDbDataDir()).isEmpty();
        assertThat(defaults.dynamoDbShards()).isEqualTo(1);
        assertThat(run(new String[] {"--dynamodb-shards", "0"}, Map.of()).code).isEqualTo(2);
    }

    @Test
    void badUsageExitsWithTwoAndSaysWhy() {
        assertThat(run(new String[] {"--dynamodb-port", "eighty"}, Map.of()).code).isEqualTo(2);
        Result r = run(new String[] {"--frobnicate"}, Map.of());
        assertThat(r.code).isEqualTo(2);
        assertThat(r.err).contains("unknown option --frobnicate").contains("--sqs-port N");
        assertThatThrownBy(() -> LocalStackMain.parse(new String[0], Map.of("SNS_PORT", "70000")))
                .hasMessageContaining("SNS_PORT must be a port between 1 and 65535");
    }

    @Test
    void aTakenPortExitsWithOneNamingThePortAndTheOption() throws Exception {
        try (ServerSocket taken = new ServerSocket()) {
            taken.bind(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), 0));
            int port = taken.getLocalPort();
            Result r = run(new String[] {"--no-opensearch", "--sqs-port", Integer.toString(port)}, Map.of());
            assertThat(r.code).isEqualTo(1);
            assertThat(r.err).contains("port " + port + " (ElasticMQ (SQS)) is in use: stop what uses it or pass "
                    + "--sqs-port / SQS_PORT");
        }
    }

    private record Result(int code, String out, String err) {
    }

    private static Result run(String[] args, Map<String, String> env) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = LocalStackMain.run(args, env, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8), false);
        return new Result(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }
}
