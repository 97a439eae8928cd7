package io.wanpipeline.infra.batch;

import io.wanpipeline.schemas.commands.RequestCommands;
import java.nio.file.Path;
import java.util.Optional;
import picocli.CommandLine.Option;

/** The options every cancel command takes: where the pipeline is, why, and who asks. */
public final class CancelOptions {
  @Option(
      names = "--config",
      required = true,
      description =
          "Properties file with kafka.bootstrap.servers, schema-registry.url and topics.prefix;"
              + " WAN_PIPELINE_* variables override it.")
  Path config;

  @Option(names = "--reason", description = "Why (at most 500 characters); in the CANCELED events.")
  String reason;

  @Option(
      names = "--requested-by",
      description = "Who asks (at most 255 characters; default: the user name).")
  String requestedBy = System.getProperty("user.name");

  /** The properties file. */
  public Path config() {
    return config;
  }

  /** The reason, or null. */
  public String reason() {
    return reason;
  }

  /** Who asks, or null. */
  public String requestedBy() {
    return requestedBy;
  }

  /** What is wrong with the options (a text over its limit), or empty. */
  public Optional<String> problem() {
    if (reason != null && reason.length() > RequestCommands.MAX_REASON) {
      return Optional.of("--reason is longer than " + RequestCommands.MAX_REASON + " characters");
    }
    if (requestedBy != null && requestedBy.length() > RequestCommands.MAX_REQUESTED_BY) {
      return Optional.of(
          "--requested-by is longer than " + RequestCommands.MAX_REQUESTED_BY + " characters");
    }
    return Optional.empty();
  }
}
