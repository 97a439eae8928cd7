package io.wanpipeline.submitter;

import io.wanpipeline.schemas.config.ConfigException;
import io.wanpipeline.schemas.config.Settings;
import io.wanpipeline.schemas.topics.TopicNames;
import io.wanpipeline.wan.account.ProviderAccounts;
import java.net.URI;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;

/**
 * The submitter's typed configuration, built once by {@link #from(Settings)}.
 *
 * <p>Keys (defaults in brackets):
 *
 * <ul>
 *   <li>{@code kafka.bootstrap.servers} (required), plus any {@code kafka.*} client setting passed
 *       through to the consumer and the producers;
 *   <li>{@code schema-registry.url} (required);
 *   <li>{@code topics.prefix} [empty], {@code topics.partitions} [6], {@code
 *       topics.replication-factor} [1]: names, and how {@code SubmitterMain} creates missing
 *       topics;
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
 * @param bootstrapServers Kafka bootstrap servers
 * @param kafka pass-through Kafka client settings (without the {@code kafka.} prefix)
 * @param schemaRegistryUrl root URL of the schema registry
 * @param topicNames topic names
 * @param partitions partitions of topics created by {@code SubmitterMain}
 * @param replicationFactor replication of topics created by {@code SubmitterMain}
 * @param accounts the provider accounts
 * @param groupId consumer group id
 * @param instanceId this instance's id
 * @param throttleDeadline retry window for retryable refusals
 * @param backoffInitial first backoff
 * @param backoffMax backoff cap
 * @param ledgerLoadTimeout limit of one ledger rebuild
 */
public record SubmitterConfig(
    String bootstrapServers,
    Map<String, String> kafka,
    URI schemaRegistryUrl,
    TopicNames topicNames,
    int partitions,
    short replicationFactor,
    ProviderAccounts accounts,
    String groupId,
    String instanceId,
    Duration throttleDeadline,
    Duration backoffInitial,
    Duration backoffMax,
    Duration ledgerLoadTimeout) {

  public SubmitterConfig {
    Objects.requireNonNull(bootstrapServers, "bootstrapServers");
    kafka = Map.copyOf(kafka);
    Objects.requireNonNull(schemaRegistryUrl, "schemaRegistryUrl");
    Objects.requireNonNull(topicNames, "topicNames");
    Objects.requireNonNull(accounts, "accounts");
    Objects.requireNonNull(groupId, "groupId");
    Objects.requireNonNull(instanceId, "instanceId");
    positive("topics.partitions", partitions);
    positive("topics.replication-factor", replicationFactor);
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
    String groupId = s.string("submitter.group-id", "wan-pipeline-submitter");
    ProviderAccounts accounts;
    try {
      accounts = ProviderAccounts.parse(s::find, s::secret);
    } catch (IllegalArgumentException e) {
      throw new ConfigException("provider.*: " + e.getMessage(), e);
    }
    Map<String, String> kafka = s.withPrefix("kafka.");
    return new SubmitterConfig(
        s.string("kafka.bootstrap.servers"),
        kafka,
        s.uri("schema-registry.url"),
        TopicNames.withPrefix(s.string("topics.prefix", "")),
        s.integer("topics.partitions", 6),
        (short) s.integer("topics.replication-factor", 1),
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

  private static void positive(String key, long value) {
    if (value <= 0) {
      throw new ConfigException(key + ": must be positive, got " + value);
    }
  }

  private static void positive(String key, Duration value) {
    Objects.requireNonNull(value, key);
    if (value.isNegative() || value.isZero()) {
      throw new ConfigException(key + ": must be positive, got " + value);
    }
  }
}
