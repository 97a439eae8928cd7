package io.wanpipeline.billing;

import io.wanpipeline.schemas.config.ConfigException;
import io.wanpipeline.schemas.config.KafkaSettings;
import io.wanpipeline.schemas.config.Settings;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;

/**
 * Typed configuration of the billing service.
 *
 * <p>Keys (defaults in brackets):
 *
 * <ul>
 *   <li>{@code kafka.*}, {@code schema-registry.url}, {@code topics.*}: see {@link KafkaSettings};
 *       the {@code kafka.*} settings go to Kafka Streams and the price seeder, {@code
 *       topics.partitions} and {@code topics.replication-factor} are used when billing creates the
 *       topics it owns, and the replication factor is also Kafka Streams' {@code
 *       replication.factor};
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
 * @param kafka Kafka clients, schema registry and topics
 * @param applicationId Kafka Streams application id
 * @param stateDir Kafka Streams state directory
 * @param seedPrices whether to seed prices at start
 * @param priceFile price file to seed from, or null for the bundled one
 * @param commitInterval Kafka Streams commit interval
 * @param streamThreads Kafka Streams threads
 */
public record BillingConfig(
    KafkaSettings kafka,
    String applicationId,
    Path stateDir,
    boolean seedPrices,
    Path priceFile,
    Duration commitInterval,
    int streamThreads) {

  /** Default Kafka Streams application id. */
  public static final String DEFAULT_APPLICATION_ID = "wan-pipeline-billing";

  public BillingConfig {
    Objects.requireNonNull(kafka, "kafka");
    Objects.requireNonNull(applicationId, "applicationId");
    Objects.requireNonNull(stateDir, "stateDir");
    Objects.requireNonNull(commitInterval, "commitInterval");
  }

  /** Reads and validates the configuration; fails naming the offending key. */
  public static BillingConfig from(Settings s) {
    KafkaSettings kafka = KafkaSettings.from(s);
    String applicationId = s.string("billing.application-id", DEFAULT_APPLICATION_ID);
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
        kafka,
        applicationId,
        stateDir,
        s.bool("billing.seed-prices", true),
        s.find("billing.price-file").map(Path::of).orElse(null),
        commitInterval,
        threads);
  }
}
