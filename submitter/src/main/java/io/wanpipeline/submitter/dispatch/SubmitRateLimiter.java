package io.wanpipeline.submitter.dispatch;

import io.wanpipeline.wan.rate.CallLimiter;
import io.wanpipeline.wan.rate.RateWindow;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;

/**
 * Decides whether a create call may start now under a submit rate, with a {@link CallLimiter}: at
 * most {@code permits} calls in any {@code window}, where {@code permits} is the rate rounded down
 * (at least 1) and {@code window} is one second, or longer when the rate is under 1 a second (0.5 a
 * second: one call in any 2 s). A call counts from the moment it is admitted until a window after
 * its answer ({@link #answered}), since the provider may have received it as late as that. Not
 * thread-safe: the dispatcher thread owns it.
 */
public final class SubmitRateLimiter {
  private static final Duration SECOND = Duration.ofSeconds(1);

  private final RateWindow rate;
  private final CallLimiter calls = new CallLimiter();
  private final ArrayDeque<CallLimiter.Permit> inFlight = new ArrayDeque<>();

  /** A limiter of {@code ratePerSecond} calls a second (positive). */
  public SubmitRateLimiter(double ratePerSecond) {
    if (!(ratePerSecond > 0) || Double.isInfinite(ratePerSecond)) {
      throw new IllegalArgumentException("rate must be positive, got " + ratePerSecond);
    }
    int permits = (int) Math.max(1, Math.floor(ratePerSecond));
    long windowNanos = (long) Math.ceil(permits / ratePerSecond * SECOND.toNanos());
    this.rate =
        new RateWindow(
            permits, windowNanos < SECOND.toNanos() ? SECOND : Duration.ofNanos(windowNanos));
  }

  /** Calls admitted in any window. */
  public int permits() {
    return rate.limit();
  }

  /** The sliding window. */
  public Duration window() {
    return rate.span();
  }

  /**
   * Admits a call at {@code now} when the window has room; the call then counts until a window
   * after {@link #answered}.
   */
  public boolean tryAcquire(Instant now) {
    return calls
        .tryAcquire(now, rate)
        .map(
            permit -> {
              inFlight.addLast(permit);
              return true;
            })
        .orElse(false);
  }

  /**
   * A call admitted by {@link #tryAcquire} was answered (or failed, or timed out) at {@code at}.
   *
   * @throws IllegalStateException when no admitted call is waiting for its answer
   */
  public void answered(Instant at) {
    CallLimiter.Permit permit = inFlight.pollFirst();
    if (permit == null) {
      throw new IllegalStateException("no create call in flight");
    }
    permit.answered(at);
  }

  /**
   * The earliest instant a call may be admitted: now when there is room; while admitted calls are
   * still unanswered, the earliest they could leave the window.
   */
  public Instant nextFree(Instant now) {
    return calls.nextFree(now, rate);
  }
}
