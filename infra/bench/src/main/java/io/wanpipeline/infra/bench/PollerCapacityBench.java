package io.wanpipeline.infra.bench;

import io.wanpipeline.infra.process.ChildJvm;
import io.wanpipeline.infra.simulator.SimulatorConfig;
import io.wanpipeline.infra.simulator.WanSimulator;
import io.wanpipeline.poller.PollerConfig;
import io.wanpipeline.poller.PollerService;
import io.wanpipeline.runtime.config.Settings;
import io.wanpipeline.wan.ApiKey;
import io.wanpipeline.wan.WanClient;
import io.wanpipeline.wan.account.WanClients;
import io.wanpipeline.wan.dashscope.DashScopeClient;
import java.io.IOException;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.streams.KafkaStreams;

/**
 * Benchmark (a), poller capacity: one poller instance against the simulator with many accounts and
 * generous limits, while the tasks in flight are ramped up in steps; per step the share of polls on
 * schedule (simulator ledger), the live heap per task and the CPU. In {@link Mode#HTTP} the poller
 * runs in a child JVM capped at 512 MB and 2 processors and polls over loopback HTTP; in {@link
 * Mode#BOARD} it runs in this JVM and queries the simulator's task board in-process.
 *
 * <p>Over 400 lines: the ramp, both modes and the report of one benchmark, used only together.
 */
final class PollerCapacityBench {
  /** How the poller reaches the simulator. */
  enum Mode {
    HTTP,
    BOARD
  }

  /**
   * @param maxTasks tasks in flight at the last step; earlier steps are 10%, 25% and 50% of it
   * @param accounts provider accounts the tasks are spread over
   * @param window how long each step is measured, after the step's tasks are created
   * @param settings service settings over the benchmark's own (for example {@code
   *     poller.stream-threads}), to compare
   */
  record Options(int maxTasks, int accounts, Duration window, Map<String, String> settings) {}

  private static final Duration SETTLE = Duration.ofSeconds(12);
  private static final Duration SLACK = Duration.ofSeconds(1);

  private final BenchStack stack;
  private final Options options;
  private final PrintStream progress;

  PollerCapacityBench(BenchStack stack, Options options, PrintStream progress) {
    this.stack = stack;
    this.options = options;
    this.progress = progress;
  }

  List<Integer> steps() {
    int max = options.maxTasks();
    List<Integer> steps = new ArrayList<>();
    for (int s : new int[] {max / 10, max / 4, max / 2, max}) {
      if (s > 0 && (steps.isEmpty() || steps.get(steps.size() - 1) < s)) {
        steps.add(s);
      }
    }
    return steps;
  }

  Table run(List<Mode> modes) throws Exception {
    Table table =
        new Table(
            "(a) poller capacity: one instance, "
                + options.accounts()
                + " accounts, polls every 5-10 s, window "
                + options.window().toSeconds()
                + " s per step"
                + (options.settings().isEmpty() ? "" : ", with " + options.settings()),
            "mode",
            "in flight",
            "polls/s",
            "on schedule",
            "later polls on schedule",
            "new tasks/s",
            "first poll <= 6 s",
            "first poll p50 / p99",
            "tracked after mean / max",
            "gap p50",
            "gap p99",
            "overdue at end",
            "live heap",
            "heap/task above idle",
            "RSS",
            "CPU",
            "CPU per 1,000 polls");
    for (Mode mode : modes) {
      runMode(mode, table);
    }
    table.note(
        "on schedule: first poll <= 5 s + 1 s after submission, later polls 5 to 10 s + 1 s after"
            + " the previous one; a task still unpolled past that at the window's end counts as"
            + " one late poll; the first polls counted are those of the step's new tasks, created"
            + " as fast as the benchmark can (new tasks/s) while the poller polls the step's"
            + " earlier tasks; later polls on schedule: the polls of tasks already polled once"
            + " (and those overdue at the window's end), apart from the burst of first polls;"
            + " tracked after: from the step's new tasks' submission to the poller tracking them"
            + " (wan.poll.tracking.delay, mean over the step, max of its last two minutes): a"
            + " first poll cannot be on time when the poller learns of the task too late");
    table.note(
        "HTTP: poller in a child JVM (-Xmx512m -XX:ActiveProcessorCount=2) over loopback HTTP;"
            + " live heap = heap after a full GC (jcmd GC.run) at the end of the step, per task"
            + " above the same figure before the first task; RSS = the poller process's resident"
            + " memory (heap, RocksDB and the rest); CPU of the poller's JVM over the window, 100% ="
            + " one core; CPU per 1,000 polls = that CPU time over the window divided by the"
            + " polls the simulator answered in it");
    table.note(
        "BOARD: poller in the benchmark's JVM querying the simulator's task board in-process (no"
            + " HTTP); CPU is that JVM's (poller + simulator + task creation); heap not separable");
    return table;
  }

