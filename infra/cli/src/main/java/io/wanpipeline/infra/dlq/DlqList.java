package io.wanpipeline.infra.dlq;

import io.wanpipeline.runtime.config.KafkaSettings;
import java.io.PrintStream;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code dlq list}: the latest dead letters of one dead-letter topic, one line each. */
@Command(
    name = "list",
    description =
        "List the latest dead letters of a dead-letter topic: position, time, key, source, value"
            + " size and reason.")
final class DlqList implements Callable<Integer> {
  @Mixin DlqCommand.ConfigOption config = new DlqCommand.ConfigOption();

  @Option(
      names = "--topic",
      defaultValue = "video-requests-dlq",
      description =
          "video-requests-dlq, poller-dlq, billing-dlq or status-dlq (default:"
              + " ${DEFAULT-VALUE}).")
  String topic;

  @Option(
      names = "--limit",
      defaultValue = "50",
      description = "The most recent dead letters of each partition (default: ${DEFAULT-VALUE}).")
  int limit;

  private final PrintStream out = System.out;
  private final PrintStream err = System.err;

  @Override
  public Integer call() {
    if (limit < 1) {
      err.println("dlq list: --limit must be positive");
      return 2;
    }
    List<ConsumerRecord<byte[], byte[]>> records;
    String name;
    try {
      KafkaSettings kafka = config.kafka();
      name = DlqCommand.topic(kafka.topicNames(), topic);
      try (TopicReader reader = new TopicReader(kafka.clientConfig())) {
        records = reader.latest(name, limit);
      }
    } catch (RuntimeException e) {
      err.println("dlq list: " + e.getMessage());
      return 2;
    }
    out.printf(
        Locale.ROOT,
        "%-32s %-24s %-28s %-32s %9s  %s%n",
        "POSITION",
        "AT",
        "KEY",
        "SOURCE",
        "VALUE",
        "REASON");
    for (ConsumerRecord<byte[], byte[]> r : records) {
      DeadLetter d = new DeadLetter(r);
      String source =
          d.sourceTopic().orElse("?")
              + "/"
              + d.sourcePartition().map(String::valueOf).orElse("?")
              + "/"
              + d.sourceOffset().map(String::valueOf).orElse("?");
      String value = d.valueSize().map(n -> n + " B").orElse(d.valueDropped() ? "dropped" : "none");
      out.printf(
          Locale.ROOT,
          "%-32s %-24s %-28s %-32s %9s  %s%n",
          d.position(),
          d.at(),
          d.key(),
          source,
          value,
          d.reason() + d.exception().map(e -> " (" + e + ")").orElse(""));
    }
    out.printf(
        Locale.ROOT,
        "%d dead letters in %s (at most the last %d of each partition)%n",
        records.size(),
        name,
        limit);
    return 0;
  }
}
