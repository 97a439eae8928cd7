package io.wanpipeline.infra.bench;

import io.wanpipeline.events.Charge;
import io.wanpipeline.events.TaskState;
import io.wanpipeline.infra.simulator.SimulatorLedger;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** The pipeline benchmark's tables: lanes and slots, latencies, and the run's guarantees. */
final class PipelineTables {
  private PipelineTables() {}

  static List<Table> of(
      List<LaneFigures> lanes,
      SimulatorLedger ledger,
      PipelineWatch watch,
      PipelineBench.Options options,
      int backlog,
      int live) {
    String setting =
        String.format(
                "%d lanes, %d BATCH + %d LIVE requests, %s run, class means %s-%s (+-15%%, 1 in 50"
                    + " three times as long), videos %s-%s",
                lanes.size(),
                backlog,
                live,
                Table.seconds(options.length().toMillis()),
                Table.seconds(options.shortestMean().toMillis()),
                Table.seconds(options.longestMean().toMillis()),
                Table.mib(options.minVideoBytes()),
                Table.mib(options.maxVideoBytes()))
            + (options.settings().isEmpty() ? "" : ", settings " + options.settings());
    Table slots =
        new Table(
            "(f) pipeline at the provider's limit, slots: " + setting,
            "lane",
            "slots",
            "most in progress",
            "tasks finished",
            "mean run",
            "slot utilization",
            "drain /min",
            "ideal /min",
            "drain vs ideal",
            "end to next create p50",
            "p99",
            "SUCCEEDED read to next create p50",
            "p99");
    double busy = 0;
    double capacity = 0;
    double drained = 0;
    double ideal = 0;
    List<Long> endToCreate = new ArrayList<>();
    List<Long> announcedToCreate = new ArrayList<>();
    List<Long> detection = new ArrayList<>();
    List<Long> detectionPredictable = new ArrayList<>();
    List<Long> archived = new ArrayList<>();
    List<Long> archiving = new ArrayList<>();
    List<Long> liveAfterFree = new ArrayList<>();
    long throttled = 0;
    for (LaneFigures f : lanes) {
      slots.row(
          f.lane.key(),
          f.lane.slots(),
          f.maxInProgress,
          f.finished,
          Table.seconds(f.meanRunMillis),
          Table.percent(f.utilization()),
          String.format("%.2f", f.drainPerMinute()),
          String.format("%.2f", f.idealPerMinute()),
          Table.percent(f.drainPerMinute() / f.idealPerMinute()),
          Table.seconds(Table.quantile(f.endToNextCreate, 0.5)),
          Table.seconds(Table.quantile(f.endToNextCreate, 0.99)),
          Table.seconds(Table.quantile(f.announcedToNextCreate, 0.5)),
          Table.seconds(Table.quantile(f.announcedToNextCreate, 0.99)));
      busy += f.busyMillis;
      capacity += f.lane.slots() * f.windowMillis;
      drained += f.drainPerMinute();
      ideal += f.idealPerMinute();
      endToCreate.addAll(f.endToNextCreate);
      announcedToCreate.addAll(f.announcedToNextCreate);
      detection.addAll(f.detection);
      detectionPredictable.addAll(f.detectionPredictable);
      archived.addAll(f.endToArchived);
      archiving.addAll(f.succeededToArchived);
      liveAfterFree.addAll(f.liveAfterFreeSlot);
      throttled += f.throttledCreates;
    }
    slots.row(
        "all",
        lanes.stream().mapToInt(f -> f.lane.slots()).sum(),
        "-",
        lanes.stream().mapToInt(f -> f.finished).sum(),
        "-",
        Table.percent(busy / capacity),
        String.format("%.2f", drained),
        String.format("%.2f", ideal),
        Table.percent(drained / ideal),
        Table.seconds(Table.quantile(endToCreate, 0.5)),
        Table.seconds(Table.quantile(endToCreate, 0.99)),
        Table.seconds(Table.quantile(announcedToCreate, 0.5)),
        Table.seconds(Table.quantile(announcedToCreate, 0.99)));
    slots.note(
        "slot utilization: the provider's RUNNING time over slots x the lane's busy window (first"
            + " create call to the last one or the end of the run, requests queued throughout);"
            + " target >= 95% with 60 s mean tasks");
    slots.note(
        "ideal: slots / the mean running time measured; drain: tasks finished per minute from the"
            + " lane's first end to its last in the window; target >= 95% of the ideal. The simulator keeps each new task PENDING 1 s"
            + " before it runs, as the provider queues it.");
    slots.note(
        "end to next create: from a task's end at the provider, while every slot of its lane was"
            + " taken, to the lane's next create call; SUCCEEDED read: from the moment a downstream"
            + " reader (read-committed) saw the end, which the dispatcher sees the same way: the"
            + " cost of the hop from the poller to the freed slot (negative: the dispatcher was"
            + " faster than the reader)");

    Table latency =
        new Table(
            "(f) pipeline at the provider's limit, latencies: " + setting,
            "lane",
            "detection p50",
            "p99",
            "predictable tasks",
            "their detection p50",
            "p99",
            "end to ARCHIVED p50",
            "p99",
            "SUCCEEDED to ARCHIVED p50",
            "p99",
            "LIVE",
            "LIVE wait p50",
            "p99",
            "LIVE after free slot p50",
            "p99");
    for (LaneFigures f : lanes) {
      latency.row(
          f.lane.key(),
          Table.seconds(Table.quantile(f.detection, 0.5)),
          Table.seconds(Table.quantile(f.detection, 0.99)),
          f.detectionPredictable.size(),
          Table.seconds(Table.quantile(f.detectionPredictable, 0.5)),
          Table.seconds(Table.quantile(f.detectionPredictable, 0.99)),
          Table.seconds(Table.quantile(f.endToArchived, 0.5)),
          Table.seconds(Table.quantile(f.endToArchived, 0.99)),
          Table.seconds(Table.quantile(f.succeededToArchived, 0.5)),
          Table.seconds(Table.quantile(f.succeededToArchived, 0.99)),
          f.liveWait.size() + (f.liveNotCreated > 0 ? " (" + f.liveNotCreated + " not run)" : ""),
          Table.seconds(Table.quantile(f.liveWait, 0.5)),
          Table.seconds(Table.quantile(f.liveWait, 0.99)),
          Table.seconds(Table.quantile(f.liveAfterFreeSlot, 0.5)),
          Table.seconds(Table.quantile(f.liveAfterFreeSlot, 0.99)));
    }
    latency.row(
        "all",
        Table.seconds(Table.quantile(detection, 0.5)),
        Table.seconds(Table.quantile(detection, 0.99)),
        detectionPredictable.size(),
        Table.seconds(Table.quantile(detectionPredictable, 0.5)),
        Table.seconds(Table.quantile(detectionPredictable, 0.99)),
        Table.seconds(Table.quantile(archived, 0.5)),
        Table.seconds(Table.quantile(archived, 0.99)),
        Table.seconds(Table.quantile(archiving, 0.5)),
        Table.seconds(Table.quantile(archiving, 0.99)),
        lanes.stream().mapToInt(f -> f.liveWait.size()).sum(),
        "-",
        "-",
        Table.seconds(Table.quantile(liveAfterFree, 0.5)),
        Table.seconds(Table.quantile(liveAfterFree, 0.99)));
    latency.note(
        "detection: a task's end at the provider to its SUCCEEDED event read (committed) from"
            + " task-status; targets p50 <= 2 s, p99 <= 8 s");
    latency.note(
        "predictable tasks: those whose duration a client could know, decided from the"
            + " simulator's record, not the poller's: at least "
            + PredictableTasks.SEEN
            + " tasks of the same class (model, tier, video seconds) had succeeded before the task"
            + " started, and it ran within its class's spread of the class's mean (not one of the"
            + " slow ones); target for them: detection p99 <= 6 s");
    latency.note(
        "end to ARCHIVED: to the ARCHIVED event read; SUCCEEDED to ARCHIVED: from the task's"
            + " SUCCEEDED event read to its ARCHIVED event read (the archiving: link query,"
            + " download, upload); target: end to ARCHIVED p99 <= detection + 5 s for a 50 MB"
            + " video, i.e. SUCCEEDED to ARCHIVED p99 <= 5 s");
    latency.note(
        "LIVE wait: produced to its create call; after free slot: from the moment a slot of the"
            + " lane was free for it (the LIVE requests produced before it and still waiting take"
            + " the first ones) to its create call; target p99 <= detection + 1 s");

    Map<String, List<Charge>> charges = watch.charges();
    long succeeded = 0;
    long chargedOnce = 0;
    long severalCharges = 0;
    long ledgerMillis = 0;
    long billedMillis = 0;
    long announcedTwice = 0;
    for (SimulatorLedger.TaskRecord t : ledger.tasks()) {
      String id = t.pipelineRequestId();
      if (!"SUCCEEDED".equals(t.state()) || id == null) {
        continue;
      }
      List<Charge> c = charges.get(id);
      if (c == null) {
        continue; // ended after the run: not waited for
      }
      succeeded++;
      if (c.size() == 1) {
        chargedOnce++;
        ledgerMillis += t.usageMillis();
        billedMillis += c.get(0).getBillableMillis();
      } else {
        severalCharges++;
      }
      if (watch.count(id, TaskState.SUCCEEDED) > 1) {
        announcedTwice++;
      }
    }
    long queryThrottled =
        ledger.polls().stream().filter(p -> p.httpStatus() == 429).count()
            + ledger.lists().stream().filter(l -> l.httpStatus() == 429).count()
            + ledger.cancels().stream().filter(c -> c.httpStatus() == 429).count();
    Table guarantees =
        new Table(
            "(f) pipeline at the provider's limit, guarantees: " + setting,
            "create 429s",
            "query 429s",
            "max query calls in 1 s",
            "request_ids with 2+ tasks",
            "SUCCEEDED twice",
            "charged / charged once",
            "several charges",
            "billed s vs ledger s");
    guarantees.row(
        throttled,
        queryThrottled,
        ledger.maxPollsPerSecondByAccount(),
        ledger.maxTasksPerRequestId() > 1 ? "some (max " + ledger.maxTasksPerRequestId() + ")" : 0,
        announcedTwice,
        succeeded + " / " + chargedOnce,
        severalCharges,
        String.format("%.3f / %.3f", billedMillis / 1000.0, ledgerMillis / 1000.0));
    guarantees.note(
        "query calls: polls, list and cancel calls per account; the quota is 20 in any second");
    return List.of(slots, latency, guarantees);
  }
}
