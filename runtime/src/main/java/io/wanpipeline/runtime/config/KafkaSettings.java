package io.wanpipeline.runtime.config;

import io.wanpipeline.schemas.topics.TopicNames;
import io.wanpipeline.schemas.topics.TopicRetention;
import io.wanpipeline.schemas.topics.TopicSpec;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * The Kafka, schema-registry and topic settings every service reads, parsed and validated the same
 * way everywhere by {@link #from(Settings)}.
 *
 * <p>Keys (defaults in brackets):
 *
 * <ul>
 *   <li>{@code kafka.bootstrap.servers} (required): Kafka bootstrap servers of every client;
 *   <li>{@code kafka.*}: any other Kafka client setting, passed through without the prefix to the
 *       service's consumers, producers, admin clients and Kafka Streams;
 *   <li>{@code schema-registry.*}: the registry's URL (required), credentials and trust store
 *       ({@link RegistrySettings});
 *   <li>{@code topics.prefix} [empty]: prefix of every pipeline topic name;
 *   <li>{@code topics.partitions} [6, at least 1]: partitions of the keyed topics a service creates
 *       when they are missing;
 *   <li>{@code topics.replication-factor} [1, from 1 to 32767]: replication of the topics a service
 *       creates;
 *   <li>{@code topics.task-status-retention} [forever; else a duration of at least 7d]: how long
 *       {@code task-status} keeps an event ({@code retention.ms} of the topic, set by every service
 *       that creates or checks it, so give every service the same value). Billing replays it to
 *       rebuild charges from scratch, and downstream teams read every transition from it.
 * </ul>
 *
 * @param bootstrapServers Kafka bootstrap servers
 * @param clientProperties Kafka client settings without the {@code kafka.} prefix; always holds
 *     {@code bootstrap.servers} = {@code bootstrapServers}
 * @param registry how to reach the schema registry
 * @param topicNames the pipeline's topic names, prefix applied
 * @param partitions partitions of the keyed topics a service creates
 * @param replicationFactor replication of the topics a service creates
 * @param taskStatusRetention how long task-status keeps an event; empty for ever
 */
public record KafkaSettings(
    String bootstrapServers,
    Map<String, String> clientProperties,
    RegistrySettings registry,
    TopicNames topicNames,
    int partitions,
    short replicationFactor,
    Optional<Duration> taskStatusRetention) {

  /** The shortest accepted {@code topics.task-status-retention}: the broker's usual default. */
  public static final Duration MIN_TASK_STATUS_RETENTION = Duration.ofDays(7);

  public KafkaSettings {
    Objects.requireNonNull(bootstrapServers, "bootstrapServers");
    Objects.requireNonNull(registry, "registry");
    Objects.requireNonNull(topicNames, "topicNames");
    Map<String, String> props = new HashMap<>(clientProperties);
    props.put("bootstrap.servers", bootstrapServers);
    clientProperties = Map.copyOf(props);
    checkPartitions(partitions);
    checkReplicationFactor(replicationFactor);
    Objects.requireNonNull(taskStatusRetention, "taskStatusRetention");
    taskStatusRetention.ifPresent(KafkaSettings::checkTaskStatusRetention);
  }

  /** Reads and validates the common keys; fails with the name of the offending key. */
  public static KafkaSettings from(Settings s) {
    String bootstrapServers = s.string("kafka.bootstrap.servers");
    Map<String, String> clientProperties = s.withPrefix("kafka.");
    RegistrySettings registry = RegistrySettings.from(s);
    TopicNames topicNames = TopicNames.withPrefix(s.string("topics.prefix", ""));
    int partitions = checkPartitions(s.integer("topics.partitions", 6));
    int replication = checkReplicationFactor(s.integer("topics.replication-factor", 1));
    return new KafkaSettings(
        bootstrapServers,
        clientProperties,
        registry,
        topicNames,
        partitions,
        (short) replication,
        taskStatusRetention(s));
  }

  private static Optional<Duration> taskStatusRetention(Settings s) {
    String key = "topics.task-status-retention";
    if (s.find(key).map(v -> v.trim().equalsIgnoreCase("forever")).orElse(true)) {
      return Optional.empty();
    }
    return Optional.of(checkTaskStatusRetention(s.duration(key, MIN_TASK_STATUS_RETENTION)));
  }

  private static Duration checkTaskStatusRetention(Duration value) {
    if (value.compareTo(MIN_TASK_STATUS_RETENTION) < 0) {
      throw new ConfigException(
          "topics.task-status-retention: must be forever or at least "
              + MIN_TASK_STATUS_RETENTION.toDays()
              + "d, got "
              + value);
    }
    return value;
  }

  /** The retentions of the topics (task-status from these settings, the default dedupe). */
  public TopicRetention topicRetention() {
    return new TopicRetention(TopicSpec.DEFAULT_DEDUPE_RETENTION, taskStatusRetention);
  }

  /** A new mutable map of {@link #clientProperties()}, for a client to add its own settings to. */
  public Map<String, Object> clientConfig() {
    return new HashMap<>(clientProperties);
  }

  /**
   * The pipeline topics named in {@code names} (full names, prefix included) as a service creates
   * them: with these partitions, this replication and {@link #topicRetention()}.
   */
  public List<TopicSpec> topicSpecs(Set<String> names) {
    return TopicSpec.pipeline(topicNames, partitions, replicationFactor, topicRetention()).stream()
        .filter(spec -> names.contains(spec.name()))
        .toList();
  }

  private static int checkPartitions(int partitions) {
    if (partitions < 1) {
      throw new ConfigException("topics.partitions: must be at least 1, got " + partitions);
    }
    return partitions;
  }

  private static int checkReplicationFactor(int replication) {
    if (replication < 1 || replication > Short.MAX_VALUE) {
      throw new ConfigException(
          "topics.replication-factor: must be between 1 and "
              + Short.MAX_VALUE
              + ", got "
              + replication);
    }
    return replication;
  }
}
