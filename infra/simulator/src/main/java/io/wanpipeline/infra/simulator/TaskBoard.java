package io.wanpipeline.infra.simulator;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.ToIntFunction;

/**
 * All tasks and their queues. Time advances lazily: whenever a task is looked at, its (account,
 * model) lane is played forward to the clock's now, so an injected fixed or advancing clock drives
 * the lifecycle without background threads. A lane runs at most {@code cap} tasks at once; the rest
 * stay PENDING in FIFO order until a slot frees.
 */
final class TaskBoard {

  private record LaneKey(String account, String model) {}

  private static final class Lane {
    final int cap;
    final ArrayDeque<SimulatedTask> queue = new ArrayDeque<>();
    final List<SimulatedTask> running = new ArrayList<>();
    Instant lastStart = Instant.MIN;

    Lane(int cap) {
      this.cap = cap;
    }

    void advance(Instant now) {
      while (true) {
        SimulatedTask head = queue.peekFirst();
        while (head != null && head.canceled) {
          queue.pollFirst();
          head = queue.peekFirst();
        }
        if (head == null) {
          return;
        }
        Instant eligible = head.submitted.plus(head.pendingTime);
        Instant floor = eligible.isAfter(lastStart) ? eligible : lastStart;
        running.removeIf(t -> t.ended != null && !t.ended.isAfter(floor));
        List<Instant> finiteEnds = new ArrayList<>();
        int busy = 0;
        for (SimulatedTask t : running) {
          busy++;
          if (t.ended != null) {
            finiteEnds.add(t.ended);
          }
        }
        Instant start;
        if (busy < cap) {
          start = floor;
        } else {
          int mustEnd = busy - cap + 1;
          if (finiteEnds.size() < mustEnd) {
            return; // slots held by tasks that never finish
          }
          finiteEnds.sort(Comparator.naturalOrder());
          Instant free = finiteEnds.get(mustEnd - 1);
          start = free.isAfter(floor) ? free : floor;
        }
        if (start.isAfter(now)) {
          return;
        }
        queue.pollFirst();
        head.started = start;
        head.ended =
            head.fate == SimulatedTask.Fate.NEVER_FINISH ? null : start.plus(head.runningTime);
        running.add(head);
        lastStart = start;
      }
    }
  }

  private final Map<String, SimulatedTask> tasks = new LinkedHashMap<>();
  private final Map<LaneKey, Lane> lanes = new HashMap<>();
  private final ToIntFunction<String> capOfModel;
  private final Duration retention;

  TaskBoard(ToIntFunction<String> capOfModel, Duration retention) {
    this.capOfModel = capOfModel;
    this.retention = retention;
  }

  synchronized void add(SimulatedTask task) {
    tasks.put(task.taskId, task);
    if (task.fate != SimulatedTask.Fate.PENDING_FOREVER) {
      lanes
          .computeIfAbsent(
              new LaneKey(task.account, task.model),
              k -> new Lane(Math.max(1, capOfModel.applyAsInt(k.model()))))
          .queue
          .addLast(task);
    }
  }

  /** The task advanced to {@code now}; empty when it never existed. */
  synchronized Optional<SimulatedTask> find(String taskId, Instant now) {
    SimulatedTask t = tasks.get(taskId);
    if (t == null) {
      return Optional.empty();
    }
    advance(t, now);
    return Optional.of(t);
  }

  synchronized NativeStatus statusOf(SimulatedTask task, Instant now) {
    advance(task, now);
    return task.statusAt(now, retention);
  }

  /**
   * Cancels the task if it is PENDING at {@code now}.
   *
   * @return true when cancelled
   */
  synchronized boolean cancel(SimulatedTask task, Instant now) {
    advance(task, now);
    if (task.statusAt(now, retention) != NativeStatus.PENDING) {
      return false;
    }
    task.canceled = true;
    task.ended = now;
    return true;
  }

  /** Every task of {@code account} still retained at {@code now}, advanced, newest first. */
  synchronized List<SimulatedTask> tasksOf(String account, Instant now) {
    List<SimulatedTask> out = new ArrayList<>();
    for (SimulatedTask t : tasks.values()) {
      if (t.account.equals(account)) {
        advance(t, now);
        if (!t.expiredAt(now, retention)) {
          out.add(t);
        }
      }
    }
    out.sort(Comparator.comparing((SimulatedTask t) -> t.submitted).reversed());
    return out;
  }

  /** Every task ever created, advanced to {@code now}, oldest first. */
  synchronized List<SimulatedTask> all(Instant now) {
    for (Lane lane : lanes.values()) {
      lane.advance(now);
    }
    return new ArrayList<>(tasks.values());
  }

  /** Snapshot of the mutable fields, read under the board's lock. */
  record Timeline(Instant started, Instant ended, boolean canceled, NativeStatus status) {}

  synchronized Timeline timeline(SimulatedTask task, Instant now) {
    advance(task, now);
    return new Timeline(task.started, task.ended, task.canceled, task.statusAt(now, retention));
  }

  private void advance(SimulatedTask task, Instant now) {
    Lane lane = lanes.get(new LaneKey(task.account, task.model));
    if (lane != null) {
      lane.advance(now);
    }
  }
}
