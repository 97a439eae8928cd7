package io.wanpipeline.poller;

import io.wanpipeline.runtime.config.ConfigException;
import io.wanpipeline.runtime.config.KafkaSettings;
import io.wanpipeline.runtime.config.Settings;
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
 *   <li>{@code poller.punctuate-interval} [350ms]: how often due tasks are looked for, 100ms to 5s,
 *       at most max-interval minus min-interval; 350ms divides the budget's window (1 s + 50 ms)
 *       into three punctuations, so that calls freed by the window are spent at once;
 *   <li>{@code poller.call-wait} [0s]: how long a punctuation waits for the provider calls it
 *       started before it returns the stream thread to the input, 0s to 60s; answers not in by then
 *       are applied at a later punctuation. Waiting blocks the thread's other partitions and its
 *       intake of new tasks for as long as the slowest call takes; 0s never blocks, and an answer
 *       reaches its event up to one punctuation interval later;
 *   <li>{@code poller.query-rate} [none]: optional cap on the provider task calls per second this
 *       instance makes per provider account; each account's own rate is {@code
 *       provider.<name>.query-rate} (see {@link ProviderAccounts}), shared by the instances in
 *       proportion to the partitions they own (see {@link QueryBudget}), which this can only lower;
 *   <li>{@code poller.query-threads} [16]: threads making blocking provider calls;
 *   <li>{@code poller.unknown-threshold} [3]: consecutive UNKNOWN answers that end a task UNKNOWN;
 *   <li>{@code poller.backoff.initial} [5s], {@code poller.backoff.max} [60s]: backoff after a
 *       failed call (the provider's Retry-After wins when longer);
 *   <li>{@code poller.budget-margin} [50ms]: added to the one-second sliding window of each
 *       account's query budget, so that arrival jitter at the provider never puts more than the
 *       account's rate into any one second across instances;
 *   <li>{@code poller.late-watch-interval} [5m]: how often a task that ended TIMED_OUT while
 *       RUNNING is polled (inside the budget, after every in-flight task) until the provider
 *       forgets it 24 h after submission, to announce a late success as LATE_SUCCEEDED;
 *   <li>{@code poller.list-query} [true]: answer an account's due tasks with the provider's list
 *       query when its per-task polls cannot fit in this instance's budget within 10 s;
 *   <li>{@code poller.list-page-size} [100]: tasks asked for per list call;
 *   <li>{@code poller.aim-polls} [true]: aim a running task's polls at its expected end, learned
 *       from the running times of its class (model, requested resolution and duration) that this
 *       instance has seen ({@link RunTimeForecast}); false polls at random points of the interval;
 *   <li>{@code poller.end-sweep-interval} [1s]: while a running task of a forecast class is within
 *       its expected end window, the provider's list query of its (key, model) is called this
 *       often, and a task the list shows finished is queried at once (3 s after its last poll at
 *       the earliest) instead of at its next poll; 0s turns it off, otherwise 1s to
 *       poller.min-interval. Only on accounts with a list query (DashScope) whose tasks tracked by
 *       the instance fit in one list page ({@link EndWatches});
 *   <li>{@code poller.instance-id} [none: dynamic membership]: unique per instance and stable
 *       across its restarts (a pod name), with a stable {@code poller.state-dir}: the Streams
 *       consumer's {@code group.instance.id} (static membership; Streams appends the thread
 *       number), so a restarted instance takes its tasks back at once instead of after a rebalance;
 *   <li>{@code poller.session-timeout} [6s]: the Streams consumer's {@code session.timeout.ms} (at
 *       least the broker's {@code group.min.session.timeout.ms}, 6 s by default): how soon a killed
 *       instance's partitions move to a survivor;
 *   <li>{@code poller.heartbeat-interval} [2s]: the Streams consumer's {@code
 *       heartbeat.interval.ms}, below a third of the session timeout;
 *   <li>{@code poller.standby-replicas} [1]: Streams {@code num.standby.replicas}: a warm copy of
 *       each store on another instance, so a survivor polls a dead instance's tasks without
 *       restoring the changelog first (harmless with one instance).
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
 * @param callWait how long a punctuation waits for its calls
 * @param queryRateCap optional per-instance cap on provider calls per second per account
 * @param queryThreads provider call threads
 * @param unknownThreshold UNKNOWN answers in a row that end a task
 * @param backoffInitial first backoff after a failed call
 * @param backoffMax backoff cap
 * @param budgetMargin margin added to the budget's one-second window
 * @param lateWatchInterval poll interval of timed-out RUNNING tasks
 * @param listQuery whether list mode is used
 * @param listPageSize tasks per list call
 * @param aimPolls whether polls are aimed at the expected end of a task ({@link RunTimeForecast})
 * @param endSweepInterval how often a list call looks for the ends of running tasks (zero: never)
 * @param sessionTimeout the Streams consumer's session timeout
 * @param heartbeatInterval the Streams consumer's heartbeat interval
 * @param standbyReplicas Streams standby replicas
 * @param instanceId the Streams consumer's {@code group.instance.id}, if any
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
    Duration callWait,
    OptionalDouble queryRateCap,
    int queryThreads,
    int unknownThreshold,
    Duration backoffInitial,
    Duration backoffMax,
    Duration budgetMargin,
    Duration lateWatchInterval,
    boolean listQuery,
    int listPageSize,
    boolean aimPolls,
    Duration endSweepInterval,
    Duration sessionTimeout,
    Duration heartbeatInterval,
    int standbyReplicas,
    Optional<String> instanceId) {

  /** Default of {@code poller.punctuate-interval}. */
  public static final Duration DEFAULT_PUNCTUATE_INTERVAL = Duration.ofMillis(350);

  public PollerConfig {
    Objects.requireNonNull(kafka, "kafka");
    Objects.requireNonNull(accounts, "accounts");
    Objects.requireNonNull(applicationId, "applicationId");
    Objects.requireNonNull(stateDir, "stateDir");
    Objects.requireNonNull(instanceId, "instanceId");
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
    if (callWait == null
        || callWait.isNegative()
        || callWait.compareTo(ProviderCalls.CALL_TIMEOUT) > 0) {
      throw new ConfigException(
          "poller.call-wait: must be between 0s and "
              + ProviderCalls.CALL_TIMEOUT.toSeconds()
              + "s, got "
              + callWait);
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
    if (budgetMargin == null
        || budgetMargin.isNegative()
        || budgetMargin.compareTo(Duration.ofSeconds(1)) > 0) {
      throw new ConfigException(
          "poller.budget-margin: must be between 0 and 1s, got " + budgetMargin);
    }
    atLeastFloor("poller.late-watch-interval", lateWatchInterval);
    positive("poller.list-page-size", listPageSize);
    if (endSweepInterval == null
        || (!endSweepInterval.isZero()
            && (endSweepInterval.compareTo(Duration.ofSeconds(1)) < 0
                || endSweepInterval.compareTo(minInterval) > 0))) {
      throw new ConfigException(
          "poller.end-sweep-interval: must be 0 (off) or between 1s and poller.min-interval ("
              + minInterval
              + "), got "
              + endSweepInterval);
    }
    positive("poller.session-timeout", sessionTimeout);
    positive("poller.heartbeat-interval", heartbeatInterval);
    if (heartbeatInterval.compareTo(sessionTimeout) >= 0) {
      throw new ConfigException(
          "poller.heartbeat-interval ("
              + heartbeatInterval
              + ") must be below poller.session-timeout ("
              + sessionTimeout
              + ")");
    }
    if (standbyReplicas < 0) {
      throw new ConfigException(
          "poller.standby-replicas: must be zero or more, got " + standbyReplicas);
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
        s.duration("poller.punctuate-interval", DEFAULT_PUNCTUATE_INTERVAL),
        s.duration("poller.call-wait", Duration.ZERO),
        rateCap,
        s.integer("poller.query-threads", 16),
        s.integer("poller.unknown-threshold", 3),
        s.duration("poller.backoff.initial", Duration.ofSeconds(5)),
        s.duration("poller.backoff.max", Duration.ofSeconds(60)),
        s.duration("poller.budget-margin", QueryBudget.DEFAULT_MARGIN),
        s.duration("poller.late-watch-interval", TaskTransitions.DEFAULT_LATE_WATCH_INTERVAL),
        s.bool("poller.list-query", true),
        s.integer("poller.list-page-size", 100),
        s.bool("poller.aim-polls", true),
        s.duration("poller.end-sweep-interval", Duration.ofSeconds(1)),
        s.duration("poller.session-timeout", Duration.ofSeconds(6)),
        s.duration("poller.heartbeat-interval", Duration.ofSeconds(2)),
        s.integer("poller.standby-replicas", 1),
        s.find("poller.instance-id").map(String::strip).filter(id -> !id.isEmpty()));
  }

  /** The list mode this configuration asks for. */
  public ListPolicy listPolicy() {
    // List mode starts when one per-task poll of every tracked task no longer fits in the
    // shortest interval (see ListPolicy).
    return new ListPolicy(listQuery, listPageSize, minInterval, ListPolicy.DEFAULT_MAX_SPAN);
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