  private void runMode(Mode mode, Table table) throws Exception {
    BenchStack.Run run = stack.fresh("capacity-" + mode.name().toLowerCase());
    List<String> accounts = new ArrayList<>();
    SimulatorConfig.Builder config =
        SimulatorConfig.builder()
            .pendingTime(Duration.ZERO)
            .runningTime(Duration.ofHours(4))
            .defaultConcurrencyCap(1_000_000);
    for (String model : Workload.MODELS) {
      config.concurrencyCap(model, 1_000_000);
    }
    for (int i = 0; i < options.accounts(); i++) {
      String name = String.format("acct%03d", i);
      accounts.add(name);
      config.apiKey(secretOf(name), name);
    }
    Map<String, Instant> submitted = new ConcurrentHashMap<>();
    try (WanSimulator sim = WanSimulator.start(config.build());
        BenchStack.StatusProducer producer = stack.producer(run)) {
      Map<String, String> settings = stack.serviceSettings(run);
      settings.put("provider.accounts", String.join(",", accounts));
      for (String a : accounts) {
        settings.put("provider." + a + ".base-url", sim.baseUrl());
        settings.put("provider." + a + ".api-key", secretOf(a));
        settings.put("provider." + a + ".query-rate", "2000");
      }
      settings.put("poller.application-id", "bench-capacity-" + mode.name().toLowerCase());
      settings.put(
          "poller.state-dir", stack.scratch("poller-" + mode.name().toLowerCase()).toString());
      settings.put("poller.timeout", "PT3H");
      settings.putAll(options.settings());
      PollerUnderTest poller =
          mode == Mode.HTTP
              ? PollerUnderTest.child(stack, settings)
              : inProcess(settings, sim, run);
      DashScopeClient seedClient = DashScopeClient.builder().baseUrl(sim.baseUrl()).build();
      try (poller) {
        int created = 0;
        long idle = poller.liveHeap();
        for (int target : steps()) {
          progress.printf("  (a) %s: creating tasks %d..%d%n", mode, created, target);
          Instant stepStart = Instant.now();
          PollerUnderTest.Sample before = poller.sample();
          seed(seedClient, producer, accounts, created, target, submitted);
          double createdPerSecond =
              (target - created) / (Duration.between(stepStart, Instant.now()).toMillis() / 1000.0);
          created = target;
          Instant settled = Instant.now().plus(SETTLE);
          poller.await(settled);
          Instant from = Instant.now();
          PollerUnderTest.Sample start = poller.sample();
          poller.await(from.plus(options.window()));
          Instant to = Instant.now();
          PollerUnderTest.Sample end = poller.sample();
          ScheduleCheck.Result r =
              new ScheduleCheck(SLACK).check(sim.ledger().polls(), submitted, stepStart, from, to);
          double seconds = Duration.between(from, to).toMillis() / 1000.0;
          long live = poller.liveHeap();
          long cpuNanos = end.cpuNanos() - start.cpuNanos();
          double cpu = cpuNanos / (double) Duration.between(start.at(), end.at()).toNanos();
          table.row(
              mode,
              target,
              String.format("%.0f", r.polls() / seconds),
              Table.percent(r.share()),
              Table.percent(r.laterShare()),
              String.format("%.0f", createdPerSecond),
              r.firstPolls() == 0 ? "-" : Table.percent((double) r.firstOnTime() / r.firstPolls()),
              Table.seconds(r.firstP50Millis()) + " / " + Table.seconds(r.firstP99Millis()),
              end.tracking().since(before.tracking()),
              Table.seconds(r.gapP50Millis()),
              Table.seconds(r.gapP99Millis()),
              r.overdue(),
              live < 0 ? "-" : Table.mib(live),
              live < 0 || idle < 0 ? "-" : String.format("%.0f B", (double) (live - idle) / target),
              end.rssBytes() < 0 ? "-" : Table.mib(end.rssBytes()),
              String.format("%.0f%%", cpu * 100),
              r.polls() == 0 ? "-" : String.format("%.0f ms", cpuNanos / 1e6 / r.polls() * 1000));
          progress.printf(
              "  (a) %s: %d in flight, %.0f polls/s, %s on schedule, %d overdue%n",
              mode, target, r.polls() / seconds, Table.percent(r.share()), r.overdue());
        }
      }
    }
  }

