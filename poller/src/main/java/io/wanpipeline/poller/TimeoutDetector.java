package io.wanpipeline.poller;

import io.wanpipeline.events.internal.InFlightTask;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;

/**
 * Decides what happens to a task past its deadline ({@code submitted_at + timeout}): a task not
 * seen running is cancelled (a PENDING task is not charged), a RUNNING one ends TIMED_OUT, and when
 * neither can be settled within {@link #GIVE_UP_AFTER} past the deadline the task ends TIMED_OUT
 * anyway. Before the deadline, a cancel command has a task not seen running cancelled the same way.
 *
 * @param timeout how long after submission a task may run
 */
public record TimeoutDetector(Duration timeout) {

  /** How long past the deadline cancelling may be tried before the task ends TIMED_OUT anyway. */
  public static final Duration GIVE_UP_AFTER = Duration.ofMinutes(1);

  /**
   * Marker stored as the provider status after the provider refused to cancel (the task is no
   * longer PENDING): the next call is a query, not another cancel.
   */
  public static final String CANCEL_REFUSED = "CANCEL_REFUSED";

  public TimeoutDetector {
    Objects.requireNonNull(timeout, "timeout");
    if (timeout.isNegative() || timeout.isZero()) {
      throw new IllegalArgumentException("timeout must be positive, got " + timeout);
    }
  }

  /** What to do about a task at {@code now}. */
  public enum Verdict {
    /** Before the deadline: poll as scheduled. */
    IN_TIME,
    /** Past the deadline, or named by a cancel command, and not seen running: cancel it. */
    CANCEL,
    /** Past the deadline, the provider refused to cancel: query to learn its state. */
    QUERY,
    /** Past the deadline and RUNNING: end TIMED_OUT without a call. */
    TIME_OUT_RUNNING,
    /** Too long past the deadline without settling: end TIMED_OUT without a call. */
    GIVE_UP
  }

  /** The deadline of a task submitted at {@code submittedAt}. */
  public Instant deadline(Instant submittedAt) {
    return submittedAt.plus(timeout);
  }

  /**
   * The verdict for {@code task} at {@code now}. Before the deadline, a task with a cancel command
   * that has not been seen running (no answer yet, or PENDING) is cancelled; once the provider
   * refused or the task runs, it is polled as scheduled and finishes.
   */
  public Verdict check(InFlightTask task, Instant now) {
    Instant deadline = task.getDeadline();
    if (now.isBefore(deadline)) {
      String status = task.getProviderStatus();
      boolean notRunning = status == null || "PENDING".equals(status);
      return task.getCancelRequestedAt() != null && notRunning ? Verdict.CANCEL : Verdict.IN_TIME;
    }
    String status = task.getProviderStatus();
    if ("RUNNING".equals(status) || "SUSPENDED".equals(status)) {
      return Verdict.TIME_OUT_RUNNING;
    }
    if (!now.isBefore(deadline.plus(GIVE_UP_AFTER))) {
      return Verdict.GIVE_UP;
    }
    return CANCEL_REFUSED.equals(status) ? Verdict.QUERY : Verdict.CANCEL;
  }
}
