package io.wanpipeline.infra.simulator;

import java.time.Duration;
import java.util.Objects;

/**
 * Injected faults of one route; each rate is a probability in [0, 1] drawn from the simulator's
 * seeded random, so a sequential client sees the same faults on every run with the same seed.
 *
 * @param throttleRate share of calls answered 429 {@code Throttling.RateQuota} with {@code
 *     Retry-After}
 * @param internalErrorRate share answered 500 {@code InternalError}
 * @param unavailableRate share answered 503 {@code ServiceUnavailable}
 * @param resetRate share whose connection is closed without an answer
 * @param malformedRate share answered 200 with a truncated JSON body (JSON routes only)
 * @param delayRate share answered only after a delay
 * @param delay how long a delayed answer waits at least (wall time, not the simulator clock)
 * @param delayMax how long a delayed answer waits at most; each delayed call waits a uniformly
 *     drawn time between {@code delay} and {@code delayMax} (equal: always {@code delay})
 */
public record Faults(
    double throttleRate,
    double internalErrorRate,
    double unavailableRate,
    double resetRate,
    double malformedRate,
    double delayRate,
    Duration delay,
    Duration delayMax) {

  /** No faults at all. */
  public static final Faults NONE = new Faults(0, 0, 0, 0, 0, 0, Duration.ZERO);

  public Faults {
    Objects.requireNonNull(delay, "delay");
    Objects.requireNonNull(delayMax, "delayMax");
    double sum = 0;
    for (double r :
        new double[] {throttleRate, internalErrorRate, unavailableRate, resetRate, malformedRate}) {
      if (r < 0 || r > 1) {
        throw new IllegalArgumentException("fault rates must be within [0, 1]");
      }
      sum += r;
    }
    if (sum > 1.0 + 1e-9) {
      throw new IllegalArgumentException("fault rates of one route must add up to at most 1");
    }
    if (delayRate < 0 || delayRate > 1) {
      throw new IllegalArgumentException("delayRate must be within [0, 1]");
    }
    if (delay.isNegative()) {
      throw new IllegalArgumentException("delay must not be negative");
    }
    if (delayMax.compareTo(delay) < 0) {
      throw new IllegalArgumentException("delayMax must not be shorter than delay");
    }
  }

  /** Faults whose delayed answers all wait exactly {@code delay}. */
  public Faults(
      double throttleRate,
      double internalErrorRate,
      double unavailableRate,
      double resetRate,
      double malformedRate,
      double delayRate,
      Duration delay) {
    this(
        throttleRate,
        internalErrorRate,
        unavailableRate,
        resetRate,
        malformedRate,
        delayRate,
        delay,
        delay);
  }

  /** Every call answered 429 {@code Throttling.RateQuota}. */
  public static Faults alwaysThrottle() {
    return NONE.withThrottleRate(1);
  }

  /** Copy with another 429 rate. */
  public Faults withThrottleRate(double rate) {
    return new Faults(
        rate,
        internalErrorRate,
        unavailableRate,
        resetRate,
        malformedRate,
        delayRate,
        delay,
        delayMax);
  }

  /** Copy with another 500 rate. */
  public Faults withInternalErrorRate(double rate) {
    return new Faults(
        throttleRate, rate, unavailableRate, resetRate, malformedRate, delayRate, delay, delayMax);
  }

  /** Copy with another 503 rate. */
  public Faults withUnavailableRate(double rate) {
    return new Faults(
        throttleRate,
        internalErrorRate,
        rate,
        resetRate,
        malformedRate,
        delayRate,
        delay,
        delayMax);
  }

  /** Copy with another connection-reset rate. */
  public Faults withResetRate(double rate) {
    return new Faults(
        throttleRate,
        internalErrorRate,
        unavailableRate,
        rate,
        malformedRate,
        delayRate,
        delay,
        delayMax);
  }

  /** Copy with another malformed-body rate. */
  public Faults withMalformedRate(double rate) {
    return new Faults(
        throttleRate,
        internalErrorRate,
        unavailableRate,
        resetRate,
        rate,
        delayRate,
        delay,
        delayMax);
  }

  /**
   * Copy where {@code rate} of the calls are answered after a time drawn uniformly between {@code
   * min} and {@code max}: a latency spread such as the provider's 100-400 ms create calls.
   */
  public Faults withDelayBetween(double rate, Duration min, Duration max) {
    return new Faults(
        throttleRate, internalErrorRate, unavailableRate, resetRate, malformedRate, rate, min, max);
  }

  /** Copy where {@code rate} of the calls are answered after {@code delay}. */
  public Faults withDelay(double rate, Duration delay) {
    return new Faults(
        throttleRate, internalErrorRate, unavailableRate, resetRate, malformedRate, rate, delay);
  }
}
