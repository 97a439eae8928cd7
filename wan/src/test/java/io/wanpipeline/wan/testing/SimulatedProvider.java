package io.wanpipeline.wan.testing;

import io.wanpipeline.infra.simulator.WanSimulator;
import io.wanpipeline.wan.dashscope.DashScopeClient;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HexFormat;

/** The clients' side of a {@link WanSimulator}: a native client of it, and video checksums. */
public final class SimulatedProvider {
  private SimulatedProvider() {}

  /** A native (DashScope) client of {@code simulator}, with short timeouts for tests. */
  public static DashScopeClient dashScopeClient(WanSimulator simulator) {
    return DashScopeClient.builder()
        .baseUrl(simulator.baseUrl())
        .connectTimeout(Duration.ofSeconds(2))
        .requestTimeout(Duration.ofSeconds(5))
        .build();
  }

  /** The SHA-256 of {@code bytes} in lower-case hex, as the simulator reports a video's. */
  public static String sha256(byte[] bytes) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JVM has SHA-256", e);
    }
  }
}
