package io.wanpipeline.runtime.management;

import io.wanpipeline.runtime.config.ConfigException;
import io.wanpipeline.runtime.config.Settings;

/**
 * Where a service serves {@code /healthz}, {@code /readyz} and {@code /metrics}.
 *
 * <ul>
 *   <li>{@code management.port} [{@value #DEFAULT_PORT}]: the port; 0 takes a free one (tests, the
 *       local stack), -1 serves nothing.
 *   <li>{@code management.host} [{@code 0.0.0.0}]: the address it binds.
 * </ul>
 *
 * @param host the address to bind
 * @param port the port, 0 for a free one, -1 for none
 */
public record ManagementSettings(String host, int port) {
  /** The default port: the Prometheus exporters' customary 9464. */
  public static final int DEFAULT_PORT = 9464;

  /** No endpoint at all. */
  public static final ManagementSettings OFF = new ManagementSettings("127.0.0.1", -1);

  public ManagementSettings {
    if (port < -1 || port > 65_535) {
      throw new ConfigException("management.port: must be -1 (off) or 0 to 65535, got " + port);
    }
    if (host == null || host.isBlank()) {
      throw new ConfigException("management.host: must not be empty");
    }
  }

  /** Reads {@code management.*} from {@code s}. */
  public static ManagementSettings from(Settings s) {
    return new ManagementSettings(
        s.string("management.host", "0.0.0.0"), s.integer("management.port", DEFAULT_PORT));
  }

  /** Whether an endpoint is served. */
  public boolean enabled() {
    return port >= 0;
  }
}
