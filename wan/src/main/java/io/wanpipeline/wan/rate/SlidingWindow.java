package io.wanpipeline.wan.rate;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;

/**
 * At most {@code limit} calls in any window of {@code span}: remembers the times of the calls made
 * within the last span. Unlike a token bucket it has no burst: no window of {@code span}, wherever
 * it starts, holds more than {@code limit} calls. A call is stamped when it is taken, again when it
 * starts ({@link Slot#startedAt}) and again when its answer arrives ({@link Slot#completedAt});
 * while it is in flight it never leaves the window. The provider receives a call somewhere between
 * its start and its answer, so counting it from its answer means that any {@code limit + 1} calls
 * reach the provider more than {@code span} apart, however late the network or a busy machine
 * delivers them. Shared by the poller's query budget and the archiver's link queries. Not
 * thread-safe (its owner synchronises).
 */
public final class SlidingWindow {
  /** One call in the window. */
  public static final class Slot {
    private Instant at;
    private boolean inFlight;

    private Slot(Instant at) {
      this.at = at;
    }

    /** The call started at {@code startedAt}: it stays in the window until it completes. */
    public void startedAt(Instant startedAt) {
      inFlight = true;
      if (startedAt.isAfter(at)) {
        at = startedAt;
      }
    }

    /** The call's answer arrived at {@code completedAt}: it occupies the window from then on. */
    public void completedAt(Instant completedAt) {
      inFlight = false;
      if (completedAt.isAfter(at)) {
        at = completedAt;
      }
    }
  }

  private final List<Slot> calls = new ArrayList<>();

  /** Calls that may be made at {@code now} with at most {@code limit} in any {@code span}. */
  public int available(Instant now, int limit, Duration span) {
    // A call at t occupies [t, t + span): it has left the window when now >= t + span. Stamps
    // move, so the slots are not in order: look at all of them (at most a rate's worth).
    calls.removeIf(s -> !s.inFlight && !now.isBefore(s.at.plus(span)));
    return Math.max(0, limit - calls.size());
  }

  /** Records a call at {@code now} if one is available; null when none is. */
  public Slot tryAcquire(Instant now, int limit, Duration span) {
    if (available(now, limit, span) <= 0) {
      return null;
    }
    Slot slot = new Slot(now);
    calls.add(slot);
    return slot;
  }

  /** Gives back a call taken but never made: it leaves the window at once. */
  public void release(Slot slot) {
    calls.remove(slot);
  }

  /**
   * When the next call may be made, with at most {@code limit} in any {@code span}: {@code now} if
   * one is available, else when the earliest answered call leaves the window; empty while every
   * call in the window is still in flight (it leaves only after its answer).
   */
  public Optional<Instant> nextFree(Instant now, int limit, Duration span) {
    if (available(now, limit, span) > 0) {
      return Optional.of(now);
    }
    return calls.stream()
        .filter(s -> !s.inFlight)
        .map(s -> s.at.plus(span))
        .min(Comparator.naturalOrder());
  }
}
