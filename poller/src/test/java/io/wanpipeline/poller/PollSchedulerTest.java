package io.wanpipeline.poller;

import static io.wanpipeline.poller.Tasks.T0;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.wanpipeline.events.internal.InFlightTask;
import io.wanpipeline.wan.retry.Backoff;
import java.time.Duration;
import java.time.Instant;
import java.util.HashSet;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

class PollSchedulerTest {
  private final PollScheduler scheduler = Tasks.scheduler(11);

  @Test
  void firstPollFiveSecondsAfterSubmission() {
    assertThat(scheduler.firstPoll(T0)).isEqualTo(T0.plusSeconds(5));
  }

  @Test
  void nextPollBetweenFiveAndTenSecondsJitteredUniformly() {
    Set<Long> seconds = new HashSet<>();
    for (int i = 0; i < 1000; i++) {
      Instant next = scheduler.afterAnswer(T0);
      assertThat(next).isBetween(T0.plusSeconds(5), T0.plusSeconds(10));
      seconds.add(Duration.between(T0, next).toSeconds());
    }
    assertThat(seconds).as("whole seconds hit across the range").contains(5L, 6L, 7L, 8L, 9L);
  }

  @Test
  void aimedPollsKeepTheIntervalLandJustAfterTheWindowOpensThenComeAsOftenAsAllowed() {
    // A task expected to end 41-49 s after T0, last answered at T0.
    RunTimeForecast.Window window =
        new RunTimeForecast.Window(T0.plusSeconds(41), T0.plusSeconds(49));
    Instant last = T0;
    Instant landed = null;
    int polls = 0;
    while (last.isBefore(window.to())) {
      Instant next = scheduler.afterAnswer(last, window);
      assertThat(Duration.between(last, next))
          .as("poll %d keeps 5-10 s after the previous answer", polls + 1)
          .isBetween(Duration.ofSeconds(5), Duration.ofSeconds(10));
      if (landed == null && !next.isBefore(window.from())) {
        landed = next;
      }
      last = next;
      polls++;
    }
    assertThat(landed)
        .as("one poll lands just after the window opens")
        .isEqualTo(window.from().plus(PollScheduler.AIM_MARGIN));
    assertThat(polls)
        .as("as late as allowed before it (10, 20, 30, 36, 41.25 s), then 5 s")
        .isEqualTo(7);
  }

  @Test
  void aWindowWithinReachIsLandedOnAndOneFurtherIsApproachedAsLateAsAllowed() {
    Instant last = T0;
    assertThat(scheduler.afterAnswer(last, window(7, 9))).isEqualTo(T0.plusMillis(7250));
    assertThat(scheduler.afterAnswer(last, window(2, 9)))
        .as("already open: as soon as allowed")
        .isEqualTo(T0.plusSeconds(5));
    assertThat(scheduler.afterAnswer(last, window(13, 20)))
        .as("13.25 s away: one interval short of it, so the next lands on it")
        .isEqualTo(T0.plusMillis(8250));
    assertThat(scheduler.afterAnswer(last, window(11, 20)))
        .as("11.25 s away: 5 s, then 6.25 s")
        .isEqualTo(T0.plusSeconds(6).plusMillis(250));
    assertThat(scheduler.afterAnswer(last, window(60, 70))).isEqualTo(T0.plusSeconds(10));
  }

  @Test
  void aTaskLateForItsClassIsPolledAtRandomPointsAgain() {
    Set<Instant> next = new HashSet<>();
    for (int i = 0; i < 50; i++) {
      next.add(scheduler.afterAnswer(T0.plusSeconds(30), window(10, 20)));
    }
    assertThat(next)
        .hasSizeGreaterThan(10)
        .allSatisfy(n -> assertThat(n).isBetween(T0.plusSeconds(35), T0.plusSeconds(40)));
    assertThat(scheduler.afterAnswer(T0, null)).isBetween(T0.plusSeconds(5), T0.plusSeconds(10));
  }

  private static RunTimeForecast.Window window(long fromSeconds, long toSeconds) {
    return new RunTimeForecast.Window(T0.plusSeconds(fromSeconds), T0.plusSeconds(toSeconds));
  }

  @Test
  void failuresBackOffButNeverBelowTheFloor() {
    PollScheduler tiny =
        new PollScheduler(
            Duration.ofSeconds(3),
            Duration.ofSeconds(3),
            Duration.ofSeconds(3),
            new Backoff(Duration.ofMillis(10), Duration.ofMillis(20), new Random(1)),
            new Random(1));
    assertThat(tiny.afterFailure(T0, 1, null)).isEqualTo(T0.plusSeconds(3));
    assertThat(tiny.afterFailure(T0, 1, Duration.ofMillis(500))).isEqualTo(T0.plusSeconds(3));
    assertThat(scheduler.afterFailure(T0, 1, Duration.ofSeconds(30)))
        .isBetween(T0.plusSeconds(30), T0.plusSeconds(33));
    assertThat(scheduler.afterFailure(T0, 3, null))
        .isBetween(T0.plusSeconds(10), T0.plusSeconds(20));
  }

  @Test
  void configurationCannotLowerTheFloor() {
    Backoff b = new Backoff(Duration.ofSeconds(1), Duration.ofSeconds(2), new Random());
    assertThatThrownBy(
            () ->
                new PollScheduler(
                    Duration.ofSeconds(5),
                    Duration.ofMillis(2999),
                    Duration.ofSeconds(10),
                    b,
                    new Random()))
        .hasMessageContaining("floor");
    assertThatThrownBy(
            () ->
                new PollScheduler(
                    Duration.ofSeconds(1),
                    Duration.ofSeconds(5),
                    Duration.ofSeconds(10),
                    b,
                    new Random()))
        .hasMessageContaining("floor");
  }

  @Test
  void dueOnlyAtNextPollAndThreeSecondsAfterTheLastCall() {
    InFlightTask task = Tasks.transitions().track(Tasks.submitted("r1", "t1"));
    assertThat(scheduler.isDue(task, T0.plusMillis(4999))).isFalse();
    assertThat(scheduler.isDue(task, T0.plusSeconds(5))).isTrue();
    // A schedule that says "now" still waits for the floor after the last call.
    task.setLastPollAt(T0.plusSeconds(4));
    task.setNextPollAt(T0.plusSeconds(5));
    assertThat(scheduler.isDue(task, T0.plusMillis(6999))).isFalse();
    assertThat(scheduler.isDue(task, T0.plusSeconds(7))).isTrue();
  }
}
