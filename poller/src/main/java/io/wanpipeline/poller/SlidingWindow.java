package io.wanpipeline.poller;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Deque;

/**
 * At most {@code limit} calls in any window of {@code span}: remembers the times of the calls made
 * within the last span. Unlike a token bucket it has no burst: no window of {@code span}, wherever
 * it starts, holds more than {@code limit} calls. Not thread-safe (its owner synchronises).
 */
final class SlidingWindow {
  private final Deque<Instant> calls = new ArrayDeque<>();

  /** Calls that may be made at {@code now} with at most {@code limit} in any {@code span}. */
  int available(Instant now, int limit, Duration span) {
    expire(now, span);
    return Math.max(0, limit - calls.size());
  }

  /** Records a call at {@code now} if one is available. */
  boolean tryAcquire(Instant now, int limit, Duration span) {
    if (available(now, limit, span) <= 0) {
      return false;
    }
    calls.addLast(now);
    return true;
  }

  private void expire(Instant now, Duration span) {
    // A call at t occupies [t, t + span): it has left the window when now >= t + span.
    while (!calls.isEmpty() && !now.isBefore(calls.peekFirst().plus(span))) {
      calls.removeFirst();
    }
  }
}
