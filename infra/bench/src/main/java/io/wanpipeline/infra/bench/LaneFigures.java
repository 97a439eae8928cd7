package io.wanpipeline.infra.bench;

import io.wanpipeline.events.TaskState;
import io.wanpipeline.infra.simulator.SimulatorLedger;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;

/**
 * One lane's figures in a pipeline run, from the simulator's ledger (when each task was created,
 * started and ended at the provider) and what a downstream reader saw on the topics (when each
 * request was announced SUCCEEDED and ARCHIVED).
 *
 * <p>The lane is measured over its <em>busy window</em>: from its first create call to its last one
 * or the end of the run, whichever is first, while it still had requests queued. Slot utilization
 * is the provider's RUNNING time in that window over {@code slots x window}; the ideal drain is
 * {@code slots / mean running time}.
 */
final class LaneFigures {
  final PipelineWorkload.Lane lane;
  final int created;
  final int finished;
  final int maxInProgress;
  final double meanRunMillis;
  final double windowMillis;
  final double busyMillis;

  /** From the lane's first end in the window to its last: the drain is measured over it. */
  final double drainSpanMillis;

  final List<Long> endToNextCreate = new ArrayList<>();
  final List<Long> announcedToNextCreate = new ArrayList<>();
  final List<Long> detection = new ArrayList<>();

  /** Detection of the tasks whose duration was predictable ({@link PredictableTasks}). */
  final List<Long> detectionPredictable = new ArrayList<>();

  final List<Long> endToArchived = new ArrayList<>();

  /** From a task's SUCCEEDED event read to its ARCHIVED event read: the archiving alone. */
  final List<Long> succeededToArchived = new ArrayList<>();

  final List<Long> liveWait = new ArrayList<>();
  final List<Long> liveAfterFreeSlot = new ArrayList<>();
  final int liveNotCreated;
  final long throttledCreates;

