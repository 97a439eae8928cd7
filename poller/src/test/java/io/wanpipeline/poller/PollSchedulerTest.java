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
