package io.wanpipeline.infra.bench;

import static org.assertj.core.api.Assertions.assertThat;

import io.wanpipeline.infra.simulator.SimulatorLedger;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ScheduleCheckTest {
  private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");
  private final ScheduleCheck check = new ScheduleCheck(Duration.ofSeconds(1));

  private static SimulatorLedger.Poll poll(String task, double seconds, int http) {
    return new SimulatorLedger.Poll(
        task, T0.plusMillis((long) (seconds * 1000)), "a", "key-1", "RUNNING", http);
  }

  private static Instant at(double seconds) {
    return T0.plusMillis((long) (seconds * 1000));
  }

  @Test
  void countsFirstPollsFromTheStepAndGapsInTheWindow() {
    List<SimulatorLedger.Poll> polls =
        List.of(
            poll("a", 5.5, 200), // first poll on time
            poll("b", 7.5, 200), // first poll late (> 6 s)
            poll("a", 13.0, 200), // 7.5 s gap: on schedule
            poll("b", 19.0, 200), // 11.5 s gap: late
            poll("a", 16.0, 429)); // refused
    ScheduleCheck.Result r = check.check(polls, Map.of("a", T0, "b", T0), T0, at(10), at(20));

    assertThat(r.firstPolls()).isEqualTo(2);
    assertThat(r.firstOnTime()).isEqualTo(1);
    assertThat(r.firstP50Millis()).isEqualTo(5_500.0);
    assertThat(r.firstP99Millis()).isEqualTo(7_500.0);
    assertThat(r.laterOnSchedule()).isEqualTo(1);
    assertThat(r.laterLate()).isEqualTo(1);
    assertThat(r.laterShare()).isEqualTo(0.5);
    assertThat(r.onSchedule()).isEqualTo(2);
    assertThat(r.late()).isEqualTo(2);
    assertThat(r.polls()).isEqualTo(2);
    assertThat(r.refused()).isEqualTo(1);
    assertThat(r.overdue()).isZero();
  }

  @Test
  void aTaskNotPolledInTimeAtTheWindowsEndIsOverdue() {
    List<SimulatorLedger.Poll> polls = List.of(poll("a", 5.0, 200), poll("b", 5.0, 200));
    ScheduleCheck.Result r =
        check.check(polls, Map.of("a", T0, "b", T0, "c", at(18)), T0, at(10), at(17));

    assertThat(r.overdue()).as("a and b last polled at 5 s, due by 16 s").isEqualTo(2);
    assertThat(r.share()).isEqualTo(2.0 / 4);
    assertThat(r.laterShare()).as("a and b: polled, then overdue").isZero();
  }
}
