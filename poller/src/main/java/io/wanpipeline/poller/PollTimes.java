package io.wanpipeline.poller;

import io.wanpipeline.events.internal.InFlightTask;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;

/**
 * The poll times (last call, next call) of the tasks of one partition whose latest answers changed
 * nothing but those times, kept in memory instead of in the task's store.
 *
 * <p>Most answers are uneventful (the task still RUNNING, as at the last poll). Writing each one to
 * the store re-encoded the whole task, status event and metadata, and sent it to the store's
 * changelog inside the transaction, on every poll of every task. The store's copy of such a task
 * keeps the poll times of its last eventful answer, so after a restore (a restart, a replaced
 * stream thread, a partition taken over) the task is due at once: it is polled as soon as the
 * processor's first 3 s are over ({@link PollProcessor}'s rule for a restored store, which never
 * holds the latest polls anyway) and the account's budget allows, then on its cadence again.
 * Nothing else is lost: every change of state, every failed call and every UNKNOWN is written as
 * before.
 */
final class PollTimes {
  /** Epoch milliseconds, as the store keeps them: two longs per task, no {@link Instant}s. */
  private record Times(long lastPollAt, long nextPollAt) {}

  private final Map<String, Times> byRequest = new HashMap<>();

  /**
   * Keeps the poll times of {@code task}, the new schedule of {@code requestId} after an answer (so
   * its last poll time is set), both whole milliseconds as {@link TaskTransitions} makes them.
   */
  void keep(String requestId, InFlightTask task) {
    byRequest.put(
        requestId,
        new Times(task.getLastPollAt().toEpochMilli(), task.getNextPollAt().toEpochMilli()));
  }

  /** {@code stored} with the poll times kept for {@code requestId}, if any. */
  InFlightTask latest(String requestId, InFlightTask stored) {
    Times t = byRequest.get(requestId);
    if (stored == null || t == null) {
      return stored;
    }
    return TaskTransitions.withPollTimes(
        stored, Instant.ofEpochMilli(t.lastPollAt()), Instant.ofEpochMilli(t.nextPollAt()));
  }

  /** Forgets the times of {@code requestId}: the store has them now, or the task is gone. */
  void drop(String requestId) {
    byRequest.remove(requestId);
  }

  void clear() {
    byRequest.clear();
  }
}
