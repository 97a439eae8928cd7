package io.wanpipeline.infra.simulator;

import java.math.BigDecimal;
import java.time.Duration;
import java.util.Objects;
import java.util.SplittableRandom;
import java.util.random.RandomGenerator;

/**
 * How long the simulated provider runs a task, shaped as a real one is: the tasks of one class
 * (model, resolution tier, video seconds) take about the same time, each within {@code spread} of
 * its class's mean, and now and then one takes several times as long. Each class's mean is drawn
 * once from {@code shortest..longest} by the simulator's seed, so a client cannot be tuned to the
 * durations in advance; it can only learn them from the tasks it has seen, as it would have to with
 * the real service.
 *
 * @param shortest the least class mean, positive
 * @param longest the greatest class mean, at least {@code shortest}
 * @param spread how far one task strays from its class's mean, as a share of it (0.15: within
 *     +-15%, uniformly), within {@code [0, 1)}
 * @param slowShare share of tasks that take {@code slowFactor} times as long, within {@code [0, 1]}
 * @param slowFactor how much longer a slow task takes, at least 1
 */
public record RunningTimes(
    Duration shortest, Duration longest, double spread, double slowShare, double slowFactor) {

  public RunningTimes {
    Objects.requireNonNull(shortest, "shortest");
    Objects.requireNonNull(longest, "longest");
    if (shortest.isNegative() || shortest.isZero() || longest.compareTo(shortest) < 0) {
      throw new IllegalArgumentException("need 0 < shortest <= longest");
    }
    if (!(spread >= 0 && spread < 1)) {
      throw new IllegalArgumentException("spread must be within [0, 1)");
    }
    if (!(slowShare >= 0 && slowShare <= 1) || !(slowFactor >= 1)) {
      throw new IllegalArgumentException("need slowShare within [0, 1] and slowFactor >= 1");
    }
  }

  /**
   * Class means from {@code shortest} to {@code longest}, each task within +-15% of its class's,
   * one in fifty three times as long.
   */
  public static RunningTimes around(Duration shortest, Duration longest) {
    return new RunningTimes(shortest, longest, 0.15, 0.02, 3.0);
  }

  /** The mean running time of the tasks of one class, the same for one seed at every call. */
  public Duration classMean(long seed, String model, String tier, BigDecimal seconds) {
    String key = model + '|' + tier + '|' + (seconds == null ? "" : seconds.stripTrailingZeros());
    long mixed = seed * 0x9E3779B97F4A7C15L ^ key.hashCode();
    double u = new SplittableRandom(mixed).nextDouble();
    long span = longest.toMillis() - shortest.toMillis();
    return shortest.plusMillis(Math.round(span * u));
  }

  /** One task's running time around {@code mean}. */
  public Duration draw(Duration mean, RandomGenerator random) {
    double factor = 1 + spread * (2 * random.nextDouble() - 1);
    if (random.nextDouble() < slowShare) {
      factor *= slowFactor;
    }
    return Duration.ofMillis(Math.max(1, Math.round(mean.toMillis() * factor)));
  }
}
