package io.wanpipeline.poller;

import io.wanpipeline.events.internal.InFlightTask;
import io.wanpipeline.wan.retry.Backoff;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.random.RandomGenerator;

/**
 * Decides when a task is polled: first {@code firstDelay} after submission, then every {@code
 * minInterval}..{@code maxInterval} after the last answer (uniformly jittered, or aimed at the
 * task's expected end when its class's running times are known), after a failed call with backoff
 * (honouring Retry-After), and never less than {@link #MIN_SPACING} after the last call about the
 * task, whatever the configuration.
 *
 * @param firstDelay delay of the first poll after submitted_at, at least {@link #MIN_SPACING}
 * @param minInterval lower bound of the regular interval, at least {@link #MIN_SPACING}
 * @param maxInterval upper bound of the regular interval, at least {@code minInterval}
 * @param backoff delay after failed calls
 * @param random jitter source
 */
public record PollScheduler(
    Duration firstDelay,
    Duration minInterval,
    Duration maxInterval,
    Backoff backoff,
    RandomGenerator random) {

  /** How long after the start of a task's expected end window its aimed poll falls. */
  static final Duration AIM_MARGIN = Duration.ofMillis(250);

  /** The hard floor between two calls about one task; configuration cannot lower it. */
  public static final Duration MIN_SPACING = Duration.ofSeconds(3);

  public PollScheduler {
    Objects.requireNonNull(backoff, "backoff");
    Objects.requireNonNull(random, "random");
    atLeastFloor("first poll delay", firstDelay);
    atLeastFloor("minimum poll interval", minInterval);
    if (maxInterval.compareTo(minInterval) < 0) {
      throw new IllegalArgumentException(
          "maximum poll interval " + maxInterval + " is below the minimum " + minInterval);
    }
  }

  /** When a task submitted at {@code submittedAt} is polled first. */
  public Instant firstPoll(Instant submittedAt) {
    return submittedAt.plus(firstDelay);
  }

  /** When to poll next after an answer received at {@code answeredAt}. */
  public Instant afterAnswer(Instant answeredAt) {
    long span = maxInterval.toMillis() - minInterval.toMillis();
    long jitter = span == 0 ? 0 : random.nextLong(span + 1);
    return floor(answeredAt, answeredAt.plus(minInterval).plusMillis(jitter));
  }

  /**
   * When to poll next after an answer received at {@code answeredAt} about a task expected to end
   * within {@code window} ({@link RunTimeForecast}); null, or a window already past, falls back to
   * {@link #afterAnswer(Instant)}. Every poll stays {@code minInterval}..{@code maxInterval} after
   * the previous answer, and the polls are aimed so that one lands just after the window opens:
   * before it, as late as the interval allows (fewer polls); within it, as often as it allows.
   */
  public Instant afterAnswer(Instant answeredAt, RunTimeForecast.Window window) {
    if (window == null || !answeredAt.isBefore(window.to())) {
      return afterAnswer(answeredAt);
    }
    Instant target = window.from().plus(AIM_MARGIN);
    Instant earliest = answeredAt.plus(minInterval);
    Instant latest = answeredAt.plus(maxInterval);
    Instant next;
    if (!target.isAfter(earliest)) {
      next = earliest; // within the window (or about to be): as often as allowed
    } else if (!target.isAfter(latest)) {
      next = target; // the window opens within reach: land just after it
    } else {
      // Further away: one interval short of it, so that the poll after lands on it.
      Instant before = target.minus(minInterval);
      next = before.isBefore(earliest) ? earliest : before.isAfter(latest) ? latest : before;
    }
    return floor(answeredAt, next);
  }

  /**
   * When to call again after the {@code failures}-th failed call in a row, completed at {@code
   * failedAt}; {@code retryAfter} is the provider's hint or null.
   */
  public Instant afterFailure(Instant failedAt, int failures, Duration retryAfter) {
    return floor(failedAt, failedAt.plus(backoff.delay(Math.max(1, failures), retryAfter)));
  }

  /** True when {@code task} may be called about at {@code now}. */
  public boolean isDue(InFlightTask task, Instant now) {
    return !now.isBefore(task.getNextPollAt()) && spacedEnough(task, now);
  }

  /** True when the hard floor since the last call about {@code task} has passed at {@code now}. */
  public static boolean spacedEnough(InFlightTask task, Instant now) {
    Instant last = task.getLastPollAt();
    return last == null || !now.isBefore(last.plus(MIN_SPACING));
  }

  private static Instant floor(Instant last, Instant candidate) {
    Instant earliest = last.plus(MIN_SPACING);
    return candidate.isBefore(earliest) ? earliest : candidate;
  }

  private static void atLeastFloor(String what, Duration d) {
    Objects.requireNonNull(d, what);
    if (d.compareTo(MIN_SPACING) < 0) {
      throw new IllegalArgumentException(
          what + " " + d + " is below the hard floor of " + MIN_SPACING + " between polls");
    }
  }
}
