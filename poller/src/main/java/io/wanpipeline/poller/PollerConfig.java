package io.wanpipeline.poller;

import io.wanpipeline.schemas.config.ConfigException;
import io.wanpipeline.schemas.config.KafkaSettings;
import io.wanpipeline.schemas.config.Settings;
import io.wanpipeline.wan.account.ProviderAccounts;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalDouble;

/**
 * The poller's typed configuration, built once by {@link #from(Settings)}.
 *
 * <p>Keys (defaults in brackets):
 *
 * <ul>
 *   <li>{@code kafka.*}, {@code schema-registry.url}, {@code topics.*}: see {@link KafkaSettings};
 *       the {@code kafka.*} settings go to Kafka Streams and its clients;
 *   <li>{@code provider.*}: the provider accounts (see {@link ProviderAccounts});
 *   <li>{@code poller.application-id} [wan-pipeline-poller]: Streams application id shared by all
 *       instances;
 *   <li>{@code poller.state-dir} [{@code <java.io.tmpdir>/wan-pipeline-poller}]: local state
 *       directory, unique per instance on one machine;
 *   <li>{@code poller.stream-threads} [1];
 *   <li>{@code poller.timeout} [20m]: how long after submission a task may take before it is
 *       cancelled (PENDING) or ends TIMED_OUT (RUNNING);
 *   <li>{@code poller.first-poll-delay} [5s]: first poll after submission, at least 3s;
 *   <li>{@code poller.min-interval} [5s], {@code poller.max-interval} [10s]: the spacing of two
 *       polls of one task; below 3s is rejected (hard floor). A task becomes due uniformly between
 *       min-interval and max-interval minus punctuate-interval after its last answer, so that the
 *       punctuator's lateness keeps the observed spacing within max-interval;
 *   <li>{@code poller.punctuate-interval} [500ms]: how often due tasks are looked for, 100ms to 5s,
 *       at most max-interval minus min-interval;
 *   <li>{@code poller.query-rate} [none]: optional cap on the provider task calls per second this
 *       instance makes per provider account; each account's own rate is {@code
 *       provider.<name>.query-rate} (see {@link ProviderAccounts}), which this can only lower;
 *   <li>{@code poller.query-threads} [16]: threads making blocking provider calls;
 *   <li>{@code poller.unknown-threshold} [3]: consecutive UNKNOWN answers that end a task UNKNOWN;
 *   <li>{@code poller.backoff.initial} [5s], {@code poller.backoff.max} [60s]: backoff after a
 *       failed call (the provider's Retry-After wins when longer).
 * </ul>
 *
 * @param kafka Kafka clients, schema registry and topics
 * @param accounts the provider accounts
 * @param applicationId Streams application id
 * @param stateDir Streams state directory
 * @param streamThreads Streams threads
 * @param timeout task timeout after submission
 * @param firstPollDelay first poll after submission
 * @param minInterval lower bound of the poll interval
 * @param maxInterval upper bound of the poll interval
 * @param punctuateInterval punctuation period
 * @param queryRateCap optional per-instance cap on provider calls per second per account
 * @param queryThreads provider call threads
 * @param unknownThreshold UNKNOWN answers in a row that end a task
 * @param backoffInitial first backoff after a failed call
 * @param backoffMax backoff cap
 */
