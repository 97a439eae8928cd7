package io.wanpipeline.submitter.dispatch;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;

/**
 * Decides whether a create call may start now under a submit rate: a sliding window that admits at
 * most {@code permits} calls in any {@code window}, where {@code permits} is the rate rounded down
 * (at least 1) and {@code window} is one second, or longer when the rate is under 1 a second (0.5 a
 * second: one call in any 2 s). A call counts from the moment it is admitted. Not thread-safe.
 */
public final class SubmitRateLimiter {
  private static final Duration SECOND = Duration.ofSeconds(1);

  private final int permits;
  private final Duration window;
  private final ArrayDeque<Instant> admitted = new ArrayDeque<>();

  /** A limiter of {@code ratePerSecond} calls a second (positive). */
  public SubmitRateLimiter(double ratePerSecond) {
    if (!(ratePerSecond > 0) || Double.isInfinite(ratePerSecond)) {
      throw new IllegalArgumentException("rate must be positive, got " + ratePerSecond);
    }
    this.permits = (int) Math.max(1, Math.floor(ratePerSecond));
    long windowNanos = (long) Math.ceil(permits / ratePerSecond * SECOND.toNanos());
    this.window = windowNanos < SECOND.toNanos() ? SECOND : Duration.ofNanos(windowNanos);
  }

  /** Calls admitted in any window. */
  public int permits() {
    return permits;
  }

  /** The sliding window. */
  public Duration window() {
    return window;
  }

  /** Admits a call at {@code now} when the window has room, and counts it. */
  public boolean tryAcquire(Instant now) {
    evict(now);
    if (admitted.size() >= permits) {
      return false;
    }
    admitted.addLast(now);
    return true;
  }

  /** The earliest instant a call may be admitted (now when there is room). */
  public Instant nextFree(Instant now) {
    evict(now);
    return admitted.size() < permits ? now : admitted.peekFirst().plus(window);
  }

  private void evict(Instant now) {
    // A call admitted at t leaves the window of every instant at or after t + window.
    while (!admitted.isEmpty() && !admitted.peekFirst().plus(window).isAfter(now)) {
      admitted.removeFirst();
    }
  }
}