  private void seed(
      WanClient client,
      BenchStack.StatusProducer producer,
      List<String> accounts,
      int from,
      int to,
      Map<String, Instant> submitted)
      throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(8);
    try {
      List<Future<?>> work = new ArrayList<>();
      int threads = 8;
      for (int t = 0; t < threads; t++) {
        int first = from + t;
        work.add(
            pool.submit(
                () -> {
                  for (int i = first; i < to; i += threads) {
                    String account = accounts.get(i % accounts.size());
                    ApiKey key = Workload.keyOf(account, secretOf(account));
                    String model = Workload.MODELS.get(i % Workload.MODELS.size());
                    Workload.Task task =
                        Workload.createRetrying(
                            client, account, key, model, "bench " + i, "cap-" + i);
                    submitted.put(task.taskId(), task.submittedAt());
                    producer.send(Workload.submitted(task));
                  }
                  return null;
                }));
      }
      for (Future<?> f : work) {
        f.get();
      }
      producer.flush();
    } finally {
      pool.shutdownNow();
    }
  }

  private PollerUnderTest inProcess(
      Map<String, String> settings, WanSimulator sim, BenchStack.Run run) {
    Clock clock = Clock.systemUTC();
    PollerService service =
        new PollerService(
            PollerConfig.from(Settings.of(settings)),
            clock,
            run.topics(),
            stack.registry(),
            account -> new BoardClient(sim, WanClients.forAccount(account, clock)));
    service.start();
    return PollerUnderTest.inProcess(service);
  }

  static String secretOf(String account) {
    return "sk-bench-" + account;
  }

  /** The poller being measured, in this JVM or a child. */
  abstract static class PollerUnderTest implements AutoCloseable {
    @Override
    public abstract void close();

    /**
     * CPU time used by the poller's JVM at a moment, its resident memory (-1: unknown) and its
     * tracking delay so far ({@code wan.poll.tracking.delay}).
     */
    record Sample(Instant at, long cpuNanos, long rssBytes, TrackingDelay tracking) {}

    abstract Sample sample() throws IOException;

    /** Heap after a full collection, or -1 when it cannot be told apart. */
    abstract long liveHeap() throws Exception;

    /** Waits until {@code until}, failing if the poller died. */
    void await(Instant until) throws InterruptedException {
      long millis = Duration.between(Instant.now(), until).toMillis();
      if (millis > 0) {
        TimeUnit.MILLISECONDS.sleep(millis);
      }
      if (!alive()) {
        throw new IllegalStateException("the poller under test stopped");
      }
    }

    abstract boolean alive();

    static PollerUnderTest inProcess(PollerService service) {
      com.sun.management.OperatingSystemMXBean os =
          (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
      return new PollerUnderTest() {
        @Override
        Sample sample() {
          return new Sample(
              Instant.now(), os.getProcessCpuTime(), -1, TrackingDelay.of(service.meters()));
        }

        @Override
        long liveHeap() {
          return -1;
        }

        @Override
        boolean alive() {
          KafkaStreams.State s = service.state();
          return s != null && s.isRunningOrRebalancing();
        }

        @Override
        public void close() {
          service.close();
        }
      };
    }

    /**
     * The child's JVM options: a fixed heap and two processors, plus those of {@code
     * WAN_BENCH_POLLER_JVM_OPTIONS} ({@link ChildJvmOptions}).
     */
    static List<String> childJvmOptions(Path dir) {
      return ChildJvmOptions.of(
          List.of("-Xmx512m", "-XX:ActiveProcessorCount=2"), "WAN_BENCH_POLLER_JVM_OPTIONS", dir);
    }

    static PollerUnderTest child(BenchStack stack, Map<String, String> settings)
        throws IOException, InterruptedException {
      Path dir = stack.scratch("poller-child");
      Path config = dir.resolve("poller.properties");
      Properties p = new Properties();
      p.putAll(settings);
      // Its management endpoints on a free loopback port, as the local stack serves them.
      p.putIfAbsent("management.host", "127.0.0.1");
      p.putIfAbsent("management.port", "0");
      try (var out = Files.newBufferedWriter(config, StandardCharsets.UTF_8)) {
        p.store(out, "capacity benchmark poller");
      }
      Path log = dir.resolve("poller.log");
      ChildJvm child =
          ChildJvm.start(
              new ChildJvm.Spec(
                  "bench-poller",
                  System.getProperty("java.class.path"),
                  childJvmOptions(dir),
                  PollerBenchChild.class.getName(),
                  List.of(config.toString()),
                  dir,
                  log,
                  Map.of()));
      child.awaitReady(Duration.ofMinutes(2), () -> lastStats(log).endsWith("state=RUNNING"));
      return new PollerUnderTest() {
        @Override
        Sample sample() throws IOException {
          String line = lastStats(log);
          return new Sample(
              Instant.ofEpochMilli(Long.parseLong(field(line, "millis"))),
              Long.parseLong(field(line, "cpuNanos")),
              rss(child.pid()),
              TrackingDelay.parse(field(line, TrackingDelay.FIELD)));
        }

        @Override
        long liveHeap() throws Exception {
          long gcs = Long.parseLong(field(lastStats(log), "gcs"));
          Path jcmd = Path.of(System.getProperty("java.home"), "bin", "jcmd");
          Process gc =
              new ProcessBuilder(
                      Files.isExecutable(jcmd) ? jcmd.toString() : "jcmd",
                      String.valueOf(child.pid()),
                      "GC.run")
                  .redirectErrorStream(true)
                  .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                  .start();
          gc.waitFor(60, TimeUnit.SECONDS);
          for (int i = 0; i < 50; i++) {
            String line = lastStats(log);
            if (Long.parseLong(field(line, "gcs")) > gcs) {
              return Long.parseLong(field(line, "heapAfterGc"));
            }
            TimeUnit.MILLISECONDS.sleep(200);
          }
          return -1;
        }

        @Override
        boolean alive() {
          return child.isAlive();
        }

        @Override
        public void close() {
          child.close();
        }
      };
    }

    /** Resident set size of process {@code pid} from /proc (Linux), or -1. */
    private static long rss(long pid) {
      try {
        for (String line : Files.readAllLines(Path.of("/proc", String.valueOf(pid), "status"))) {
          if (line.startsWith("VmRSS:")) {
            return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
          }
        }
      } catch (IOException | RuntimeException e) {
        return -1;
      }
      return -1;
    }

    private static String lastStats(Path log) throws IOException {
      List<String> lines = Files.readAllLines(log, StandardCharsets.UTF_8);
      for (int i = lines.size() - 1; i >= 0; i--) {
        if (lines.get(i).startsWith(PollerBenchChild.PREFIX)) {
          return lines.get(i);
        }
      }
      throw new IllegalStateException("the poller child has not reported yet; see " + log);
    }

    private static String field(String line, String name) {
      for (String part : line.split(" ")) {
        if (part.startsWith(name + "=")) {
          return part.substring(name.length() + 1);
        }
      }
      throw new IllegalStateException("no " + name + " in: " + line);
    }
  }
}
