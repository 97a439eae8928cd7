package io.wanpipeline.infra.bench;

import io.wanpipeline.events.TaskState;
import io.wanpipeline.infra.simulator.SimulatorConfig;
import io.wanpipeline.infra.simulator.SimulatorLedger;
import io.wanpipeline.infra.simulator.WanSimulator;
import io.wanpipeline.poller.PollerConfig;
import io.wanpipeline.poller.PollerService;
import io.wanpipeline.runtime.config.Settings;
import io.wanpipeline.wan.ApiKey;
import io.wanpipeline.wan.account.WanClients;
import io.wanpipeline.wan.dashscope.DashScopeClient;
import java.io.PrintStream;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Benchmark (b), quota efficiency: {@code tasks} tasks in flight on one account at the default 20
 * queries a second, enforced by the simulator; the poller's 429s, the delay between a task's end at
 * the provider and its status event on task-status, and the queries per completed task.
 */
final class QuotaBench {
  static final String ACCOUNT = "quota";
  static final int QUERY_RATE = 20;

  private final BenchStack stack;
  private final int tasks;
  private final Duration wait;
  private final PrintStream progress;

  QuotaBench(BenchStack stack, int tasks, Duration wait, PrintStream progress) {
    this.stack = stack;
    this.tasks = tasks;
    this.wait = wait;
    this.progress = progress;
  }

  /** A simulator enforcing the provider's rates, with room for every task to run at once. */
  static WanSimulator simulator(Map<String, String> keys) {
    SimulatorConfig.Builder b =
        SimulatorConfig.builder().enforceRateLimits(true).queryQpsPerAccount(QUERY_RATE);
    for (String model : Workload.MODELS) {
      b.concurrencyCap(model, 100_000);
    }
    keys.forEach(b::apiKey);
    return WanSimulator.start(b.build());
  }

  Table run() throws Exception {
    String secret = "sk-bench-quota";
    ApiKey key = Workload.keyOf(ACCOUNT, secret);
    PacedTasks plan =
        new PacedTasks(
            tasks, Duration.ofSeconds(30), Duration.ofSeconds(120), Instant.now().plusSeconds(1));
    BenchStack.Run run = stack.fresh("quota");
    Map<String, String> taskOfRequest = new HashMap<>();
    Instant finished;
    SimulatorLedger ledger;
    Map<String, StatusWatch.Seen> ends;
    try (WanSimulator sim = simulator(Map.of(secret, ACCOUNT));
        BenchStack.StatusProducer producer = stack.producer(run);
        StatusWatch watch = new StatusWatch(stack, run)) {
      ledger = sim.ledger();
      PollerService poller = poller(run, sim, secret);
      try (poller) {
        DashScopeClient client = DashScopeClient.builder().baseUrl(sim.baseUrl()).build();
        progress.printf(
            "  (b) creating %d tasks on one account; all run from %s, the last ends at %s%n",
            tasks, plan.commonStart(), plan.lastEnd());
        for (int i = 0; i < tasks; i++) {
          PacedTasks.sleepUntil(plan.createAt(i));
          Workload.Task task = null;
          while (task == null) {
            Instant now = Instant.now();
            task =
                Workload.create(
                    client, ACCOUNT, key, plan.model(i), plan.prompt(i, now), "quota-" + i, now);
            if (task == null) {
              TimeUnit.MILLISECONDS.sleep(200);
            }
          }
          taskOfRequest.put(task.requestId(), task.taskId());
          producer.send(Workload.submitted(task));
        }
        producer.flush();
        Instant deadline = plan.lastEnd().plus(wait);
        while (Instant.now().isBefore(deadline) && watch.ends().size() < tasks) {
          TimeUnit.MILLISECONDS.sleep(500);
        }
        finished = Instant.now();
        ends = watch.ends();
      }
    }
    Map<String, Instant> endedAt = new HashMap<>();
    for (SimulatorLedger.TaskRecord t : ledger.tasks()) {
      if (t.ended() != null) {
        endedAt.put(t.taskId(), t.ended());
      }
    }
    List<Long> delays = new ArrayList<>();
    int completed = 0;
    for (Map.Entry<String, String> e : taskOfRequest.entrySet()) {
      StatusWatch.Seen seen = ends.get(e.getKey());
      Instant ended = endedAt.get(e.getValue());
      if (seen != null && seen.state() == TaskState.SUCCEEDED && ended != null) {
        completed++;
        delays.add(Duration.between(ended, seen.receivedAt()).toMillis());
      }
    }
    int missing = tasks - completed;
    for (int i = 0; i < missing; i++) {
      delays.add(Long.MAX_VALUE);
    }
    long calls = ledger.polls().size() + ledger.cancels().size() + ledger.lists().size();
    long throttled =
        ledger.polls().stream().filter(p -> p.httpStatus() == 429).count()
            + ledger.cancels().stream().filter(c -> c.httpStatus() == 429).count()
            + ledger.lists().stream().filter(l -> l.httpStatus() == 429).count();
    Table table =
        new Table(
            "(b) quota efficiency: "
                + tasks
                + " tasks in flight on one account, "
                + QUERY_RATE
                + " queries/s enforced, run times 30-120 s",
            "tasks",
            "completed and announced",
            "task calls",
            "429s",
            "max calls in 1 s",
            "delay p50",
            "delay p99",
            "delay max",
            "calls per completed task",
            "wall time");
    table.row(
        tasks,
        completed,
        calls,
        throttled,
        ledger.maxPollsPerSecond(ACCOUNT),
        delay(Table.quantile(delays, 0.5)),
        delay(Table.quantile(delays, 0.99)),
        delay(Table.quantile(delays, 1.0)),
        completed == 0 ? "-" : String.format("%.1f", (double) calls / completed),
        Table.seconds(Duration.between(plan.createFrom(), finished).toMillis()));
    table.note(
        "delay: from the task's end at the simulator to its SUCCEEDED event read (committed) from"
            + " task-status; target p99 <= 11 s (one 10 s interval + 1 s)");
    table.note(
        "task calls: queries, cancels and list calls the simulator received for the account,"
            + " 429s included; 'max calls in 1 s': the most of them in any sliding second");
    if (missing > 0) {
      table.note(missing + " tasks were not announced before the run ended; counted as infinite");
    }
    return table;
  }

  private static String delay(double millis) {
    return millis >= Long.MAX_VALUE / 2.0 ? "not seen" : Table.seconds(millis);
  }

  private PollerService poller(BenchStack.Run run, WanSimulator sim, String secret)
      throws Exception {
    Map<String, String> settings = stack.serviceSettings(run);
    settings.put("provider.accounts", ACCOUNT);
    settings.put("provider." + ACCOUNT + ".base-url", sim.baseUrl());
    settings.put("provider." + ACCOUNT + ".api-key", secret);
    settings.put("poller.application-id", "bench-quota-" + run.prefix().replace(".", ""));
    settings.put("poller.state-dir", stack.scratch("poller-" + run.prefix()).toString());
    Clock clock = Clock.systemUTC();
    PollerService poller =
        new PollerService(
            PollerConfig.from(Settings.of(settings)),
            clock,
            run.topics(),
            stack.registry(),
            account -> WanClients.forAccount(account, clock));
    poller.start();
    long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(2);
    while (poller.state() != org.apache.kafka.streams.KafkaStreams.State.RUNNING) {
      if (System.nanoTime() > deadline) {
        poller.close();
        throw new IllegalStateException("the poller did not start: " + poller.state());
      }
      TimeUnit.MILLISECONDS.sleep(100);
    }
    return poller;
  }
}
