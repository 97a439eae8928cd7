package io.wanpipeline.schemas.topics;

import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * How a topic is created: partitions, replication and topic configs.
 *
 * @param name topic name
 * @param partitions partition count
 * @param replicationFactor replicas per partition
 * @param configs topic-level configs (cleanup.policy, retention.ms, min.insync.replicas...)
 */
public record TopicSpec(
    String name, int partitions, short replicationFactor, Map<String, String> configs) {
  public TopicSpec {
    configs = Map.copyOf(configs);
  }

  /**
   * How long the submitter's ledgers keep an entry by default (7 days): longer than the provider's
   * 24 h task lifetime, so a request_id is remembered while its task can still exist.
   */
  public static final Duration DEFAULT_DEDUPE_RETENTION = Duration.ofDays(7);

  /**
   * The definitions of every pipeline topic, in one place, with the default dedupe retention.
   *
   * @param names topic names
   * @param partitions partitions of the keyed topics (the unit of parallelism of every service)
   * @param replicationFactor 1 for a local single broker, 3 in production
   */
  public static List<TopicSpec> pipeline(
      TopicNames names, int partitions, short replicationFactor) {
    return pipeline(names, partitions, replicationFactor, DEFAULT_DEDUPE_RETENTION);
  }

  /**
   * The definitions of every pipeline topic, in one place.
   *
   * @param names topic names
   * @param partitions partitions of the keyed topics (the unit of parallelism of every service)
   * @param replicationFactor 1 for a local single broker, 3 in production
   * @param dedupeRetention retention of the submitter's ledgers ({@code submissions}, {@code
   *     submission-dispatch}), compacted and deleted after it
   */
  public static List<TopicSpec> pipeline(
      TopicNames names, int partitions, short replicationFactor, Duration dedupeRetention) {
    String minIsr = String.valueOf(Math.max(1, replicationFactor - 1));
    Map<String, String> durable = Map.of("min.insync.replicas", minIsr);
    Map<String, String> compacted =
        Map.of("cleanup.policy", "compact", "min.insync.replicas", minIsr);
    Map<String, String> week =
        Map.of(
            "min.insync.replicas", minIsr, "retention.ms", String.valueOf(7L * 24 * 3600 * 1000));
    Map<String, String> ledger =
        Map.of(
            "cleanup.policy",
            "compact,delete",
            "retention.ms",
            String.valueOf(dedupeRetention.toMillis()),
            "min.insync.replicas",
            minIsr);
    return List.of(
        new TopicSpec(names.videoRequests(), partitions, replicationFactor, week),
        new TopicSpec(names.videoRequestsDlq(), partitions, replicationFactor, durable),
        new TopicSpec(names.taskStatus(), partitions, replicationFactor, durable),
        new TopicSpec(names.billingCharges(), partitions, replicationFactor, durable),
        new TopicSpec(names.billingTotals(), partitions, replicationFactor, compacted),
        new TopicSpec(names.billingUnpriced(), partitions, replicationFactor, durable),
        new TopicSpec(names.wanPrices(), 1, replicationFactor, compacted),
        new TopicSpec(names.submissions(), partitions, replicationFactor, ledger),
        new TopicSpec(names.submissionQueue(), partitions, replicationFactor, week),
        new TopicSpec(names.submissionDispatch(), partitions, replicationFactor, ledger));
  }
}
