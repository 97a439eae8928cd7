package io.wanpipeline.infra.bench;

import com.alibaba.dashscope.aigc.videosynthesis.VideoSynthesis;
import com.alibaba.dashscope.aigc.videosynthesis.VideoSynthesisParam;
import com.alibaba.dashscope.aigc.videosynthesis.VideoSynthesisResult;
import com.alibaba.dashscope.exception.ApiException;
import com.alibaba.dashscope.utils.Constants;
import io.wanpipeline.events.TaskState;
import io.wanpipeline.infra.simulator.SimulatorLedger;
import io.wanpipeline.infra.simulator.WanSimulator;
import io.wanpipeline.poller.PollerConfig;
import io.wanpipeline.poller.PollerService;
import io.wanpipeline.runtime.config.Settings;
import io.wanpipeline.wan.ApiKey;
import io.wanpipeline.wan.ProviderStatus;
import io.wanpipeline.wan.QueryOutcome;
import io.wanpipeline.wan.TaskSnapshot;
import io.wanpipeline.wan.account.WanClients;
import io.wanpipeline.wan.dashscope.DashScopeClient;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.lang.management.ThreadMXBean;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.streams.KafkaStreams;

/**
 * Benchmark (c), peers side by side: the same workload on one account each (same simulator, 20
 * queries a second enforced) through the official SDK's blocking {@code call()} with a thread per
 * task, through a sweep like new-api's (every 15 s, one query a second), and through our poller;
 * run one after the other so that threads and heap belong to one peer at a time.
 */
final class PeersBench {
  private static final Duration MIN_RUN = Duration.ofSeconds(20);
  private static final Duration MAX_RUN = Duration.ofSeconds(60);

  private final BenchStack stack;
  private final int tasks;
  private final Duration wait;
  private final PrintStream progress;

  PeersBench(BenchStack stack, int tasks, Duration wait, PrintStream progress) {
    this.stack = stack;
    this.tasks = tasks;
    this.wait = wait;
    this.progress = progress;
  }

  /** What one peer did. */
  private record Outcome(
      String peer,
      Map<String, Instant> detectedByTaskId,
      long lost,
      String lostReason,
      long threads,
      long heapBytes) {}

  Table run() throws Exception {
    Map<String, String> keys = new LinkedHashMap<>();
    keys.put("sk-bench-sdk", "peer-sdk");
    keys.put("sk-bench-sweep", "peer-sweep");
    keys.put("sk-bench-poller", "peer-poller");
    List<Outcome> outcomes = new ArrayList<>();
    SimulatorLedger ledger;
    try (WanSimulator sim = QuotaBench.simulator(keys)) {
      ledger = sim.ledger();
      outcomes.add(measure("official SDK call(), thread per task", () -> sdk(sim)));
      outcomes.add(measure("new-api-like sweep (15 s, 1 query/s)", () -> sweep(sim)));
      outcomes.add(measure("wan-pipeline poller", () -> poller(sim)));
    }
    Map<String, Instant> endedAt = new HashMap<>();
    for (SimulatorLedger.TaskRecord t : ledger.tasks()) {
      if (t.ended() != null) {
        endedAt.put(t.taskId(), t.ended());
      }
    }
    String[] accounts = {"peer-sdk", "peer-sweep", "peer-poller"};
    Table table =
        new Table(
            "(c) peers: "
                + tasks
                + " tasks each on one account, 20 queries/s enforced, run times "
                + MIN_RUN.toSeconds()
                + "-"
                + MAX_RUN.toSeconds()
                + " s",
            "peer",
            "ends seen",
            "lost",
            "queries",
            "429s",
            "delay p50",
            "delay p99",
            "threads",
            "peak heap");
    for (int p = 0; p < outcomes.size(); p++) {
      Outcome o = outcomes.get(p);
      String account = accounts[p];
      List<Long> delays = new ArrayList<>();
      o.detectedByTaskId()
          .forEach(
              (taskId, at) -> {
                Instant ended = endedAt.get(taskId);
                if (ended != null) {
                  delays.add(Math.max(0, Duration.between(ended, at).toMillis()));
                }
              });
      int seen = delays.size();
      for (int i = seen; i < tasks; i++) {
        delays.add(Long.MAX_VALUE);
      }
      long queries = ledger.polls().stream().filter(q -> account.equals(q.account())).count();
      long throttled =
          ledger.polls().stream()
              .filter(q -> account.equals(q.account()) && q.httpStatus() == 429)
              .count();
      table.row(
          o.peer(),
          seen,
          o.lost() == 0 ? "0" : o.lost() + " (" + o.lostReason() + ")",
          queries,
          throttled,
          delay(Table.quantile(delays, 0.5)),
          delay(Table.quantile(delays, 0.99)),
          o.threads(),
          Table.mib(o.heapBytes()));
    }
    table.note(
        "delay: task end at the simulator -> the peer knows (SDK: call() returns; sweep: its query"
            + " answers the end; poller: SUCCEEDED read from task-status); a task not seen within "
            + wait.toSeconds()
            + " s after the last end counts as infinite ('not seen')");
    table.note(
        "threads: most live threads in this JVM during the peer's run minus before it; peak heap:"
            + " most heap used (sampled every 100 ms) minus the heap after a GC before the run");
    return table;
  }

