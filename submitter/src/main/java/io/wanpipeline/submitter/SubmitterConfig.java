package io.wanpipeline.submitter;

import io.wanpipeline.runtime.config.ConfigException;
import io.wanpipeline.runtime.config.KafkaSettings;
import io.wanpipeline.runtime.config.Settings;
import io.wanpipeline.wan.account.ProviderAccounts;
import java.time.Duration;
import java.util.Objects;
import java.util.UUID;

/**
 * The submitter's typed configuration, built once by {@link #from(Settings)}.
 *
 * <p>Keys (defaults in brackets):
 *
 * <ul>
 *   <li>{@code kafka.*}, {@code schema-registry.url}, {@code topics.*}: see {@link KafkaSettings};
 *       the {@code kafka.*} settings go to the consumer and the producers, and {@code
 *       SubmitterMain} creates missing topics with {@code topics.partitions} and {@code
 *       topics.replication-factor};
 *   <li>{@code provider.*}: the provider accounts (see {@link ProviderAccounts});
 *   <li>{@code submitter.group-id} [wan-pipeline-submitter]: consumer group of all instances;
 *   <li>{@code submitter.instance-id} [a random UUID]: unique per instance and stable across its
 *       restarts (a pod name), so a restarted instance fences and aborts its predecessor's open
 *       transaction at once and takes its partitions back at once; used in the transactional id,
 *       the client ids and as {@code group.instance.id} (static membership) of both consumer
 *       groups;
 *   <li>{@code submitter.throttle-deadline} [10m]: how long after its first create call a request
 *       refused with a retryable answer (429, throttling) is still retried before it ends FAILED;
 *   <li>{@code submitter.backoff.initial} [1s], {@code submitter.backoff.max} [60s]: backoff
 *       between retryable refusals (the provider's Retry-After wins when longer);
 *   <li>{@code submitter.ledger-load-timeout} [2m]: how long rebuilding the submission ledger of
 *       newly assigned partitions (and reading {@code task-status} back to the in-progress horizon
 *       at start) may take before the instance gives up;
 *   <li>{@code submitter.dedupe-retention} [7d, at least 25h]: how long the ledgers {@code
 *       submissions} and {@code submission-dispatch} remember a request_id (their {@code
 *       retention.ms}, which the submitter sets when it creates or finds them, and the age by
 *       {@code recorded_at} after which in-memory views forget an entry); must exceed the
 *       provider's 24 h task lifetime. A request_id seen again after it is a new request;
 *   <li>{@code submitter.max-queue-wait} [24h, at least 1m, under {@code
 *       submitter.dedupe-retention}]: how long after intake queued it a request may wait for its
 *       create call; one still waiting then ends FAILED {@code QUEUE_TIMEOUT} (retryable, nothing
 *       was created). Shorter than the dedupe retention, so its request_id is still remembered when
 *       it ends;
 *   <li>{@code submitter.in-progress-horizon} [30m]: how far back the dispatcher reads {@code
 *       task-status} at start, and after how long a SUBMITTED task without a terminal event stops
 *       counting against its model's in-progress cap (the poller's task timeout plus a margin);
 *   <li>{@code submitter.dispatch.max-concurrent-calls} [16, at least 1]: create calls (and
 *       in-doubt reconciliations) of different (account, model)s made at once; one (account, model)
 *       never has more than one call in flight;
 *   <li>{@code submitter.dispatch.group-id} [{@code <submitter.group-id>-dispatch}]: consumer group
 *       of the dispatchers over {@code submission-queue};
 *   <li>{@code submitter.reconcile} [list]: how a request found in doubt is settled: {@code list}
 *       (the provider's list query proves the task when exactly one unknown task of the model was
 *       created in the call's window; otherwise, and for dialects without a list, it ends FAILED
 *       SUBMIT_IN_DOUBT) or {@code none} (it always ends FAILED SUBMIT_IN_DOUBT).
 * </ul>
 *
 * @param kafka Kafka clients, schema registry and topics
 * @param accounts the provider accounts
 * @param groupId consumer group id
 * @param instanceId this instance's id
 * @param throttleDeadline retry window for retryable refusals
 * @param backoffInitial first backoff
 * @param backoffMax backoff cap
 * @param ledgerLoadTimeout limit of one ledger rebuild
 * @param dedupeRetention how long a request_id is remembered
 * @param maxQueueWait how long a queued request may wait for its create call
 * @param inProgressHorizon how long a SUBMITTED task counts without a terminal event
 * @param dispatchMaxConcurrentCalls create calls made at once by one dispatcher
 * @param dispatchGroupId consumer group of the dispatchers
 * @param reconcile how in-doubt requests are settled
 */
