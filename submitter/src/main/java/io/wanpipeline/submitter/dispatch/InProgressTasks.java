package io.wanpipeline.submitter.dispatch;

import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;

/**
 * The tasks in progress of every (account, model): request_ids announced SUBMITTED on {@code
 * task-status} (or just submitted by this instance) and not yet terminal. A task stops counting
 * when a terminal event (SUCCEEDED, FAILED, CANCELED, TIMED_OUT, UNKNOWN, LATE_SUCCEEDED) names its
 * request_id and task_id, or when it was submitted longer than the horizon ago (by then the poller
 * has ended it TIMED_OUT). Not thread-safe.
 */
public final class InProgressTasks {
  private record Task(LaneKey lane, String taskId, Instant submittedAt) {}

  private final Duration horizon;
  private final Map<String, Task> byRequest = new HashMap<>();
  private final Map<LaneKey, Map<String, Task>> byLane = new HashMap<>();

  /** Tasks count for at most {@code horizon} after their submission. */
  public InProgressTasks(Duration horizon) {
    this.horizon = Objects.requireNonNull(horizon, "horizon");
  }

  /** Notes that {@code requestId} created {@code taskId} in {@code lane} at {@code submittedAt}. */
  public void submitted(LaneKey lane, String requestId, String taskId, Instant submittedAt) {
    Task task = new Task(lane, taskId, submittedAt);
    Task previous = byRequest.put(requestId, task);
    if (previous != null) {
      Map<String, Task> old = byLane.get(previous.lane());
      if (old != null) {
        old.remove(requestId);
      }
    }
    byLane.computeIfAbsent(lane, l -> new HashMap<>()).put(requestId, task);
  }

  /** Notes a terminal event of {@code requestId} and {@code taskId}. */
  public void terminal(String requestId, String taskId) {
    Task task = byRequest.get(requestId);
    if (task == null || !Objects.equals(task.taskId(), taskId)) {
      return;
    }
    byRequest.remove(requestId);
    Map<String, Task> lane = byLane.get(task.lane());
    if (lane != null) {
      lane.remove(requestId);
    }
  }

  /** Tasks of {@code lane} in progress at {@code now}. */
  public int count(LaneKey lane, Instant now) {
    Map<String, Task> tasks = byLane.get(lane);
    if (tasks == null) {
      return 0;
    }
    Instant cutoff = now.minus(horizon);
    var it = tasks.entrySet().iterator();
    while (it.hasNext()) {
      Map.Entry<String, Task> e = it.next();
      if (e.getValue().submittedAt().isBefore(cutoff)) {
        it.remove();
        byRequest.remove(e.getKey(), e.getValue());
      }
    }
    return tasks.size();
  }

  /** True while {@code requestId} counts as in progress. */
  public boolean contains(String requestId) {
    return byRequest.containsKey(requestId);
  }

  /** Forgets every task submitted longer than the horizon before {@code now}. */
  public void prune(Instant now) {
    for (LaneKey lane : Map.copyOf(byLane).keySet()) {
      count(lane, now);
    }
  }
}
