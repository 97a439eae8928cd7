package io.wanpipeline.poller;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * At most {@code limit} calls in any window of {@code span}: remembers the times of the calls made
 * within the last span. Unlike a token bucket it has no burst: no window of {@code span}, wherever
 * it starts, holds more than {@code limit} calls. A call is stamped when it is taken and again when
 * it actually starts ({@link Slot#startedAt}), which can only move its stamp later, so a call that
 * waited for a free thread still occupies the window from the moment it was sent. Not thread-safe
 * (its owner synchronises).
 */
final class SlidingWindow {
  /** One call in the window. */
  static final class Slot {
    private Instant at;

    private Slot(Instant at) {
      this.at = at;
    }

    /** The call started at {@code startedAt}: it occupies the window from then on. */
    void startedAt(Instant startedAt) {
      if (startedAt.isAfter(at)) {
        at = startedAt;
      }
    }
  }

  private final List<Slot> calls = new ArrayList<>();

  /** Calls that may be made at {@code now} with at most {@code limit} in any {@code span}. */
  int available(Instant now, int limit, Duration span) {
    // A call at t occupies [t, t + span): it has left the window when now >= t + span. Stamps
    // move, so the slots are not in order: look at all of them (at most a rate's worth).
    calls.removeIf(s -> !now.isBefore(s.at.plus(span)));
    return Math.max(0, limit - calls.size());
  }

  /** Records a call at {@code now} if one is available; null when none is. */
  Slot tryAcquire(Instant now, int limit, Duration span) {
    if (available(now, limit, span) <= 0) {
      return null;
    }
    Slot slot = new Slot(now);
    calls.add(slot);
    return slot;
  }
}
