package io.userstreams.localstack.opensearch;

import java.nio.file.Path;
import java.util.Optional;

/**
 * Child-JVM entry point for {@link OpenSearchLifecycleTest}: starts a node, prints
 * {@code READY <pid> <port> <version>} and waits to be terminated or killed.
 */
public final class NodeHolder {

    private NodeHolder() {
    }

    public static void main(String[] args) throws Exception {
        Path stateRoot = Path.of(args[0]);
        Path jdk17 = Path.of(args[1]);
        OpenSearchNode.Config config = OpenSearchNode.Config.forTests().withStateRoot(stateRoot);
        // the small 2.19.6 node on JDK 17: also proves the no-JDK-21 fallback really runs
        OpenSearchNode node = OpenSearchNode.start(config, DistributionChoice.choose(Optional.empty(), jdk17, 17));
        System.out.println("READY " + node.pid() + " " + node.endpoint().getPort() + " " + node.version());
        System.out.flush();
        Thread.sleep(Long.MAX_VALUE);
    }
}
