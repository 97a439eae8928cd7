package io.wanpipeline.poller;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.wanpipeline.events.TaskState;
import io.wanpipeline.infra.testing.fixtures.TaskStatuses;
import io.wanpipeline.wan.QueryOutcome;
import io.wanpipeline.wan.WanError;
import io.wanpipeline.wan.account.ProviderAccounts;
import io.wanpipeline.wan.catalogue.ModelCatalogue;
import io.wanpipeline.wan.rate.CallLimiter;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class PollerMetersTest {
  private static final Instant T0 = TaskStatuses.T0;
  private static final ProviderAccounts ACCOUNTS =
      ProviderAccounts.parse(
          k ->
              Optional.ofNullable(
                  Map.of("provider.accounts", "default", "provider.default.query-rate", "10")
                      .get(k)),
          k -> k.endsWith(".api-key") ? Optional.of("sk-test") : Optional.empty());

  private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
  private final PollerMeters meters =
      new PollerMeters(registry, ACCOUNTS, ModelCatalogue.standard());

  @Test
  void countsTerminalEventsOnlyAndTheDelayFromTheProvidersEnd() {
    meters.emitted(TaskStatuses.of("r1", TaskState.RUNNING).build(), T0);
    meters.emitted(TaskStatuses.succeeded("r2").build(), T0.plusSeconds(4));
    meters.emitted(
        TaskStatuses.of("r3", TaskState.TIMED_OUT).build(), T0.plusSeconds(9)); // no end time

    assertThat(registry.get("wan.poll.task.ended").counters())
        .extracting(c -> c.getId().getTag("state"))
        .as("RUNNING is no end")
        .containsExactlyInAnyOrder("SUCCEEDED", "TIMED_OUT");
    assertThat(
            registry
                .get("wan.poll.task.ended")
                .tags("account", "default", "model", TaskStatuses.MODEL, "state", "SUCCEEDED")
                .counter()
                .count())
        .isEqualTo(1);
    Timer delay = registry.get("wan.poll.detection.delay").timer();
    assertThat(delay.count()).as("only the event with a provider end time").isEqualTo(1);
    assertThat(delay.totalTime(TimeUnit.MILLISECONDS)).isEqualTo(4_000);
  }

  @Test
  void timesTheTrackingOfANewTaskFromItsSubmission() {
    meters.tracked(TaskStatuses.submitted("r1", "t1").build(), T0.plusMillis(1_500));
    meters.tracked(
        TaskStatuses.submitted("r2", "t2").setSubmittedAt(T0.plusSeconds(2)).build(),
        T0.plusSeconds(1)); // a provider clock ahead of ours

    Timer delay = registry.get("wan.poll.tracking.delay").tag("account", "default").timer();
    assertThat(delay.count()).isEqualTo(2);
    assertThat(delay.totalTime(TimeUnit.MILLISECONDS)).isEqualTo(1_500);
  }

  @Test
  void aProviderClockAheadOfOursRecordsNoNegativeDelay() {
    meters.emitted(TaskStatuses.succeeded("r").build(), T0.minusSeconds(2));

    Timer delay = registry.get("wan.poll.detection.delay").timer();
    assertThat(delay.count()).isEqualTo(1);
    assertThat(delay.totalTime(TimeUnit.MILLISECONDS)).isZero();
  }

  @Test
  void tagsNoAccountOrModelOutsideTheConfiguredAndCataloguedSets() {
    meters.emitted(
        TaskStatuses.succeeded("r")
            .setProviderAccount("someone-else")
            .setModel("made-up-model")
            .build(),
        T0);
    meters.called(PollerMeters.Kind.QUERY, "someone-else", new QueryOutcome.Answered<>("x"));

    assertThat(
            registry
                .get("wan.poll.task.ended")
                .tags("account", PollerMeters.OTHER, "model", PollerMeters.OTHER)
                .counter()
                .count())
        .isEqualTo(1);
    assertThat(registry.get("wan.poll.calls").tags("account", PollerMeters.OTHER).counter().count())
        .isEqualTo(1);
  }

  @Test
  void classifiesCallOutcomes() {
    meters.called(PollerMeters.Kind.QUERY, "default", new QueryOutcome.Answered<>("x"));
    meters.called(PollerMeters.Kind.LIST, "default", failed("Throttling.RateQuota", 429));
    meters.called(PollerMeters.Kind.CANCEL, "default", failed("InternalError", 500));

    assertThat(count("query", "ok")).isEqualTo(1);
    assertThat(count("list", "throttled")).isEqualTo(1);
    assertThat(count("cancel", "error")).isEqualTo(1);
  }

  @Test
  void sumsTasksInFlightOverTheOwnedPartitionsUntilOneIsReleased() {
    meters.tracking(0, Map.of("default", 3));
    meters.tracking(1, Map.of("default", 2));
    assertThat(inFlight()).isEqualTo(5);

    meters.released(1);
    assertThat(inFlight()).isEqualTo(3);
  }

  @Test
  void publishesThePermitsHeldAgainstTheBudgetsLimit() {
    Clock clock = Clock.fixed(T0, ZoneOffset.UTC);
    QueryBudget budget = new QueryBudget(ACCOUNTS, OptionalDouble.empty());
    meters.bindBudget(budget, clock);
    double limit = registry.get("wan.poll.budget.limit").gauge().value();
    assertThat(limit).as("the account's poll rate per window").isPositive();

    CallLimiter.Permit inFlight = budget.take("default", T0);
    budget.take("default", T0).answered(T0);
    assertThat(registry.get("wan.poll.budget.held").gauge().value()).isEqualTo(2);

    budget.slowDown("default", T0, Duration.ofSeconds(30));
    assertThat(registry.get("wan.poll.budget.limit").gauge().value())
        .as("paused by a Retry-After")
        .isZero();
    assertThat(registry.get("wan.poll.budget.held").gauge().value())
        .as("while paused, the calls still in flight")
        .isEqualTo(1);
    inFlight.answered(T0);
  }

  private double count(String kind, String outcome) {
    return registry
        .get("wan.poll.calls")
        .tags("account", "default", "kind", kind, "outcome", outcome)
        .counter()
        .count();
  }

  private double inFlight() {
    return registry.get("wan.poll.tasks.in.flight").tags("account", "default").gauge().value();
  }

  private static QueryOutcome<Object> failed(String code, int http) {
    return new QueryOutcome.Failed<>(
        new WanError(code, "m", true, WanError.Stage.QUERY, http, null));
  }
}
