package io.wanpipeline.poller;

import java.time.Duration;
import java.util.Objects;

/**
 * When the poller answers many tasks of an account with the provider's list query instead of one
 * query per task: when one poll of every task the instance tracks for the account cannot be made
 * within {@code horizon} at this instance's share of the account's rate. The horizon is the
 * shortest poll interval, not the longest: past it, per-task polls wait for the budget, their
 * intervals stretch towards 10 s, and a task's end is seen up to 10 s plus a punctuation late,
 * which misses "one interval plus 1 s"; the lists see it within about one interval.
 *
 * @param enabled whether list mode is used at all
 * @param pageSize tasks asked for per list call
 * @param horizon how long one poll of each tracked task of an account may take before list mode is
 *     used
 * @param maxSpan the widest window of submission times one list call covers
 */
public record ListPolicy(boolean enabled, int pageSize, Duration horizon, Duration maxSpan) {
  /** The default horizon: the shortest interval between two polls of a task. */
  public static final Duration DEFAULT_HORIZON = Duration.ofSeconds(5);

  /** The default widest window of one list call (the provider allows 24 h). */
  public static final Duration DEFAULT_MAX_SPAN = Duration.ofHours(1);

  public ListPolicy {
    Objects.requireNonNull(horizon, "horizon");
    Objects.requireNonNull(maxSpan, "maxSpan");
    if (pageSize < 1) {
      throw new IllegalArgumentException("page size must be positive, got " + pageSize);
    }
  }

  /** List mode with {@code pageSize} and the default horizon and span. */
  public static ListPolicy enabled(int pageSize) {
    return new ListPolicy(true, pageSize, DEFAULT_HORIZON, DEFAULT_MAX_SPAN);
  }

  /** No list mode: every task is polled by its own query. */
  public static ListPolicy disabled() {
    return new ListPolicy(false, 100, DEFAULT_HORIZON, DEFAULT_MAX_SPAN);
  }

  /**
   * True when one poll of each of {@code tracked} tasks cannot be made within the horizon at {@code
   * callsPerSecond}.
   */
  public boolean listPays(int tracked, double callsPerSecond) {
    if (!enabled || tracked < 2) {
      return false;
    }
    return tracked > callsPerSecond * horizon.toMillis() / 1000.0;
  }
}
