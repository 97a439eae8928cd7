package io.wanpipeline.poller;

import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * When this JVM's last call about each task ended, and which calls are still under way: a floor
 * under the spacing of polls that outlives the Streams state. A task's last poll lives in the
 * changelogged store, which an aborted transaction rolls back (a broker restart, a fenced
 * producer): the restored task then looks due at once, though the call made in the rolled-back turn
 * reached the provider moments ago. The fault suite saw two polls 1.1 s apart after a broker
 * restart.
 *
 * <p>The floor runs from the <em>end</em> of the last call, not its start: the provider received
 * that call before it answered, so a call begun {@link PollScheduler#MIN_SPACING} after the answer
 * reaches the provider at least that long after the previous one, however long the first took to
 * get there. Measured from the start, a call held 1.5 s on a loaded machine before it reached the
 * provider was followed by the next one 1.5 s later as the provider saw them (the fault suite,
 * during a broker restart). While a call is under way no other call about the task is allowed.
 * Across JVMs the handover orders the calls: a poll processor joins its calls before it returns, so
 * they end before its partition can be revoked, and the next owner waits the floor after it starts.
 */
final class RecentCalls {
  /** How many calls are noted, at least, between two sweeps of old entries. */
  private static final int SWEEP_EVERY = 10_000;

  /**
   * How old an entry is when a sweep removes it: well over the longest poll interval (10 s), so a
   * sweep removes the tasks that ended, not the live ones; and the least time between two sweeps,
   * each of which walks every entry. Sweeping every 10,000 calls at the spacing (3 s) removed most
   * live entries only for them to be added again, a tenth of the call threads' time at 50,000
   * tasks.
   */
  static final Duration SWEEP_AGE = Duration.ofMinutes(1);

  /** The mark of a call begun and not yet ended. */
  private static final long UNDER_WAY = Long.MAX_VALUE;

  private final long spacingMillis;

  /**
   * Per task, the end of its last call rounded up to the millisecond, or {@link #UNDER_WAY}:
   * compared with a time rounded down, a whole number of milliseconds apart is never less than the
   * true distance. Checked for every due task in every punctuation, so it avoids an {@link Instant}
   * per check.
   */
  private final Map<String, Long> lastCall = new ConcurrentHashMap<>();

  private int sinceSweep;
  private long lastSweepMillis = Long.MIN_VALUE;

  RecentCalls(Duration spacing) {
    this.spacingMillis = spacing.toMillis();
  }

  /**
   * Whether a call about {@code taskId} may begin at {@code now}: none under way and the spacing
   * kept after the end of this JVM's last.
   */
  boolean spacedEnough(String taskId, Instant now) {
    Long last = lastCall.get(taskId);
    return last == null || (last != UNDER_WAY && now.toEpochMilli() - last >= spacingMillis);
  }

  /** Notes that a call about {@code taskId} is queued or sent: none other until it has ended. */
  void began(String taskId) {
    lastCall.put(taskId, UNDER_WAY);
  }

  /** Notes that the call about {@code taskId} ended at {@code at}, answered or not. */
  void ended(String taskId, Instant at) {
    long millis = at.getNano() % 1_000_000 == 0 ? at.toEpochMilli() : at.toEpochMilli() + 1;
    lastCall.put(taskId, millis);
    boolean sweep;
    synchronized (this) {
      sweep =
          ++sinceSweep >= SWEEP_EVERY
              && (lastSweepMillis == Long.MIN_VALUE
                  || at.toEpochMilli() - lastSweepMillis >= SWEEP_AGE.toMillis());
      if (sweep) {
        sinceSweep = 0;
        lastSweepMillis = at.toEpochMilli();
      }
    }
    if (sweep) {
      long stale = at.toEpochMilli() - Math.max(spacingMillis, SWEEP_AGE.toMillis());
      lastCall.values().removeIf(t -> t < stale);
    }
  }

  /** Tasks noted and not yet swept, for tests. */
  int size() {
    return lastCall.size();
  }
}