  private static String delay(double millis) {
    return millis >= Long.MAX_VALUE / 2.0 ? "not seen" : Table.seconds(millis);
  }

  @FunctionalInterface
  private interface PeerRun {
    Outcome run() throws Exception;
  }

  /** Runs one peer while sampling threads and heap. */
  private Outcome measure(String name, PeerRun peer) throws Exception {
    progress.printf("  (c) %s ...%n", name);
    ThreadMXBean threads = ManagementFactory.getThreadMXBean();
    MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
    System.gc();
    long baseThreads = threads.getThreadCount();
    long baseHeap = memory.getHeapMemoryUsage().getUsed();
    AtomicLong maxThreads = new AtomicLong(baseThreads);
    AtomicLong maxHeap = new AtomicLong(baseHeap);
    Thread sampler =
        new Thread(
            () -> {
              while (!Thread.currentThread().isInterrupted()) {
                maxThreads.accumulateAndGet(threads.getThreadCount(), Math::max);
                maxHeap.accumulateAndGet(memory.getHeapMemoryUsage().getUsed(), Math::max);
                try {
                  TimeUnit.MILLISECONDS.sleep(100);
                } catch (InterruptedException e) {
                  return;
                }
              }
            },
            "bench-sampler");
    sampler.setDaemon(true);
    sampler.start();
    Outcome o;
    try {
      o = peer.run();
    } finally {
      sampler.interrupt();
      sampler.join();
    }
    return new Outcome(
        name,
        o.detectedByTaskId(),
        o.lost(),
        o.lostReason(),
        maxThreads.get() - baseThreads,
        maxHeap.get() - baseHeap);
  }

  private PacedTasks plan() {
    return new PacedTasks(tasks, MIN_RUN, MAX_RUN, Instant.now().plusSeconds(1));
  }

  // ------------------------------------------------------------------ the official SDK

  private Outcome sdk(WanSimulator sim) throws Exception {
    String before = Constants.baseHttpApiUrl;
    // Global in 2.21.0: the VideoSynthesis(baseUrl) constructor is ignored on submit.
    Constants.baseHttpApiUrl = sim.baseUrl() + "/api/v1";
    PacedTasks plan = plan();
    Map<String, Instant> detected = new ConcurrentHashMap<>();
    Map<String, Integer> errors = new ConcurrentHashMap<>();
    List<Thread> callers = new ArrayList<>();
    try {
      for (int i = 0; i < tasks; i++) {
        PacedTasks.sleepUntil(plan.createAt(i));
        VideoSynthesisParam param =
            VideoSynthesisParam.builder()
                .apiKey("sk-bench-sdk")
                .model(plan.model(i))
                .prompt(plan.prompt(i, Instant.now()))
                .build();
        Thread t =
            new Thread(
                () -> {
                  try {
                    VideoSynthesisResult r = new VideoSynthesis().call(param);
                    detected.put(r.getOutput().getTaskId(), Instant.now());
                  } catch (ApiException e) {
                    errors.merge("ApiException " + e.getStatus().getStatusCode(), 1, Integer::sum);
                  } catch (Exception e) {
                    errors.merge(e.getClass().getSimpleName(), 1, Integer::sum);
                  }
                },
                "peer-sdk-" + i);
        t.setDaemon(true);
        t.start();
        callers.add(t);
      }
      Instant deadline = plan.lastEnd().plus(wait);
      for (Thread t : callers) {
        long left = Duration.between(Instant.now(), deadline).toMillis();
        if (left > 0) {
          t.join(left);
        }
      }
    } finally {
      Constants.baseHttpApiUrl = before;
    }
    long lost = errors.values().stream().mapToLong(Integer::longValue).sum();
    return new Outcome("sdk", Map.copyOf(detected), lost, reasons(errors), 0, 0);
  }

  private static String reasons(Map<String, Integer> errors) {
    StringBuilder b = new StringBuilder();
    errors.forEach((k, v) -> b.append(b.length() == 0 ? "" : ", ").append(v).append(" ").append(k));
    return b.toString();
  }

  // ------------------------------------------------------------------ new-api's sweep

