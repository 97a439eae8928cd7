package io.wanpipeline.wan.rate;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * At most {@code limit} calls in any window of {@code span} ({@link RateWindow}), with no burst: a
 * call holds one of the window's permits from the moment it is granted until {@code span} after its
 * answer arrived ({@link Permit#answered}); a call granted but not made gives its permit back at
 * once ({@link Permit#release}).
 *
 * <p>Why from the answer: the provider receives a call somewhere between its start and its answer,
 * and counts it then. A permit granted at {@code a} and answered at {@code c} covers every moment
 * the provider may have counted the call, so when the {@code (limit + 1)}-th call is granted every
 * earlier one has reached the provider at least {@code span} before: no window of {@code span},
 * wherever it starts, sees more than {@code limit} calls, however late a busy machine or the
 * network delivers them.
 *
 * <p>A call that never answers holds its permit until it is answered or released; there is no
 * timeout. A call in flight may still reach the provider, so freeing its permit on a timer would
 * let exactly the surplus through that this class exists to stop. Every caller's call is bounded by
 * its client's timeouts and answers its permit in a {@code finally}; {@link #inFlight()} shows a
 * leak.
 *
 * <p>It never blocks: {@link #tryAcquire} grants a permit or refuses at once, and {@link #nextFree}
 * says when to ask again. It makes no fairness promise: a freed permit goes to whoever asks next.
 * The window is passed at each call, so a caller whose rate changes (a share of partitions, a
 * slow-down) asks with the window in force; permits already held keep counting. Thread-safe; time
 * is passed in.
 */
public final class CallLimiter {
  private final List<Permit> held = new ArrayList<>();

  /**
   * Grants a permit at {@code now} if {@code window} has one free: the caller makes its call and
   * then answers or releases the permit.
   */
  public synchronized Optional<Permit> tryAcquire(Instant now, RateWindow window) {
    if (available(now, window) <= 0) {
      return Optional.empty();
    }
    Permit permit = new Permit(now);
    held.add(permit);
    return Optional.of(permit);
  }

  /** Permits {@code window} has free at {@code now}. */
  public synchronized int available(Instant now, RateWindow window) {
    evict(now, window.span());
    return Math.max(0, window.limit() - held.size());
  }

  /**
   * The earliest instant a permit may be free: {@code now} when one is; else when enough answered
   * calls leave the window, counting a call still in flight as if it were answered at {@code now}
   * (it leaves no earlier), so while calls are in flight this is a lower bound to ask again at.
   */
  public synchronized Instant nextFree(Instant now, RateWindow window) {
    if (available(now, window) > 0) {
      return now;
    }
    List<Instant> frees = new ArrayList<>(held.size());
    for (Permit p : held) {
      frees.add((p.answeredAt == null ? now : p.answeredAt).plus(window.span()));
    }
    frees.sort(null);
    // held - limit + 1 permits must leave before one is free.
    return frees.get(held.size() - window.limit());
  }

  /**
   * Permits held at {@code now}: calls in flight, and calls answered less than {@code span} ago.
   */
  public synchronized int held(Instant now, Duration span) {
    evict(now, span);
    return held.size();
  }

  /** Calls granted and not yet answered nor released. */
  public synchronized int inFlight() {
    return (int) held.stream().filter(p -> p.answeredAt == null).count();
  }

  private void evict(Instant now, Duration span) {
    // An answer at c occupies [c, c + span): it has left the window when now >= c + span. Answers
    // arrive out of order, so look at every permit (at most a window's worth). The poller asks
    // thousands of times a second: one cutoff per call, no instant per permit.
    Instant cutoff = now.minus(span);
    held.removeIf(p -> p.answeredAt != null && !p.answeredAt.isAfter(cutoff));
  }

  /** One call's place in the window, from its grant until a window after its answer. */
  public final class Permit {
    private final Instant grantedAt;
    private Instant answeredAt;
    private boolean released;

    private Permit(Instant grantedAt) {
      this.grantedAt = grantedAt;
    }

    /** When the permit was granted. */
    public Instant grantedAt() {
      return grantedAt;
    }

    /**
     * The call's answer (or failure: a timeout, a reset) arrived at {@code at}: the permit is held
     * until {@code span} after it. Answered twice, the later instant counts; an instant before the
     * grant counts as the grant.
     *
     * @throws IllegalStateException if the permit was released: a call not made has no answer
     */
    public void answered(Instant at) {
      Objects.requireNonNull(at, "at");
      synchronized (CallLimiter.this) {
        if (released) {
          throw new IllegalStateException("a released permit cannot be answered");
        }
        Instant stamp = at.isBefore(grantedAt) ? grantedAt : at;
        if (answeredAt == null || stamp.isAfter(answeredAt)) {
          answeredAt = stamp;
        }
      }
    }

    /**
     * The call was not made: its permit is free at once. Nothing happens to a permit already
     * answered (its call was made and keeps counting) or released.
     */
    public void release() {
      synchronized (CallLimiter.this) {
        if (answeredAt != null || released) {
          return;
        }
        released = true;
        held.remove(this);
      }
    }
  }
}
