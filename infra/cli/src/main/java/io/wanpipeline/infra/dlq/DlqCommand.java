package io.wanpipeline.infra.dlq;

import io.wanpipeline.runtime.config.KafkaSettings;
import io.wanpipeline.runtime.config.Settings;
import io.wanpipeline.schemas.topics.TopicNames;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code wan-pipeline dlq ...}: look at the dead-letter topics, and replay dead-lettered requests.
 */
@Command(
    name = "dlq",
    description = "List dead letters, and replay dead-lettered requests after a fix.",
    subcommands = {DlqList.class, DlqReplay.class})
public final class DlqCommand implements Callable<Integer> {
  @Override
  public Integer call() {
    new picocli.CommandLine(this).usage(System.out);
    return 0;
  }

  /** The {@code --config} option of both subcommands, and the Kafka settings it names. */
  static final class ConfigOption {
    @Option(
        names = "--config",
        required = true,
        description =
            "Properties file with kafka.bootstrap.servers, schema-registry.url and topics.prefix"
                + " (any service's); WAN_PIPELINE_* variables override it.")
    Path config;

    KafkaSettings kafka() {
      return KafkaSettings.from(Settings.load(config, System.getenv()));
    }
  }

  /**
   * The full name of dead-letter topic {@code name} ({@code video-requests-dlq}, {@code
   * poller-dlq}, {@code billing-dlq} or {@code status-dlq}, before the prefix).
   */
  static String topic(TopicNames names, String name) {
    Map<String, String> known =
        Map.of(
            "video-requests-dlq", names.videoRequestsDlq(),
            "poller-dlq", names.pollerDlq(),
            "billing-dlq", names.billingDlq(),
            "status-dlq", names.statusDlq());
    String full = known.get(name);
    if (full == null) {
      throw new IllegalArgumentException(
          "unknown dead-letter topic '"
              + name
              + "': one of video-requests-dlq, poller-dlq, billing-dlq, status-dlq");
    }
    return full;
  }
}
