package io.userstreams.localstack;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;

/** TCP port checks shared by the stack and the OpenSearch launcher. */
public final class Ports {

    private Ports() {
    }

    /** True when a server could bind host:port now. */
    public static boolean isFree(String host, int port) {
        try (ServerSocket socket = new ServerSocket()) {
            // As the servers bind: connections left in TIME_WAIT by a stack just stopped do not block a restart,
            // while any listener on the port (127.0.0.1, 0.0.0.0 or ::) still makes the bind fail.
            socket.setReuseAddress(true);
            socket.bind(new InetSocketAddress(InetAddress.getByName(host), port));
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    /** A port free on host right now (the OS picks it). */
    public static int freePort(String host) {
        try (ServerSocket socket = new ServerSocket()) {
            socket.bind(new InetSocketAddress(InetAddress.getByName(host), 0));
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new IllegalStateException("no free TCP port on " + host + ": " + e.getMessage(), e);
        }
    }
}
