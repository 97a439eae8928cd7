package io.wanpipeline.infra.simulator;

import java.time.Duration;
import java.util.Random;

/**
 * The simulator's seeded randomness: one stream draws HTTP faults, another the fates of tasks, so
 * that enabling faults on one route does not change which tasks fail. Draws are serialised, so a
 * sequential client sees the same sequence on every run with the same seed.
 */
final class FaultDice {

  /** What happens to one call. */
  enum Outcome {
    NONE,
    THROTTLE,
    INTERNAL_ERROR,
    UNAVAILABLE,
    RESET,
    MALFORMED
  }

  /** The outcome of one call and how long to hold its answer. */
  record Decision(Outcome outcome, Duration delay) {
    static final Decision CLEAN = new Decision(Outcome.NONE, Duration.ZERO);
  }

  private final Random faults;
  private final Random fates;

  FaultDice(long seed) {
    this.faults = new Random(seed);
    this.fates = new Random(seed ^ 0x5DEECE66DL);
  }

  /** Draws the fault of one call; routes without faults consume no randomness. */
  synchronized Decision draw(Faults f) {
    if (f.equals(Faults.NONE)) {
      return Decision.CLEAN;
    }
    double r = faults.nextDouble();
    double d = faults.nextDouble();
    Outcome outcome = Outcome.NONE;
    double edge = f.throttleRate();
    if (r < edge) {
      outcome = Outcome.THROTTLE;
    } else if (r < (edge += f.internalErrorRate())) {
      outcome = Outcome.INTERNAL_ERROR;
    } else if (r < (edge += f.unavailableRate())) {
      outcome = Outcome.UNAVAILABLE;
    } else if (r < (edge += f.resetRate())) {
      outcome = Outcome.RESET;
    } else if (r < edge + f.malformedRate()) {
      outcome = Outcome.MALFORMED;
    }
    Duration delay = d < f.delayRate() ? delayOf(f) : Duration.ZERO;
    return new Decision(outcome, delay);
  }

  /** A delayed call's wait; a fixed delay consumes no randomness, so old sequences stay. */
  private Duration delayOf(Faults f) {
    long spread = f.delayMax().minus(f.delay()).toNanos();
    if (spread <= 0) {
      return f.delay();
    }
    return f.delay().plusNanos((long) (faults.nextDouble() * (spread + 1)));
  }

  /** Draws a task's fate: FAIL with {@code failureRate}, NEVER_FINISH with {@code neverFinish}. */
  synchronized SimulatedTask.Fate fate(double failureRate, double neverFinishRate) {
    if (failureRate == 0 && neverFinishRate == 0) {
      return SimulatedTask.Fate.SUCCEED;
    }
    double r = fates.nextDouble();
    if (r < failureRate) {
      return SimulatedTask.Fate.FAIL;
    }
    if (r < failureRate + neverFinishRate) {
      return SimulatedTask.Fate.NEVER_FINISH;
    }
    return SimulatedTask.Fate.SUCCEED;
  }
}