  LaneFigures(
      PipelineWorkload.Lane lane,
      SimulatorLedger ledger,
      PipelineWatch watch,
      PredictableTasks predictable,
      Map<String, Instant> liveProduced,
      Instant runEnd) {
    this.lane = lane;
    List<SimulatorLedger.TaskRecord> tasks =
        ledger.tasks().stream()
            .filter(t -> lane.account().equals(t.account()) && lane.model().equals(t.model()))
            .sorted(Comparator.comparing(SimulatorLedger.TaskRecord::submitted))
            .toList();
    this.throttledCreates =
        ledger.submissions().stream()
            .filter(s -> lane.account().equals(s.account()) && lane.model().equals(s.model()))
            .filter(s -> s.httpStatus() == 429)
            .count();
    this.created = tasks.size();
    if (tasks.isEmpty()) {
      this.finished = 0;
      this.maxInProgress = 0;
      this.meanRunMillis = Double.NaN;
      this.windowMillis = 0;
      this.busyMillis = 0;
      this.drainSpanMillis = 0;
      this.liveNotCreated = liveProduced.size();
      return;
    }
    Instant from = tasks.get(0).submitted();
    Instant lastCreate = tasks.get(tasks.size() - 1).submitted();
    Instant to = lastCreate.isBefore(runEnd) ? lastCreate : runEnd;
    this.windowMillis = Math.max(1, Duration.between(from, to).toMillis());
    double busy = 0;
    double runSum = 0;
    int runs = 0;
    int done = 0;
    int most = 0;
    for (SimulatorLedger.TaskRecord t : tasks) {
      if (t.started() != null) {
        Instant end = t.ended() == null || t.ended().isAfter(to) ? to : t.ended();
        Instant start = t.started().isBefore(from) ? from : t.started();
        if (end.isAfter(start)) {
          busy += Duration.between(start, end).toMillis();
        }
      }
      if (t.started() != null && t.ended() != null) {
        runSum += Duration.between(t.started(), t.ended()).toMillis();
        runs++;
        if (!t.ended().isAfter(to)) {
          done++;
        }
      }
      most = Math.max(most, inProgress(tasks, t.submitted()));
    }
    this.busyMillis = busy;
    this.meanRunMillis = runs == 0 ? Double.NaN : runSum / runs;
    this.finished = done;
    List<Instant> ends =
        tasks.stream()
            .map(SimulatorLedger.TaskRecord::ended)
            .filter(e -> e != null && !e.isAfter(to))
            .sorted()
            .toList();
    this.drainSpanMillis =
        ends.size() < 2 ? 0 : Duration.between(ends.get(0), ends.get(ends.size() - 1)).toMillis();
    this.maxInProgress = most;

    for (SimulatorLedger.TaskRecord t : tasks) {
      Instant end = t.ended();
      if (end == null || end.isAfter(to)) {
        continue;
      }
      // A slot freed while every slot was taken: how long until the lane's next create call.
      String id = t.pipelineRequestId();
      if (inProgress(tasks, end.minusMillis(1)) >= lane.slots()) {
        Instant next =
            tasks.stream()
                .map(SimulatorLedger.TaskRecord::submitted)
                .filter(c -> !c.isBefore(end))
                .findFirst()
                .filter(c -> !c.isAfter(to))
                .orElse(null);
        Instant announced = id == null ? null : watch.first(id, TaskState.SUCCEEDED);
        if (next != null) {
          endToNextCreate.add(Duration.between(end, next).toMillis());
          if (announced != null) {
            announcedToNextCreate.add(Duration.between(announced, next).toMillis());
          }
        }
      }
      if ("SUCCEEDED".equals(t.state()) && id != null) {
        Instant succeeded = watch.first(id, TaskState.SUCCEEDED);
        if (succeeded != null) {
          detection.add(Duration.between(end, succeeded).toMillis());
          if (predictable.predictable(t)) {
            detectionPredictable.add(Duration.between(end, succeeded).toMillis());
          }
        }
        Instant archived = watch.first(id, TaskState.ARCHIVED);
        if (archived != null) {
          endToArchived.add(Duration.between(end, archived).toMillis());
          if (succeeded != null) {
            succeededToArchived.add(Duration.between(succeeded, archived).toMillis());
          }
        }
      }
    }

    int notCreated = 0;
    Map<String, Instant> createOf = new java.util.HashMap<>();
    for (SimulatorLedger.TaskRecord t : tasks) {
      if (t.pipelineRequestId() != null && liveProduced.containsKey(t.pipelineRequestId())) {
        createOf.putIfAbsent(t.pipelineRequestId(), t.submitted());
      }
    }
    for (Map.Entry<String, Instant> live : liveProduced.entrySet()) {
      Instant produced = live.getValue();
      Instant create = createOf.get(live.getKey());
      if (create == null) {
        notCreated++;
        continue;
      }
      liveWait.add(Duration.between(produced, create).toMillis());
      // LIVE requests produced before this one and not yet created wait ahead of it.
      int ahead = 0;
      for (Map.Entry<String, Instant> other : liveProduced.entrySet()) {
        Instant otherCreate = createOf.get(other.getKey());
        if (other.getValue().isBefore(produced)
            && (otherCreate == null || otherCreate.isAfter(produced))) {
          ahead++;
        }
      }
      Instant free = freeSlot(tasks, produced, ahead);
      liveAfterFreeSlot.add(Math.max(0, Duration.between(free, create).toMillis()));
    }
    this.liveNotCreated = notCreated;
  }

  /** Tasks of the lane created and not ended at {@code at}. */
  private static int inProgress(List<SimulatorLedger.TaskRecord> tasks, Instant at) {
    int n = 0;
    for (SimulatorLedger.TaskRecord t : tasks) {
      if (!t.submitted().isAfter(at) && (t.ended() == null || t.ended().isAfter(at))) {
        n++;
      }
    }
    return n;
  }

  /**
   * When the {@code ahead + 1}-th slot of the lane is free from {@code at}: the slots free then
   * come first, then one per task end after it.
   */
  private Instant freeSlot(List<SimulatorLedger.TaskRecord> tasks, Instant at, int ahead) {
    int freeNow = lane.slots() - inProgress(tasks, at);
    if (ahead < freeNow) {
      return at;
    }
    List<Instant> ends =
        tasks.stream()
            .map(SimulatorLedger.TaskRecord::ended)
            .filter(e -> e != null && e.isAfter(at))
            .sorted()
            .toList();
    int index = ahead - Math.max(0, freeNow);
    return index < ends.size() ? ends.get(index) : at;
  }

  double utilization() {
    return windowMillis == 0 ? Double.NaN : busyMillis / (lane.slots() * windowMillis);
  }

  /**
   * Tasks finished per minute, from the lane's first end to its last in the busy window: without
   * the first tasks' run, in which nothing can end, and the last ones', cut by the window.
   */
  double drainPerMinute() {
    return drainSpanMillis == 0 ? Double.NaN : (finished - 1) * 60_000.0 / drainSpanMillis;
  }

  /** Slots over the mean running time, per minute. */
  double idealPerMinute() {
    return lane.slots() * 60_000.0 / meanRunMillis;
  }
}