  /**
   * new-api's loop (service/task_polling.go): every 15 s, for each unfinished task of the channel,
   * one query, then a 1 s sleep; a sweep longer than 15 s is followed by the next at once.
   */
  private Outcome sweep(WanSimulator sim) throws Exception {
    DashScopeClient client = DashScopeClient.builder().baseUrl(sim.baseUrl()).build();
    ApiKey key = Workload.keyOf("peer-sweep", "sk-bench-sweep");
    PacedTasks plan = plan();
    List<String> unfinished = java.util.Collections.synchronizedList(new ArrayList<>());
    Map<String, Instant> detected = new ConcurrentHashMap<>();
    Instant deadline = plan.lastEnd().plus(wait);
    Thread sweeper =
        new Thread(
            () -> {
              try {
                while (Instant.now().isBefore(deadline)) {
                  Instant tick = Instant.now();
                  for (String taskId : List.copyOf(unfinished)) {
                    if (!Instant.now().isBefore(deadline)) {
                      return;
                    }
                    QueryOutcome<TaskSnapshot> q = client.query(key, taskId);
                    if (q instanceof QueryOutcome.Answered<TaskSnapshot> a
                        && terminal(a.value().status())) {
                      detected.put(taskId, Instant.now());
                      unfinished.remove(taskId);
                    }
                    TimeUnit.SECONDS.sleep(1);
                  }
                  if (detected.size() == tasks) {
                    return;
                  }
                  PacedTasks.sleepUntil(tick.plusSeconds(15));
                }
              } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
              }
            },
            "peer-sweep");
    sweeper.setDaemon(true);
    sweeper.start();
    create(client, key, "peer-sweep", plan, task -> unfinished.add(task.taskId()));
    sweeper.join(Math.max(1, Duration.between(Instant.now(), deadline).toMillis() + 2000));
    sweeper.interrupt();
    return new Outcome("sweep", Map.copyOf(detected), 0, "", 0, 0);
  }

  private static boolean terminal(ProviderStatus s) {
    return s == ProviderStatus.SUCCEEDED
        || s == ProviderStatus.FAILED
        || s == ProviderStatus.CANCELED
        || s == ProviderStatus.UNKNOWN;
  }

  private void create(
      DashScopeClient client,
      ApiKey key,
      String account,
      PacedTasks plan,
      java.util.function.Consumer<Workload.Task> created)
      throws InterruptedException {
    for (int i = 0; i < tasks; i++) {
      PacedTasks.sleepUntil(plan.createAt(i));
      Workload.Task task = null;
      while (task == null) {
        Instant now = Instant.now();
        task =
            Workload.create(
                client, account, key, plan.model(i), plan.prompt(i, now), account + "-" + i, now);
        if (task == null) {
          TimeUnit.MILLISECONDS.sleep(200);
        }
      }
      created.accept(task);
    }
  }

  // ------------------------------------------------------------------ our poller

  private Outcome poller(WanSimulator sim) throws Exception {
    BenchStack.Run run = stack.fresh("peers");
    Map<String, String> settings = stack.serviceSettings(run);
    settings.put("provider.accounts", "peer-poller");
    settings.put("provider.peer-poller.base-url", sim.baseUrl());
    settings.put("provider.peer-poller.api-key", "sk-bench-poller");
    settings.put("poller.application-id", "bench-peers-" + run.prefix().replace(".", ""));
    settings.put("poller.state-dir", stack.scratch("poller-" + run.prefix()).toString());
    Clock clock = Clock.systemUTC();
    DashScopeClient client = DashScopeClient.builder().baseUrl(sim.baseUrl()).build();
    ApiKey key = Workload.keyOf("peer-poller", "sk-bench-poller");
    Map<String, String> taskOfRequest = new ConcurrentHashMap<>();
    PollerService poller =
        new PollerService(
            PollerConfig.from(Settings.of(settings)),
            clock,
            run.topics(),
            stack.registry(),
            account -> WanClients.forAccount(account, clock));
    try (poller;
        BenchStack.StatusProducer producer = stack.producer(run);
        StatusWatch watch = new StatusWatch(stack, run)) {
      poller.start();
      long startDeadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(2);
      while (poller.state() != KafkaStreams.State.RUNNING && System.nanoTime() < startDeadline) {
        TimeUnit.MILLISECONDS.sleep(100);
      }
      PacedTasks plan = plan();
      create(
          client,
          key,
          "peer-poller",
          plan,
          task -> {
            taskOfRequest.put(task.requestId(), task.taskId());
            producer.send(Workload.submitted(task));
            producer.flush();
          });
      Instant deadline = plan.lastEnd().plus(wait);
      while (Instant.now().isBefore(deadline) && watch.ends().size() < tasks) {
        TimeUnit.MILLISECONDS.sleep(200);
      }
      Map<String, Instant> detected = new HashMap<>();
      watch
          .ends()
          .forEach(
              (requestId, seen) -> {
                if (seen.state() == TaskState.SUCCEEDED && taskOfRequest.containsKey(requestId)) {
                  detected.put(taskOfRequest.get(requestId), seen.receivedAt());
                }
              });
      return new Outcome("poller", detected, 0, "", 0, 0);
    }
  }
}
