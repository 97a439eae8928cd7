package io.wanpipeline.infra.batch;

import java.net.URI;
import picocli.CommandLine.Option;

/** The {@code --status-url} option of every command that reads the status view. */
public final class StatusViewOption {
  @Option(
      names = "--status-url",
      defaultValue = "http://localhost:8080",
      description = "Base URL of the status view (default: ${DEFAULT-VALUE}).")
  URI statusUrl;

  /** The status view's base URL. */
  public URI url() {
    return statusUrl;
  }
}
