package io.userstreams.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code stack} in its own JVM (it runs until stopped): starts, answers, stops on SIGTERM. */
class StackCommandTest {

    private static String freePort() throws java.io.IOException {
        try (java.net.ServerSocket s = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return Integer.toString(s.getLocalPort());
        }
    }

    @Test
    void stackStartsTheLocalStackAndStopsOnSigterm(@TempDir Path state) throws Exception {
        String cp = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> cmd = new ArrayList<>(List.of(java, "-Xmx384m", "-cp", cp, "io.userstreams.cli.Main", "stack",
                "--dynamodb-port", freePort(), "--sqs-port", freePort(), "--sns-port", freePort(), "--ses-port", freePort(), "--smtp-port", freePort(), "--imap-port", freePort(),
                "--no-opensearch",
                "--state-dir", state.toString()));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        try {
            BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
            URI dynamoDb = null;
            Pattern ddb = Pattern.compile("DynamoDB \\(\\+ Streams\\):\\s+(\\S+)");
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(150);
            String line;
            StringBuilder log = new StringBuilder();
            while (System.nanoTime() < deadline && (line = out.readLine()) != null) {
                log.append(line).append('\n');
                Matcher m = ddb.matcher(line);
                if (m.find()) dynamoDb = URI.create(m.group(1));
                if (line.contains("Running.")) break;
            }
            assertThat(dynamoDb).as(log.toString()).isNotNull();
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress(dynamoDb.getHost(), dynamoDb.getPort()), 2000);
            }
            // The CLI works against it.
            Cli.Run put = Cli.raw("users", "put", "--id", "u-stack", "--email", "s@example.com", "--name", "S",
                    "--endpoint", dynamoDb.toString());
            assertThat(put.exit()).as(put.toString()).isZero();
            p.destroy(); // SIGTERM: the stack's shutdown hook stops every server
            assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
        } finally {
            p.destroyForcibly();
        }
    }
}
