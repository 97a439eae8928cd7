package io.wanpipeline.poller;

import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * When this JVM last queued or sent a call about each task: a floor under the spacing of polls that
 * outlives the Streams state. A task's last poll lives in the changelogged store, which an aborted
 * transaction rolls back (a broker restart, a fenced producer): the restored task then looks due at
 * once, though the call made in the rolled-back turn reached the provider moments ago. The fault
 * suite saw two polls 1.1 s apart after a broker restart. Across JVMs the rebalance and the restore
 * take longer than {@link PollScheduler#MIN_SPACING}.
 */
final class RecentCalls {
  /** How many calls are noted between two sweeps of entries older than the spacing. */
  private static final int SWEEP_EVERY = 10_000;

  private final long spacingMillis;

  /**
   * Per task, the last call rounded up to the millisecond: compared with a time rounded down, a
   * whole number of milliseconds apart is never less than the true distance. Checked for every due
   * task in every punctuation, so it avoids an {@link Instant} per check.
   */
  private final Map<String, Long> lastCall = new ConcurrentHashMap<>();

  private int sinceSweep;

  RecentCalls(Duration spacing) {
    this.spacingMillis = spacing.toMillis();
  }

  /** Whether a call about {@code taskId} at {@code now} keeps the spacing after this JVM's last. */
  boolean spacedEnough(String taskId, Instant now) {
    Long last = lastCall.get(taskId);
    return last == null || now.toEpochMilli() - last >= spacingMillis;
  }

  /** Notes a call about {@code taskId} queued or sent at {@code at}. */
  void noted(String taskId, Instant at) {
    long millis = at.getNano() % 1_000_000 == 0 ? at.toEpochMilli() : at.toEpochMilli() + 1;
    lastCall.merge(taskId, millis, Math::max);
    boolean sweep;
    synchronized (this) {
      sweep = ++sinceSweep >= SWEEP_EVERY;
      if (sweep) {
        sinceSweep = 0;
      }
    }
    if (sweep) {
      long stale = at.toEpochMilli() - spacingMillis;
      lastCall.values().removeIf(t -> t < stale);
    }
  }

  /** Tasks noted and not yet swept, for tests. */
  int size() {
    return lastCall.size();
  }
}
