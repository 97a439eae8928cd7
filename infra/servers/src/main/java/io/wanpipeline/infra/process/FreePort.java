package io.wanpipeline.infra.process;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Picks a TCP port on 127.0.0.1 that is free at the time of the call. A port the OS picks ({@link
 * #pick()}) lies in the ephemeral range, where outgoing connections take their local ports too:
 * fine for a server bound at once, not for one that must come back on the same port after an outage
 * ({@link #pickForRestarts()}).
 */
public final class FreePort {
  private FreePort() {}

  /** A port nobody listens on right now; a child process is expected to bind it soon after. */
  public static int pick() {
    try (ServerSocket socket = new ServerSocket()) {
      socket.setReuseAddress(true);
      socket.bind(new InetSocketAddress("127.0.0.1", 0));
      return socket.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException("no free port on 127.0.0.1", e);
    }
  }

  /**
   * A free port below the OS's ephemeral range ({@code /proc/sys/net/ipv4/ip_local_port_range},
   * 32768 when unreadable), so that no outgoing connection can take it while its server is down:
   * for servers a test stops and starts again on the same port. The fault suite's registry lost its
   * port to another socket between pick and bind when picked from the ephemeral range.
   */
  public static int pickForRestarts() {
    int below = ephemeralLow();
    ThreadLocalRandom random = ThreadLocalRandom.current();
    for (int attempt = 0; attempt < 200; attempt++) {
      int port = random.nextInt(10_000, below);
      try (ServerSocket socket = new ServerSocket()) {
        socket.setReuseAddress(true);
        socket.bind(new InetSocketAddress("127.0.0.1", port));
        return port;
      } catch (IOException taken) {
        // try another
      }
    }
    throw new UncheckedIOException(
        new IOException("no free port on 127.0.0.1 between 10000 and " + below));
  }

  private static int ephemeralLow() {
    try {
      String range = Files.readString(Path.of("/proc/sys/net/ipv4/ip_local_port_range")).trim();
      int low = Integer.parseInt(range.split("\\s+")[0]);
      return low > 10_100 ? low : 32_768;
    } catch (IOException | RuntimeException e) {
      return 32_768;
    }
  }
}