public record SubmitterConfig(
    KafkaSettings kafka,
    ProviderAccounts accounts,
    String groupId,
    String instanceId,
    Duration throttleDeadline,
    Duration backoffInitial,
    Duration backoffMax,
    Duration ledgerLoadTimeout,
    Duration dedupeRetention,
    Duration maxQueueWait,
    Duration inProgressHorizon,
    int dispatchMaxConcurrentCalls,
    String dispatchGroupId,
    Reconcile reconcile) {

  /** The shortest accepted dedupe retention: the provider's 24 h task lifetime plus an hour. */
  public static final Duration MIN_DEDUPE_RETENTION = Duration.ofHours(25);

  /** The default {@code submitter.max-queue-wait}: a day. */
  public static final Duration DEFAULT_MAX_QUEUE_WAIT = Duration.ofHours(24);

  /** The shortest accepted {@code submitter.max-queue-wait}. */
  public static final Duration MIN_MAX_QUEUE_WAIT = Duration.ofMinutes(1);

  /** How a request found in doubt is settled ({@code submitter.reconcile}). */
  public enum Reconcile {
    /** Through the provider's list query. */
    LIST,
    /** Not at all: it ends FAILED SUBMIT_IN_DOUBT. */
    NONE
  }

  public SubmitterConfig {
    Objects.requireNonNull(kafka, "kafka");
    Objects.requireNonNull(accounts, "accounts");
    Objects.requireNonNull(groupId, "groupId");
    Objects.requireNonNull(instanceId, "instanceId");
    positive("submitter.throttle-deadline", throttleDeadline);
    positive("submitter.backoff.initial", backoffInitial);
    positive("submitter.backoff.max", backoffMax);
    positive("submitter.ledger-load-timeout", ledgerLoadTimeout);
    positive("submitter.dedupe-retention", dedupeRetention);
    positive("submitter.max-queue-wait", maxQueueWait);
    positive("submitter.in-progress-horizon", inProgressHorizon);
    Objects.requireNonNull(dispatchGroupId, "dispatchGroupId");
    Objects.requireNonNull(reconcile, "reconcile");
    if (dedupeRetention.compareTo(MIN_DEDUPE_RETENTION) < 0) {
      throw new ConfigException(
          "submitter.dedupe-retention: must be at least "
              + MIN_DEDUPE_RETENTION
              + " (longer than the provider's 24 h task lifetime), got "
              + dedupeRetention);
    }
    if (maxQueueWait.compareTo(MIN_MAX_QUEUE_WAIT) < 0
        || maxQueueWait.compareTo(dedupeRetention) >= 0) {
      throw new ConfigException(
          "submitter.max-queue-wait: must be at least "
              + MIN_MAX_QUEUE_WAIT
              + " and shorter than submitter.dedupe-retention ("
              + dedupeRetention
              + "), got "
              + maxQueueWait);
    }
    if (dispatchMaxConcurrentCalls < 1) {
      throw new ConfigException(
          "submitter.dispatch.max-concurrent-calls: must be at least 1, got "
              + dispatchMaxConcurrentCalls);
    }
    if (backoffMax.compareTo(backoffInitial) < 0) {
      throw new ConfigException(
          "submitter.backoff.max (" + backoffMax + ") is shorter than submitter.backoff.initial");
    }
  }

  /** Reads and validates the configuration; fails with the name of the offending key. */
  public static SubmitterConfig from(Settings s) {
    KafkaSettings kafka = KafkaSettings.from(s);
    String groupId = s.string("submitter.group-id", "wan-pipeline-submitter");
    ProviderAccounts accounts;
    try {
      accounts = ProviderAccounts.parse(s::find, s::secret);
    } catch (IllegalArgumentException e) {
      throw new ConfigException("provider.*: " + e.getMessage(), e);
    }
    return new SubmitterConfig(
        kafka,
        accounts,
        groupId,
        s.string("submitter.instance-id", UUID.randomUUID().toString()),
        s.duration("submitter.throttle-deadline", Duration.ofMinutes(10)),
        s.duration("submitter.backoff.initial", Duration.ofSeconds(1)),
        s.duration("submitter.backoff.max", Duration.ofSeconds(60)),
        s.duration("submitter.ledger-load-timeout", Duration.ofMinutes(2)),
        s.duration("submitter.dedupe-retention", Duration.ofDays(7)),
        s.duration("submitter.max-queue-wait", DEFAULT_MAX_QUEUE_WAIT),
        s.duration("submitter.in-progress-horizon", Duration.ofMinutes(30)),
        s.integer("submitter.dispatch.max-concurrent-calls", 16),
        s.string("submitter.dispatch.group-id", groupId + "-dispatch"),
        reconcile(s.string("submitter.reconcile", "list")));
  }

  private static Reconcile reconcile(String value) {
    return switch (value.trim().toLowerCase(java.util.Locale.ROOT)) {
      case "list" -> Reconcile.LIST;
      case "none" -> Reconcile.NONE;
      default ->
          throw new ConfigException(
              "submitter.reconcile: expected list or none, got '" + value + "'");
    };
  }

  /** The transactional id of this instance's dispatcher producer. */
  public String dispatchTransactionalId() {
    return transactionalId() + "-dispatch";
  }

  /** The transactional id of this instance's producer. */
  public String transactionalId() {
    return groupId + "-" + instanceId;
  }

  private static void positive(String key, Duration value) {
    Objects.requireNonNull(value, key);
    if (value.isNegative() || value.isZero()) {
      throw new ConfigException(key + ": must be positive, got " + value);
    }
  }
}
