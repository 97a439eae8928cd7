package io.wanpipeline.submitter;

import io.wanpipeline.schemas.config.ConfigException;
import io.wanpipeline.schemas.config.KafkaSettings;
import io.wanpipeline.schemas.config.Settings;
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
 *       transaction at once; used in the transactional id and client id;
 *   <li>{@code submitter.throttle-deadline} [10m]: how long after its first create call a request
 *       refused with a retryable answer (429, throttling) is still retried before it ends FAILED;
 *   <li>{@code submitter.backoff.initial} [1s], {@code submitter.backoff.max} [60s]: backoff
 *       between retryable refusals (the provider's Retry-After wins when longer);
 *   <li>{@code submitter.ledger-load-timeout} [2m]: how long rebuilding the submission ledger of
 *       newly assigned partitions may take before the instance gives up.
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
 */
public record SubmitterConfig(
    KafkaSettings kafka,
    ProviderAccounts accounts,
    String groupId,
    String instanceId,
    Duration throttleDeadline,
    Duration backoffInitial,
    Duration backoffMax,
    Duration ledgerLoadTimeout) {

  public SubmitterConfig {
    Objects.requireNonNull(kafka, "kafka");
    Objects.requireNonNull(accounts, "accounts");
    Objects.requireNonNull(groupId, "groupId");
    Objects.requireNonNull(instanceId, "instanceId");
    positive("submitter.throttle-deadline", throttleDeadline);
    positive("submitter.backoff.initial", backoffInitial);
    positive("submitter.backoff.max", backoffMax);
    positive("submitter.ledger-load-timeout", ledgerLoadTimeout);
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
        s.duration("submitter.ledger-load-timeout", Duration.ofMinutes(2)));
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
