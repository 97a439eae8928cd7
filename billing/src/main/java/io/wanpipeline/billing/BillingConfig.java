package io.wanpipeline.billing;

import io.wanpipeline.schemas.config.ConfigException;
import io.wanpipeline.schemas.config.Settings;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;

/**
 * Typed configuration of the billing service.
 *
 * <p>Keys (defaults in brackets):
 *
 * <ul>
 *   <li>{@code kafka.bootstrap.servers} (required) and any other {@code kafka.*} client setting,
 *       passed through to Kafka Streams without the prefix;
 *   <li>{@code schema-registry.url} (required): the Confluent-API schema registry;
 *   <li>{@code topics.prefix} [empty]: prefix of every topic name;
 *   <li>{@code topics.partitions} [6] and {@code topics.replication-factor} [1]: used when billing
 *       creates the topics it owns;
 *   <li>{@code billing.application-id} [{@code wan-pipeline-billing}]: the Kafka Streams
 *       application id (consumer group, internal topic and changelog prefix);
 *   <li>{@code billing.state-dir} [{@code <java.io.tmpdir>/wan-pipeline/<application-id>}]: Kafka
 *       Streams state directory;
 *   <li>{@code billing.seed-prices} [true]: seed wan-prices from the price file at start, writing
 *       only keys the topic does not have;
 *   <li>{@code billing.price-file} [the bundled {@code prices/wan-prices-v1.csv}]: price file to
 *       seed from;
 *   <li>{@code billing.commit-interval} [100ms]: Kafka Streams commit interval;
 *   <li>{@code billing.stream-threads} [1]: Kafka Streams threads.
 * </ul>
 *
 * @param kafka Kafka client settings without the {@code kafka.} prefix, including {@code
 *     bootstrap.servers}
 * @param schemaRegistryUrl schema registry base URL
 * @param topicsPrefix prefix of every topic name
 * @param topicPartitions partitions of topics billing creates
 * @param replicationFactor replication of topics billing creates
 * @param applicationId Kafka Streams application id
 * @param stateDir Kafka Streams state directory
 * @param seedPrices whether to seed prices at start
 * @param priceFile price file to seed from, or null for the bundled one
 * @param commitInterval Kafka Streams commit interval
 * @param streamThreads Kafka Streams threads
 */
public record BillingConfig(
    Map<String, String> kafka,
    URI schemaRegistryUrl,
    String topicsPrefix,
    int topicPartitions,
    short replicationFactor,
    String applicationId,
    Path stateDir,
    boolean seedPrices,
    Path priceFile,
    Duration commitInterval,
    int streamThreads) {

  /** Default Kafka Streams application id. */
  public static final String DEFAULT_APPLICATION_ID = "wan-pipeline-billing";

  public BillingConfig {
    kafka = Map.copyOf(kafka);
    Objects.requireNonNull(schemaRegistryUrl, "schemaRegistryUrl");
    Objects.requireNonNull(topicsPrefix, "topicsPrefix");
    Objects.requireNonNull(applicationId, "applicationId");
    Objects.requireNonNull(stateDir, "stateDir");
    Objects.requireNonNull(commitInterval, "commitInterval");
    if (!kafka.containsKey("bootstrap.servers")) {
      throw new ConfigException("missing configuration key kafka.bootstrap.servers");
    }
  }

  /** Reads and validates the configuration; fails naming the offending key. */
  public static BillingConfig from(Settings s) {
    s.string("kafka.bootstrap.servers");
    String applicationId = s.string("billing.application-id", DEFAULT_APPLICATION_ID);
    int partitions = s.integer("topics.partitions", 6);
    if (partitions < 1) {
      throw new ConfigException("topics.partitions: must be at least 1, got " + partitions);
    }
    int replication = s.integer("topics.replication-factor", 1);
    if (replication < 1 || replication > Short.MAX_VALUE) {
      throw new ConfigException(
          "topics.replication-factor: must be at least 1, got " + replication);
    }
    Duration commitInterval = s.duration("billing.commit-interval", Duration.ofMillis(100));
    if (commitInterval.isNegative() || commitInterval.isZero()) {
      throw new ConfigException("billing.commit-interval: must be positive");
    }
    int threads = s.integer("billing.stream-threads", 1);
    if (threads < 1) {
      throw new ConfigException("billing.stream-threads: must be at least 1, got " + threads);
    }
    Path stateDir =
        s.find("billing.state-dir")
            .map(Path::of)
            .orElse(Path.of(System.getProperty("java.io.tmpdir"), "wan-pipeline", applicationId));
    return new BillingConfig(
        s.withPrefix("kafka."),
        s.uri("schema-registry.url"),
        s.string("topics.prefix", ""),
        partitions,
        (short) replication,
        applicationId,
        stateDir,
        s.bool("billing.seed-prices", true),
        s.find("billing.price-file").map(Path::of).orElse(null),
        commitInterval,
        threads);
  }
}
