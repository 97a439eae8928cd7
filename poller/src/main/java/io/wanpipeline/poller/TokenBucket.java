package io.wanpipeline.poller;

import java.time.Duration;
import java.time.Instant;

/**
 * A token bucket: {@code ratePerSecond} tokens a second, holding at most {@code capacity}; starts
 * full. Time is passed in. Thread-safe.
 */
public final class TokenBucket {
  private final double ratePerSecond;
  private final double capacity;
  private double tokens;
  private Instant refilledAt;

  public TokenBucket(double ratePerSecond, double capacity) {
    if (ratePerSecond <= 0 || capacity < 1) {
      throw new IllegalArgumentException(
          "rate must be positive and capacity at least 1, got " + ratePerSecond + ", " + capacity);
    }
    this.ratePerSecond = ratePerSecond;
    this.capacity = capacity;
    this.tokens = capacity;
  }

  /** Takes one token if there is one at {@code now}. */
  public synchronized boolean tryAcquire(Instant now) {
    refill(now);
    if (tokens >= 1) {
      tokens -= 1;
      return true;
    }
    return false;
  }

  private void refill(Instant now) {
    if (refilledAt == null) {
      refilledAt = now;
      return;
    }
    if (now.isAfter(refilledAt)) {
      double seconds = Duration.between(refilledAt, now).toNanos() / 1e9;
      tokens = Math.min(capacity, tokens + seconds * ratePerSecond);
      refilledAt = now;
    }
  }
}
