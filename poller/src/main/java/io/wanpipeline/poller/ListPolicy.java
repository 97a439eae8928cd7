package io.wanpipeline.poller;

import java.time.Duration;
import java.util.Objects;

/**
 * When the poller answers many tasks of an account with the provider's list query instead of one
 * query per task: when the account's due per-task polls cannot all be made within {@code horizon}
 * at this instance's share of the account's rate.
 *
 * @param enabled whether list mode is used at all
 * @param pageSize tasks asked for per list call
 * @param horizon how long the due polls of an account may take before list mode is used
 * @param maxSpan the widest window of submission times one list call covers
 */
public record ListPolicy(boolean enabled, int pageSize, Duration horizon, Duration maxSpan) {
  /** The default horizon: the longest interval between two polls of a task. */
  public static final Duration DEFAULT_HORIZON = Duration.ofSeconds(10);

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
   * True when {@code due} per-task polls cannot be made at {@code callsPerSecond} within what is
   * left of the horizon, {@code elapsedMillis} after the oldest of them became due.
   */
  public boolean listPays(int due, double callsPerSecond, long elapsedMillis) {
    if (!enabled || due < 2) {
      return false;
    }
    double left = Math.max(0, horizon.toMillis() - elapsedMillis) / 1000.0;
    return due > callsPerSecond * left;
  }
}
