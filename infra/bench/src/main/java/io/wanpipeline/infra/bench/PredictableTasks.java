package io.wanpipeline.infra.bench;

import io.wanpipeline.infra.simulator.RunningTimes;
import io.wanpipeline.infra.simulator.SimulatorLedger;
import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Which tasks of a pipeline run had a predictable duration, as the detection target means
 * it: a task of a class (model, resolution tier, video seconds) whose running times a client could
 * already know, and that ran as long as that class usually runs. Decided from the simulator's own
 * record of the run (its ledger and how it draws running times, {@link RunningTimes}), never from
 * what the poller learnt:
 *
 * <ul>
 *   <li>known class: at least {@link #SEEN} tasks of its class succeeded at the provider, on any
 *       account, before this one started running;
 *   <li>usual duration: its running time is within the class's spread of the class's mean (not one
 *       of the occasional tasks that take several times as long).
 * </ul>
 */
final class PredictableTasks {
  /** Ends of a class seen before a task of it counts as predictable. */
  static final int SEEN = 5;

  private final RunningTimes times;
  private final long seed;
  private final Map<String, List<Instant>> endsByClass = new HashMap<>();

  /**
   * @param tasks every task the simulator ran (its ledger's)
   * @param times how the simulator drew running times
   * @param seed the simulator's seed, which drew each class's mean
   */
  PredictableTasks(List<SimulatorLedger.TaskRecord> tasks, RunningTimes times, long seed) {
    this.times = times;
    this.seed = seed;
    for (SimulatorLedger.TaskRecord t : tasks) {
      // Only successes: a failed or cancelled task's end says nothing of its class's duration.
      if ("SUCCEEDED".equals(t.state()) && t.ended() != null && t.started() != null) {
        endsByClass.computeIfAbsent(classOf(t), k -> new ArrayList<>()).add(t.ended());
      }
    }
  }

  /** True when {@code task} (ended) was of a known class and ran its class's usual time. */
  boolean predictable(SimulatorLedger.TaskRecord task) {
    if (task.started() == null || task.ended() == null) {
      return false;
    }
    long seenBefore =
        endsByClass.getOrDefault(classOf(task), List.of()).stream()
            .filter(e -> e.isBefore(task.started()))
            .count();
    if (seenBefore < SEEN) {
      return false;
    }
    Duration mean = times.classMean(seed, task.model(), task.tier(), seconds(task));
    long ran = Duration.between(task.started(), task.ended()).toMillis();
    // Drawn durations round to the millisecond: one more is still within the spread.
    return ran <= Math.round(mean.toMillis() * (1 + times.spread())) + 1;
  }

  private static String classOf(SimulatorLedger.TaskRecord t) {
    return t.model() + '|' + t.tier() + '|' + t.usageMillis();
  }

  /** The video seconds the simulator drew the class's mean for: its usage, in seconds. */
  private static BigDecimal seconds(SimulatorLedger.TaskRecord t) {
    return BigDecimal.valueOf(t.usageMillis(), 3);
  }
}
