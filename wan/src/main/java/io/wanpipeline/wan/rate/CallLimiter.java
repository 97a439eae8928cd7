package io.wanpipeline.wan.rate;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

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
  /** Permits granted and not yet answered nor released. */
  private final Set<Permit> inFlight = new HashSet<>();

  /**
   * Answered permits, in the order their answers were noted, so that those whose window has passed
   * leave from the head: the poller asks thousands of times a second, and looking at every permit
   * held on each ask (hundreds at a high rate) was a sixth of its stream thread's time.
   */
  private final ArrayDeque<Permit> answered = new ArrayDeque<>();

  /**
   * Grants a permit at {@code now} if {@code window} has one free: the caller makes its call and
   * then answers or releases the permit.
   */
  public synchronized Optional<Permit> tryAcquire(Instant now, RateWindow window) {
    if (available(now, window) <= 0) {
      return Optional.empty();
    }
    Permit permit = new Permit(now);
    inFlight.add(permit);
    return Optional.of(permit);
  }

  /** Permits {@code window} has free at {@code now}. */
  public synchronized int available(Instant now, RateWindow window) {
    evict(now, window.span());
    return Math.max(0, window.limit() - size());
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
    List<Instant> frees = new ArrayList<>(size());
    frees.addAll(Collections.nCopies(inFlight.size(), now.plus(window.span())));
    for (Permit p : answered) {
      frees.add(p.answeredAt.plus(window.span()));
    }
    frees.sort(null);
    // held - limit + 1 permits must leave before one is free.
    return frees.get(frees.size() - window.limit());
  }

  /**
   * Permits held at {@code now}: calls in flight, and calls answered less than {@code span} ago.
   */
  public synchronized int held(Instant now, Duration span) {
    evict(now, span);
    return size();
  }

  /** Calls granted and not yet answered nor released. */
  public synchronized int inFlight() {
    return inFlight.size();
  }

  private int size() {
    return inFlight.size() + answered.size();
  }

  /**
   * Frees the answered permits that have left the window at {@code now}. An answer at c occupies
   * [c, c + span): it has left the window when now >= c + span. Permits leave in the order their
   * answers were noted; one stamped earlier than the permit before it (two threads noting answers
   * at once, or an answer noted again later) leaves with that permit, a little late and never
   * early.
   */
  private void evict(Instant now, Duration span) {
    Instant cutoff = now.minus(span);
    while (!answered.isEmpty() && !answered.peekFirst().answeredAt.isAfter(cutoff)) {
      answered.pollFirst();
    }
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
        if (answeredAt == null) {
          answeredAt = stamp;
          inFlight.remove(this);
          answered.addLast(this);
        } else if (stamp.isAfter(answeredAt)) {
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
        inFlight.remove(this);
      }
    }
  }
}
