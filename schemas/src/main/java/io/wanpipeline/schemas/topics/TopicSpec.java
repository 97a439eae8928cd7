package io.wanpipeline.schemas.topics;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;

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

  /** {@code retention.ms} of a topic whose records are never deleted by time. */
  public static final String FOREVER = "-1";

  /**
   * The topic configs that decide whether records are deleted: {@link TopicProvisioner} sets them
   * on existing topics too.
   */
  public static final Set<String> RETENTION_CONFIGS = Set.of("cleanup.policy", "retention.ms");

  /** How long {@code video-requests} keeps a request that intake has not read (7 days). */
  public static final Duration INPUT_RETENTION = Duration.ofDays(7);

  /**
   * The definitions of every pipeline topic, in one place, with the default retentions ({@link
   * TopicRetention#DEFAULT}).
   *
   * @param names topic names
   * @param partitions partitions of the keyed topics (the unit of parallelism of every service)
   * @param replicationFactor 1 for a local single broker, 3 in production
   */
  public static List<TopicSpec> pipeline(
      TopicNames names, int partitions, short replicationFactor) {
    return pipeline(names, partitions, replicationFactor, TopicRetention.DEFAULT);
  }

  /**
   * The definitions of every pipeline topic, in one place. Money and lifecycle records are never
   * deleted by time: {@code billing-charges}, {@code billing-totals}, {@code billing-unpriced} and
   * {@code wan-prices} are compacted by their key (one record per request, total or price) and
   * kept; {@code task-status} is kept for {@code retention.taskStatus()} (for ever by default); the
   * submission queue and the four dead-letter topics are never deleted by time (the dispatcher
   * deletes the queue records it has finished; a dead letter outlives any task-status retention,
   * since its original may be an event of that topic); the ledgers are compacted and deleted after
   * the dedupe retention; {@code video-requests} and {@code request-commands} keep unread input 7
   * days. docs/configuration.md 1.6 gives the reasons.
   *
   * @param names topic names
   * @param partitions partitions of the keyed topics (the unit of parallelism of every service)
   * @param replicationFactor 1 for a local single broker, 3 in production
   * @param retention the retentions an operator chooses
   */
  public static List<TopicSpec> pipeline(
      TopicNames names, int partitions, short replicationFactor, TopicRetention retention) {
    String minIsr = String.valueOf(Math.max(1, replicationFactor - 1));
    Map<String, String> kept = configs(minIsr, "delete", FOREVER);
    Map<String, String> compacted = configs(minIsr, "compact", FOREVER);
    Map<String, String> input =
        configs(minIsr, "delete", String.valueOf(INPUT_RETENTION.toMillis()));
    Map<String, String> status = configs(minIsr, "delete", retention.taskStatusMs());
    Map<String, String> ledger =
        configs(minIsr, "compact,delete", String.valueOf(retention.dedupe().toMillis()));
    return List.of(
        new TopicSpec(names.videoRequests(), partitions, replicationFactor, input),
        new TopicSpec(names.videoRequestsDlq(), partitions, replicationFactor, kept),
        new TopicSpec(names.requestCommands(), partitions, replicationFactor, input),
        new TopicSpec(names.taskStatus(), partitions, replicationFactor, status),
        new TopicSpec(names.pollerDlq(), partitions, replicationFactor, kept),
        new TopicSpec(names.billingDlq(), partitions, replicationFactor, kept),
        new TopicSpec(names.statusDlq(), partitions, replicationFactor, kept),
        new TopicSpec(names.billingCharges(), partitions, replicationFactor, compacted),
        new TopicSpec(names.billingTotals(), partitions, replicationFactor, compacted),
        new TopicSpec(names.billingUnpriced(), partitions, replicationFactor, compacted),
        new TopicSpec(names.wanPrices(), 1, replicationFactor, compacted),
        new TopicSpec(names.submissions(), partitions, replicationFactor, ledger),
        new TopicSpec(names.submissionQueue(), partitions, replicationFactor, kept),
        new TopicSpec(names.submissionDispatch(), partitions, replicationFactor, ledger));
  }

  private static Map<String, String> configs(
      String minIsr, String cleanupPolicy, String retentionMs) {
    return Map.of(
        "cleanup.policy",
        cleanupPolicy,
        "retention.ms",
        retentionMs,
        "min.insync.replicas",
        minIsr);
  }
}