public record PollerConfig(
    KafkaSettings kafka,
    ProviderAccounts accounts,
    String applicationId,
    Path stateDir,
    int streamThreads,
    Duration timeout,
    Duration firstPollDelay,
    Duration minInterval,
    Duration maxInterval,
    Duration punctuateInterval,
    OptionalDouble queryRateCap,
    int queryThreads,
    int unknownThreshold,
    Duration backoffInitial,
    Duration backoffMax) {

  public PollerConfig {
    Objects.requireNonNull(kafka, "kafka");
    Objects.requireNonNull(accounts, "accounts");
    Objects.requireNonNull(applicationId, "applicationId");
    Objects.requireNonNull(stateDir, "stateDir");
    positive("poller.stream-threads", streamThreads);
    positive("poller.query-threads", queryThreads);
    positive("poller.unknown-threshold", unknownThreshold);
    Objects.requireNonNull(queryRateCap, "queryRateCap");
    if (queryRateCap.isPresent()
        && (!(queryRateCap.getAsDouble() > 0) || Double.isInfinite(queryRateCap.getAsDouble()))) {
      throw new ConfigException(
          "poller.query-rate: must be positive, got " + queryRateCap.getAsDouble());
    }
    positive("poller.timeout", timeout);
    positive("poller.backoff.initial", backoffInitial);
    positive("poller.backoff.max", backoffMax);
    atLeastFloor("poller.first-poll-delay", firstPollDelay);
    atLeastFloor("poller.min-interval", minInterval);
    if (maxInterval == null || maxInterval.compareTo(minInterval) < 0) {
      throw new ConfigException(
          "poller.max-interval (" + maxInterval + ") is below poller.min-interval");
    }
    if (punctuateInterval == null
        || punctuateInterval.compareTo(Duration.ofMillis(100)) < 0
        || punctuateInterval.compareTo(Duration.ofSeconds(5)) > 0) {
      throw new ConfigException(
          "poller.punctuate-interval: must be between 100ms and 5s, got " + punctuateInterval);
    }
    if (maxInterval.minus(punctuateInterval).compareTo(minInterval) < 0) {
      throw new ConfigException(
          "poller.punctuate-interval ("
              + punctuateInterval
              + ") must leave room between poller.min-interval ("
              + minInterval
              + ") and poller.max-interval ("
              + maxInterval
              + ")");
    }
    if (backoffMax.compareTo(backoffInitial) < 0) {
      throw new ConfigException(
          "poller.backoff.max (" + backoffMax + ") is shorter than poller.backoff.initial");
    }
  }

  /** Reads and validates the configuration; fails with the name of the offending key. */
  public static PollerConfig from(Settings s) {
    KafkaSettings kafka = KafkaSettings.from(s);
    ProviderAccounts accounts;
    try {
      accounts = ProviderAccounts.parse(s::find, s::secret);
    } catch (IllegalArgumentException e) {
      throw new ConfigException("provider.*: " + e.getMessage(), e);
    }
    OptionalDouble rateCap = OptionalDouble.empty();
    Optional<String> queryRate = s.find("poller.query-rate");
    if (queryRate.isPresent()) {
      try {
        rateCap = OptionalDouble.of(Double.parseDouble(queryRate.get()));
      } catch (NumberFormatException e) {
        throw new ConfigException(
            "poller.query-rate: expected a number, got '" + queryRate.get() + "'");
      }
    }
    return new PollerConfig(
        kafka,
        accounts,
        s.string("poller.application-id", "wan-pipeline-poller"),
        Path.of(
            s.string(
                "poller.state-dir",
                Path.of(System.getProperty("java.io.tmpdir"), "wan-pipeline-poller").toString())),
        s.integer("poller.stream-threads", 1),
        s.duration("poller.timeout", Duration.ofMinutes(20)),
        s.duration("poller.first-poll-delay", Duration.ofSeconds(5)),
        s.duration("poller.min-interval", Duration.ofSeconds(5)),
        s.duration("poller.max-interval", Duration.ofSeconds(10)),
        s.duration("poller.punctuate-interval", Duration.ofMillis(500)),
        rateCap,
        s.integer("poller.query-threads", 16),
        s.integer("poller.unknown-threshold", 3),
        s.duration("poller.backoff.initial", Duration.ofSeconds(5)),
        s.duration("poller.backoff.max", Duration.ofSeconds(60)));
  }

  private static void positive(String key, long value) {
    if (value <= 0) {
      throw new ConfigException(key + ": must be positive, got " + value);
    }
  }

  private static void positive(String key, Duration value) {
    if (value == null || value.isNegative() || value.isZero()) {
      throw new ConfigException(key + ": must be positive, got " + value);
    }
  }

  private static void atLeastFloor(String key, Duration value) {
    if (value == null || value.compareTo(PollScheduler.MIN_SPACING) < 0) {
      throw new ConfigException(
          key
              + ": must be at least "
              + PollScheduler.MIN_SPACING.toSeconds()
              + "s (the provider-friendly floor between two polls of a task), got "
              + value);
    }
  }

  /**
   * The latest a task is scheduled after its last answer: max-interval less one punctuation
   * interval, since a due task is polled up to one punctuation late.
   */
  public Duration latestScheduledInterval() {
    return maxInterval.minus(punctuateInterval);
  }
}
