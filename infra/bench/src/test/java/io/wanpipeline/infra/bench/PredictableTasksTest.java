package io.wanpipeline.infra.bench;

import static org.assertj.core.api.Assertions.assertThat;

import io.wanpipeline.infra.simulator.RunningTimes;
import io.wanpipeline.infra.simulator.SimulatorLedger;
import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class PredictableTasksTest {
  private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");
  private static final long SEED = 7;
  private static final RunningTimes TIMES =
      RunningTimes.around(Duration.ofSeconds(30), Duration.ofSeconds(120));
  private static final String MODEL = "wan2.6-t2v";
  private static final Duration MEAN = TIMES.classMean(SEED, MODEL, "720P", BigDecimal.valueOf(5));

  private static SimulatorLedger.TaskRecord task(
      String id, String tier, long usageMillis, Instant started, Duration ran) {
    return task(id, tier, usageMillis, started, ran, "SUCCEEDED");
  }

  private static SimulatorLedger.TaskRecord task(
      String id, String tier, long usageMillis, Instant started, Duration ran, String state) {
    return new SimulatorLedger.TaskRecord(
        id,
        "req-" + id,
        "a",
        "key-1",
        MODEL,
        "/video-synthesis",
        tier,
        false,
        usageMillis,
        state,
        null,
        started.minusSeconds(1),
        started,
        started.plus(ran),
        null,
        0);
  }

  /** Five tasks of the class (720P, 5 s) ended by T0 + 200 s. */
  private static List<SimulatorLedger.TaskRecord> fiveSeen() {
    List<SimulatorLedger.TaskRecord> tasks = new ArrayList<>();
    for (int i = 0; i < PredictableTasks.SEEN; i++) {
      tasks.add(task("seen-" + i, "720P", 5_000, T0.plusSeconds(i), MEAN));
    }
    return tasks;
  }

  /** Whether {@code task} is predictable in a run of {@code others} and itself. */
  private static boolean predictable(
      List<SimulatorLedger.TaskRecord> others, SimulatorLedger.TaskRecord task) {
    List<SimulatorLedger.TaskRecord> tasks = new ArrayList<>(others);
    tasks.add(task);
    return new PredictableTasks(tasks, TIMES, SEED).predictable(task);
  }

  @Test
  void aUsualTaskOfAClassSeenFiveTimesIsPredictable() {
    Instant later = T0.plusSeconds(400);
    SimulatorLedger.TaskRecord atTheTop =
        task("top", "720P", 5_000, later, Duration.ofMillis(Math.round(MEAN.toMillis() * 1.15)));
    SimulatorLedger.TaskRecord short_ =
        task("short", "720P", 5_000, later, Duration.ofMillis(MEAN.toMillis() * 85 / 100));

    assertThat(predictable(fiveSeen(), atTheTop)).isTrue();
    assertThat(predictable(fiveSeen(), short_)).isTrue();
  }

  @Test
  void aSlowTaskIsNotPredictable() {
    SimulatorLedger.TaskRecord slow =
        task("slow", "720P", 5_000, T0.plusSeconds(400), MEAN.multipliedBy(3));

    assertThat(predictable(fiveSeen(), slow)).isFalse();
  }

  @Test
  void aTaskStartedBeforeItsClassEndedFiveTimesIsNotPredictable() {
    // Started while the fifth was still running.
    SimulatorLedger.TaskRecord early =
        task("early", "720P", 5_000, T0.plusSeconds(4).plus(MEAN).minusMillis(1), MEAN);
    // Another class (10 s videos): none of its kind seen.
    SimulatorLedger.TaskRecord otherClass =
        task("other", "720P", 10_000, T0.plusSeconds(400), MEAN);

    assertThat(predictable(fiveSeen(), early)).isFalse();
    assertThat(predictable(fiveSeen(), otherClass)).isFalse();
  }

  @Test
  void failedTasksDoNotMakeAClassKnown() {
    List<SimulatorLedger.TaskRecord> tasks = new ArrayList<>();
    for (int i = 0; i < PredictableTasks.SEEN; i++) {
      tasks.add(task("failed-" + i, "720P", 5_000, T0.plusSeconds(i), MEAN, "FAILED"));
    }
    SimulatorLedger.TaskRecord after = task("after", "720P", 5_000, T0.plusSeconds(400), MEAN);

    assertThat(predictable(tasks, after)).isFalse();
  }
}
