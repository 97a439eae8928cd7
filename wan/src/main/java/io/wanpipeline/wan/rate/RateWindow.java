package io.wanpipeline.wan.rate;

import java.time.Duration;

/**
 * A rate as a {@link CallLimiter} enforces it: at most {@code limit} calls in any {@code span}. A
 * rate of at least one call a second allows {@code floor(rate)} calls a second; a lower rate one
 * call per {@code ceil(1 / rate)} seconds. The margin lengthens the span for the provider's clock
 * and the network.
 *
 * @param limit calls allowed in any span
 * @param span the window's length
 */
public record RateWindow(int limit, Duration span) {
  public RateWindow {
    if (limit < 1) {
      throw new IllegalArgumentException("limit must be at least 1, got " + limit);
    }
    if (span == null || span.isNegative() || span.isZero()) {
      throw new IllegalArgumentException("span must be positive, got " + span);
    }
  }

  /** The window of {@code callsPerSecond} (positive) with {@code margin}. */
  public static RateWindow of(double callsPerSecond, Duration margin) {
    int perSecond = (int) Math.floor(callsPerSecond + 1e-9);
    if (perSecond >= 1) {
      return new RateWindow(perSecond, Duration.ofSeconds(1).plus(margin));
    }
    long seconds = (long) Math.ceil(1 / callsPerSecond - 1e-9);
    return new RateWindow(1, Duration.ofSeconds(Math.max(1, seconds)).plus(margin));
  }

  /** The calls per second this window allows on average. */
  public double perSecond() {
    return limit / (span.toNanos() / 1e9);
  }
}
