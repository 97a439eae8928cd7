package io.wanpipeline.poller;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.wanpipeline.events.TaskState;
import io.wanpipeline.events.TaskStatus;
import io.wanpipeline.wan.QueryOutcome;
import io.wanpipeline.wan.account.ProviderAccount;
import io.wanpipeline.wan.account.ProviderAccounts;
import io.wanpipeline.wan.catalogue.ModelCatalogue;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.EnumSet;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The poller's own meters (docs/metrics.md, section poller), recorded in the service's registry.
 * Tags are bounded: {@code account} is a configured account's name ({@value #OTHER} for any other),
 * {@code model} a model of the catalogue ({@value #OTHER} for any other), {@code kind}, {@code
 * outcome} and {@code state} closed sets. Thread-safe: the stream threads and the call threads
 * record, the scrape reads.
 */
final class PollerMeters {
  /** Tag value of an account or model outside the configured or catalogued set. */
  static final String OTHER = "other";

  /** The states that end a task's polling, counted by {@code wan.poll.task.ended}. */
  static final Set<TaskState> TERMINAL =
      EnumSet.of(
          TaskState.SUCCEEDED,
          TaskState.FAILED,
          TaskState.CANCELED,
          TaskState.TIMED_OUT,
          TaskState.UNKNOWN,
          TaskState.LATE_SUCCEEDED);

  /** A provider call about tasks. */
  enum Kind {
    QUERY,
    LIST,
    CANCEL;

    String tag() {
      return name().toLowerCase(java.util.Locale.ROOT);
    }
  }

  private final MeterRegistry registry;
  private final ProviderAccounts accounts;
  private final ModelCatalogue catalogue;

  /** Tasks in flight of each partition this instance owns, by account, as its processor saw. */
  private final Map<Integer, Map<String, Integer>> tracked = new ConcurrentHashMap<>();

  PollerMeters(MeterRegistry registry, ProviderAccounts accounts, ModelCatalogue catalogue) {
    this.registry = Objects.requireNonNull(registry, "registry");
    this.accounts = Objects.requireNonNull(accounts, "accounts");
    this.catalogue = Objects.requireNonNull(catalogue, "catalogue");
    for (ProviderAccount account : accounts.all()) {
      String name = account.name();
      Gauge.builder("wan.poll.tasks.in.flight", this, m -> m.inFlight(name))
          .description("Tasks this instance polls (not yet ended nor watched after a timeout)")
          .tag("account", name)
          .strongReference(true)
          .register(registry);
    }
  }

  /** Publishes {@code budget}'s use of each configured account, read at {@code clock}'s time. */
  void bindBudget(QueryBudget budget, Clock clock) {
    for (ProviderAccount account : accounts.all()) {
      String name = account.name();
      Gauge.builder("wan.poll.budget.held", budget, b -> b.held(name, clock.instant()))
          .description(
              "Permits of the account's query budget held: calls in flight or answered within the"
                  + " last window")
          .tag("account", name)
          .strongReference(true)
          .register(registry);
      Gauge.builder("wan.poll.budget.limit", budget, b -> b.limit(name, clock.instant()))
          .description(
              "Permits the account's query budget allows per window now (0 while paused after a"
                  + " Retry-After)")
          .tag("account", name)
          .strongReference(true)
          .register(registry);
    }
  }

  /** A provider call of {@code kind} for {@code account} ended with {@code outcome}. */
  void called(Kind kind, String account, QueryOutcome<?> outcome) {
    String result;
    if (outcome instanceof QueryOutcome.Failed<?> failed) {
      result = failed.error().throttled() ? "throttled" : "error";
    } else {
      result = "ok";
    }
    Counter.builder("wan.poll.calls")
        .description("Provider calls about tasks (query, list, cancel) by outcome")
        .tag("account", account(account))
        .tag("kind", kind.tag())
        .tag("outcome", result)
        .register(registry)
        .increment();
  }

  /**
   * The poller emitted {@code event} at {@code at}: a terminal one is counted by state, and when
   * the provider reported when the task ended, the time from then to {@code at} is recorded.
   */
  void emitted(TaskStatus event, Instant at) {
    if (!TERMINAL.contains(event.getState())) {
      return;
    }
    String account = account(event.getProviderAccount());
    String model = model(event.getModel());
    Counter.builder("wan.poll.task.ended")
        .description("Terminal events the poller emitted, by state")
        .tag("account", account)
        .tag("model", model)
        .tag("state", event.getState().name())
        .register(registry)
        .increment();
    Instant end = event.getProviderEndTime();
    if (end != null) {
      Duration delay = Duration.between(end, at);
      Timer.builder("wan.poll.detection.delay")
          .description(
              "From the provider's reported end of a task to the poller emitting its terminal"
                  + " event")
          .tag("account", account)
          .tag("model", model)
          .publishPercentileHistogram()
          .register(registry)
          .record(delay.isNegative() ? Duration.ZERO : delay);
    }
  }

  /**
   * The poller began tracking {@code submitted} at {@code at}: how long after the provider took the
   * task the poller learnt of it. A task's first poll falls due {@code poller.first-poll-delay}
   * after its submission; a delay near that makes the first poll late, whatever the schedule.
   */
  void tracked(TaskStatus submitted, Instant at) {
    Instant from = TaskTransitions.submittedAt(submitted);
    if (from == null) {
      return;
    }
    Duration delay = Duration.between(from, at);
    Timer.builder("wan.poll.tracking.delay")
        .description(
            "From a task's submission to the poller tracking it: how late the poller learns of"
                + " new tasks")
        .tag("account", account(submitted.getProviderAccount()))
        .publishPercentileHistogram()
        .register(registry)
        .record(delay.isNegative() ? Duration.ZERO : delay);
  }

  /** The processor of {@code partition} tracks {@code byAccount} tasks in flight. */
  void tracking(int partition, Map<String, Integer> byAccount) {
    tracked.put(partition, byAccount);
  }

  /** This instance no longer owns {@code partition}. */
  void released(int partition) {
    tracked.remove(partition);
  }

  private double inFlight(String account) {
    int sum = 0;
    for (Map<String, Integer> counts : tracked.values()) {
      sum += counts.getOrDefault(account, 0);
    }
    return sum;
  }

  private String account(String name) {
    return name != null && accounts.resolve(name).map(ProviderAccount::name).orElse("").equals(name)
        ? name
        : OTHER;
  }

  private String model(String id) {
    return id != null && catalogue.find(id).isPresent() ? id : OTHER;
  }
}
