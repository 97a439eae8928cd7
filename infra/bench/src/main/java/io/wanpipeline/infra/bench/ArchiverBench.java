package io.wanpipeline.infra.bench;

import io.wanpipeline.archiver.ArchiverConfig;
import io.wanpipeline.archiver.S3Clients;
import io.wanpipeline.events.TaskState;
import io.wanpipeline.events.TaskStatus;
import io.wanpipeline.events.Usage;
import io.wanpipeline.infra.process.ChildJvm;
import io.wanpipeline.infra.s3.S3ProxyProcess;
import io.wanpipeline.infra.simulator.SimulatorConfig;
import io.wanpipeline.infra.simulator.WanSimulator;
import io.wanpipeline.runtime.config.Settings;
import io.wanpipeline.wan.ApiKey;
import io.wanpipeline.wan.ProviderStatus;
import io.wanpipeline.wan.QueryOutcome;
import io.wanpipeline.wan.TaskSnapshot;
import io.wanpipeline.wan.dashscope.DashScopeClient;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.nio.channels.SeekableByteChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.eclipse.jetty.client.HttpClient;
import org.eclipse.jetty.client.InputStreamResponseListener;
import org.eclipse.jetty.client.Response;
import org.eclipse.jetty.client.transport.HttpClientTransportOverHTTP;
import org.eclipse.jetty.io.ClientConnector;
import org.eclipse.jetty.util.ssl.SslContextFactory;
import software.amazon.awssdk.core.async.AsyncRequestBody;
import software.amazon.awssdk.services.s3.S3AsyncClient;

/**
 * Benchmark (d), archiver throughput: N videos of S bytes served by the simulator over https are
 * archived by the real archiver (child JVM, {@code -Xmx256m}) into s3proxy; the baseline streams
 * the same links into the same S3 with the same S3 client settings and concurrency, without
 * hashing, checksum object or Kafka. After untimed warm-up videos on both, the paths take turns by
 * rounds of {@link #WORKERS} videos, with a third: the baseline again on other videos, whose ratio
 * to the baseline is the run's own noise (an A/A check; at 8 videos the same copy read 67-115% of
 * itself, docs/benchmarks.md). Reports MB/s of each, their ratios, the CPU time every process used
 * during each path's rounds, and the archiver's peak heap.
 *
 * <p>Over 400 lines: both paths, the warm-up, the rounds and the report of one benchmark, used only
 * together.
 */
final class ArchiverBench {
  /** The bench account's query rate (simulator and archiver): a tenth goes to link queries. */
  private static final int ACCOUNT_QUERY_RATE = 400;

  private static final String ACCOUNT = "bench";
  private static final String SECRET = "sk-bench-archiver";
  private static final String S3_KEY = "bench-access";
  private static final String S3_SECRET = "bench-secret-key";
  private static final String BUCKET = "bench-videos";
  private static final int WORKERS = 4;

  /** The timed paths: the baseline, the archiver, and the baseline again on other videos. */
  private static final int PATHS = 3;

  private static final int BASELINE = 0;
  private static final int ARCHIVER = 1;
  private static final int AGAIN = 2;

  /**
   * Untimed videos each path handles first, {@link #WORKERS} at a time, the paths taking turns: six
   * rounds, so that connections and TLS sessions are open on every concurrent path and the JIT has
   * compiled the hot paths before the clock starts (after one round the archiver's fresh JVM still
   * spent about a third of its CPU in the compiler threads during the timed videos). The JITs are
   * not done then: each warm-up round prints the compilation time of both JVMs, and after twenty
   * rounds each still compiled for 0.6-2.5 s per round (2026-12-07, docs/benchmarks.md).
   */
  private static final int WARMUP = 6 * WORKERS;

  /** How much of the end of the child's log is read for its last statistics line. */
  private static final int STATS_TAIL_BYTES = 16 * 1024;

  private final BenchStack stack;
  private final int videos;
  private final long videoBytes;
  private final Duration timeout;
  private final PrintStream progress;

  ArchiverBench(
      BenchStack stack, int videos, long videoBytes, Duration timeout, PrintStream progress) {
    this.stack = stack;
    this.videos = videos;
    this.videoBytes = videoBytes;
    this.timeout = timeout;
    this.progress = progress;
  }

  Table run() throws Exception {
    Table table =
        new Table(
            "(d) archiver throughput: "
                + videos
                + " videos x "
                + Table.mib(videoBytes)
                + ", "
                + WORKERS
                + " at a time, https simulator links into s3proxy",
            "path",
            "bytes",
            "time",
            "MB/s",
            "vs baseline",
            "CPU s: bench JVM / s3proxy / archiver",
            "MB per CPU s",
            "archiver GCs (pause)",
            "JIT ms: bench / archiver",
            "peak heap");
    BenchStack.Run run = stack.fresh("archiver");
    ApiKey key = Workload.keyOf(ACCOUNT, SECRET);
    try (S3ProxyProcess s3proxy =
            S3ProxyProcess.start(
                S3ProxyProcess.Settings.of(stack.scratch("s3"), S3_KEY, S3_SECRET));
        WanSimulator sim =
            WanSimulator.start(
                SimulatorConfig.builder()
                    .apiKey(SECRET, ACCOUNT)
                    .queryQpsPerAccount(ACCOUNT_QUERY_RATE)
                    .pendingTime(Duration.ZERO)
                    .runningTime(Duration.ofMillis(500))
                    .defaultConcurrencyCap(10_000)
                    .linkLifetime(Duration.ofHours(2))
                    .httpsLinks(true)
                    .build());
        BenchStack.StatusProducer producer = stack.producer(run)) {
      Map<String, String> settings = stack.serviceSettings(run);
      settings.put("provider.accounts", ACCOUNT);
      settings.put("provider." + ACCOUNT + ".base-url", sim.baseUrl());
      // A generous account, so that its link-query reserve (a tenth: 40 a second) does not bound
      // the bytes measured; at the provider's 20 a second it is 2 link queries a second.
      settings.put("provider." + ACCOUNT + ".query-rate", String.valueOf(ACCOUNT_QUERY_RATE));
      settings.put("archiver.group-id", "bench-archiver");
      // Its management endpoints on a free loopback port, as the local stack serves them.
      settings.put("management.host", "127.0.0.1");
      settings.put("management.port", "0");
      settings.put("archiver.bucket", BUCKET);
      settings.put("archiver.create-bucket", "true");
      settings.put("archiver.workers", String.valueOf(WORKERS));
      settings.put("archiver.max-video-bytes", String.valueOf(Math.max(videoBytes, 1)));
      settings.put("s3.endpoint", s3proxy.endpoint().toString());
      settings.put("s3.path-style", "true");
      settings.put("s3.region", "us-east-1");
      Map<String, String> link = new HashMap<>(sim.archiverLinkSettings());
      String trustPassword = link.remove("archiver.link-trust-store-password");
      settings.putAll(link);
      Map<String, String> secrets = new HashMap<>();
      secrets.put("WAN_PIPELINE_PROVIDER_" + ACCOUNT.toUpperCase() + "_API_KEY", SECRET);
      secrets.put("WAN_PIPELINE_S3_ACCESS_KEY_ID", S3_KEY);
      secrets.put("WAN_PIPELINE_S3_SECRET_ACCESS_KEY", S3_SECRET);
      secrets.put("WAN_PIPELINE_ARCHIVER_LINK_TRUST_STORE_PASSWORD", trustPassword);

      DashScopeClient client = DashScopeClient.builder().baseUrl(sim.baseUrl()).build();
      progress.printf(
          "  (d) creating %d tasks of %s%n", 2 * (WARMUP + videos) + videos, Table.mib(videoBytes));
      List<Workload.Task> baselineTasks = create(client, key, "base", WARMUP + videos);
      List<Workload.Task> archiveTasks = create(client, key, "arch", WARMUP + videos);
      List<Workload.Task> againTasks = create(client, key, "again", videos);
      List<Observed> baselineDone = awaitSucceeded(client, key, baselineTasks);
      List<Observed> archiveDone = awaitSucceeded(client, key, archiveTasks);
      List<TaskSnapshot> againLinks =
          awaitSucceeded(client, key, againTasks).stream().map(Observed::snapshot).toList();

      ArchiverConfig config = ArchiverConfig.from(Settings.of(settings, secrets));
      ProcessHandle s3proxyProcess = s3proxyProcess();
      List<TaskSnapshot> baselineLinks = baselineDone.stream().map(Observed::snapshot).toList();

      progress.println("  (d) archiver: starting the child JVM");
      Path dir = stack.scratch("archiver-child");
      Path file = dir.resolve("archiver.properties");
      Properties p = new Properties();
      p.putAll(settings);
      try (var w = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
        p.store(w, "archiver benchmark");
      }
      Path log = dir.resolve("archiver.log");
      try (ChildJvm child =
              ChildJvm.start(
                  new ChildJvm.Spec(
                      "bench-archiver",
                      System.getProperty("java.class.path"),
                      ChildJvmOptions.of(
                          List.of("-Xmx256m", "-XX:ActiveProcessorCount=2"),
                          "WAN_BENCH_ARCHIVER_JVM_OPTIONS",
                          dir),
                      ArchiverBenchChild.class.getName(),
                      List.of(file.toString()),
                      dir,
                      log,
                      secrets));
          BaselineCopier baseline = new BaselineCopier(config, sim, trustPassword)) {
        child.awaitReady(
            Duration.ofMinutes(2), () -> field(lastStats(log), "running").equals("true"));
        ProcessHandle archiverProcess = ProcessHandle.of(child.pid()).orElseThrow();
        long deadline = System.nanoTime() + timeout.toNanos();
        // Untimed videos on each path first: consumer group formed, connections, TLS and JIT warm
        // on every concurrent path.
        progress.println("  (d) warm-up: " + WARMUP + " untimed videos on each path");
        for (int from = 0; from < WARMUP; from += WORKERS) {
          long benchJitBefore = jitMillis();
          String childBefore = lastStats(log);
          baseline.copyAll(baselineLinks.subList(from, from + WORKERS));
          archiveRound(
              producer, archiveTasks, archiveDone, from, from + WORKERS, child, log, deadline);
          progress.printf(
              "  (d) warm-up round %d: JIT %d ms in the bench JVM, %d ms in the archiver%n",
              from / WORKERS + 1,
              jitMillis() - benchJitBefore,
              counter(lastStats(log), childBefore, "jitMillis"));
        }

        // Timed rounds of WORKERS videos, the three paths taking turns in an order that rotates
        // each round (B A C, A C B, C B A, ...), so that load from other processes on the
        // machine falls on all alike. C, the baseline again on other videos, is the A/A check:
        // its ratio to B is the noise of this run.
        PathTotals[] totals = {new PathTotals(), new PathTotals(), new PathTotals()};
        long gcCount = 0;
        long gcMillis = 0;
        String stats = lastStats(log);
        int round = 0;
        for (int from = WARMUP; from < WARMUP + videos; from += WORKERS, round++) {
          int to = Math.min(from + WORKERS, WARMUP + videos);
          for (int turn = 0; turn < PATHS; turn++) {
            int path = (turn + round) % PATHS;
            PathTotals t = totals[path];
            Cpu before = Cpu.now(s3proxyProcess, archiverProcess);
            long benchJitBefore = jitMillis();
            String childBefore = lastStats(log);
            if (path == ARCHIVER) {
              long startMillis = System.currentTimeMillis();
              stats =
                  archiveRound(producer, archiveTasks, archiveDone, from, to, child, log, deadline);
              t.seconds += (Long.parseLong(field(stats, "millis")) - startMillis) / 1000.0;
              gcCount += counter(stats, childBefore, "gcCount");
              gcMillis += counter(stats, childBefore, "gcMillis");
            } else {
              List<TaskSnapshot> links =
                  path == BASELINE
                      ? baselineLinks.subList(from, to)
                      : againLinks.subList(from - WARMUP, to - WARMUP);
              long t0 = System.nanoTime();
              baseline.copyAll(links);
              t.seconds += (System.nanoTime() - t0) / 1e9;
            }
            t.used = t.used.plus(Cpu.now(s3proxyProcess, archiverProcess).minus(before));
            t.benchJit += jitMillis() - benchJitBefore;
            t.childJit += counter(lastStats(log), childBefore, "jitMillis");
          }
          progress.printf(
              "  (d) round %d: baseline %.1f s, archiver %.1f s, baseline again %.1f s so far%n",
              round + 1, totals[BASELINE].seconds, totals[ARCHIVER].seconds, totals[AGAIN].seconds);
        }

        PathTotals base = totals[BASELINE];
        long bytes = videos * videoBytes;
        copyRow(table, "baseline (GET -> PUT)", base, base, bytes);
        copyRow(table, "baseline again (A/A: noise)", totals[AGAIN], base, bytes);
        long archived = Long.parseLong(field(stats, "archived")) - WARMUP;
        PathTotals arch = totals[ARCHIVER];
        table.row(
            "archiver (" + archived + " ARCHIVED, " + field(stats, "failed") + " failed)",
            Table.mib(archived * (double) videoBytes),
            String.format("%.1f s", arch.seconds),
            String.format("%.1f", arch.rate(archived * videoBytes)),
            Table.percent(arch.rate(archived * videoBytes) / base.rate(bytes)),
            arch.used.format(),
            String.format(
                "%.1f (%s)",
                arch.perCpu(archived * videoBytes),
                Table.percent(arch.perCpu(archived * videoBytes) / base.perCpu(bytes))),
            gcCount + " (" + gcMillis + " ms)",
            arch.benchJit + " / " + arch.childJit,
            Table.mib(Long.parseLong(field(stats, "heapPeak"))));
        progress.printf(
            "  (d) baseline %.1f MB/s, archiver %.1f MB/s (%s), baseline again %.1f MB/s (%s)%n",
            base.rate(bytes),
            arch.rate(archived * videoBytes),
            Table.percent(arch.rate(archived * videoBytes) / base.rate(bytes)),
            totals[AGAIN].rate(bytes),
            Table.percent(totals[AGAIN].rate(bytes) / base.rate(bytes)));
      }
    }
    table.note(
        "rounds: after "
            + WARMUP
            + " untimed videos on each path ("
            + WORKERS
            + " at a time), the three paths take turns, "
            + WORKERS
            + " videos at a time, in an order that rotates each round (baseline, archiver,"
            + " baseline again; then archiver, baseline again, baseline; ...), so that other load"
            + " on the machine falls on all; time and CPU are summed over each path's rounds");
    table.note(
        "baseline again: the baseline's own code on other videos of the same size, timed as"
            + " the baseline: its ratio to the baseline is what this run's noise alone makes of"
            + " two equal paths; read the archiver's ratio against it");
    table.note(
        "archiver: the real service in a child JVM (-Xmx256m -XX:ActiveProcessorCount=2),"
            + " archiver.workers="
            + WORKERS
            + "; a round is timed from its first SUCCEEDED event sent to its last ARCHIVED"
            + " committed (the child reports its counts every 20 ms, so a round may read up to"
            + " 20 ms long); per video it queries the task for a fresh link, downloads over"
            + " https, hashes (SHA-256), uploads multipart and writes the hash to the checksum"
            + " object <key>.sha256; each SUCCEEDED event carries the time of the query that saw"
            + " the task end (long past), as the poller's would");
    table.note(
        "baseline: in the benchmark JVM, the same links fetched with a Jetty client (same trust"
            + " store) and streamed into the same s3proxy by an S3 client built from the same"
            + " settings (S3Clients), "
            + WORKERS
            + " at a time; no hashing, no checksum object, no Kafka");
    table.note(
        "JIT ms: compilation time (CompilationMXBean) of the bench JVM and of the archiver's"
            + " during each path's rounds: work the warm-up left; archiver GCs: the archiver"
            + " JVM's collections during its rounds and their time"
            + " (GarbageCollectorMXBean, as of the child's last report before and after each"
            + " round); peak heap: highest heap in use sampled every 20 ms (garbage included);"
            + " target ratio"
            + " >= 85%; MB = 10^6 bytes; the account's query rate is "
            + ACCOUNT_QUERY_RATE
            + "/s, so its archive reserve (a tenth) does not bound the bytes measured (at the"
            + " provider's 20/s an account's archivers make 2 link queries a second)");
    table.note(
        "CPU: CPU time each process used during the path's rounds (ProcessHandle"
            + " totalCpuDuration); the bench JVM runs the simulator and the broker for both rows"
            + " and the baseline's client; MB per CPU s compares work per CPU, which moves less"
            + " than wall time when other work shares the cores");
    return table;
  }

  /** What one path's timed rounds added up to. */
  private static final class PathTotals {
    double seconds;
    Cpu used = Cpu.ZERO;
    long benchJit;
    long childJit;

    /** MB/s for {@code bytes} moved in these rounds. */
    double rate(long bytes) {
      return bytes / seconds / 1e6;
    }

    /** MB per CPU second of every process for {@code bytes} moved in these rounds. */
    double perCpu(long bytes) {
      return bytes / 1e6 / used.total();
    }
  }

  /** A row for a path of the baseline's copy, against the baseline; both moved {@code bytes}. */
  private static void copyRow(
      Table table, String name, PathTotals path, PathTotals base, long bytes) {
    table.row(
        name,
        Table.mib(bytes),
        String.format("%.1f s", path.seconds),
        String.format("%.1f", path.rate(bytes)),
        Table.percent(path.rate(bytes) / base.rate(bytes)),
        path.used.format(),
        String.format(
            "%.1f (%s)",
            path.perCpu(bytes), Table.percent(path.perCpu(bytes) / base.perCpu(bytes))),
        "-",
        path.benchJit + " / " + path.childJit,
        "-");
  }

  private List<Workload.Task> create(DashScopeClient client, ApiKey key, String tag, int n)
      throws InterruptedException {
    List<Workload.Task> tasks = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      Workload.Task task =
          Workload.createRetrying(
              client,
              ACCOUNT,
              key,
              Workload.MODELS.get(i % Workload.MODELS.size()),
              "[sim:video-bytes=" + videoBytes + "] bench " + tag + " " + i,
              "bench-" + tag + "-" + i);
      tasks.add(task);
    }
    return tasks;
  }

  /**
   * A task's SUCCEEDED answer and when the query that got it was answered: the poller's last query,
   * which the SUCCEEDED event's time records.
   */
  private record Observed(TaskSnapshot snapshot, Instant at) {}

  private static List<Observed> awaitSucceeded(
      DashScopeClient client, ApiKey key, List<Workload.Task> tasks) throws InterruptedException {
    List<Observed> out = new ArrayList<>();
    for (Workload.Task t : tasks) {
      while (true) {
        if (client.query(key, t.taskId()) instanceof QueryOutcome.Answered<TaskSnapshot> a
            && a.value().status() == ProviderStatus.SUCCEEDED) {
          out.add(new Observed(a.value(), Instant.now()));
          break;
        }
        TimeUnit.MILLISECONDS.sleep(100);
      }
    }
    return out;
  }

  /**
   * Sends the SUCCEEDED events of {@code archiveTasks[from, to)} and waits until the archiver has
   * ended {@code to} requests in all; returns the child's statistics line that showed it.
   */
  private static String archiveRound(
      BenchStack.StatusProducer producer,
      List<Workload.Task> archiveTasks,
      List<Observed> archiveDone,
      int from,
      int to,
      ChildJvm child,
      Path log,
      long deadlineNanos)
      throws IOException, InterruptedException {
    for (int i = from; i < to; i++) {
      producer.send(succeeded(archiveTasks.get(i), archiveDone.get(i)));
    }
    producer.flush();
    return awaitDone(child, log, to, deadlineNanos);
  }

  /**
   * The baseline: each link fetched with a Jetty client (the simulator's trust store, no redirects,
   * no content decoding, as the archiver's) and streamed into s3proxy by an S3 client from the same
   * {@link S3Clients} settings, with its known length, {@link #WORKERS} at a time.
   */
  private static final class BaselineCopier implements AutoCloseable {
    private final HttpClient http;
    private final S3AsyncClient s3;
    private final ExecutorService pool = Executors.newFixedThreadPool(WORKERS * 2);
    private final ExecutorService workers = Executors.newFixedThreadPool(WORKERS);

    BaselineCopier(ArchiverConfig config, WanSimulator sim, String trustPassword) throws Exception {
      SslContextFactory.Client tls = new SslContextFactory.Client();
      tls.setEndpointIdentificationAlgorithm("HTTPS");
      tls.setTrustStorePath(sim.linkTrustStore().orElseThrow().path().toString());
      tls.setTrustStorePassword(trustPassword);
      tls.setTrustStoreType("PKCS12");
      ClientConnector connector = new ClientConnector();
      connector.setSslContextFactory(tls);
      http = new HttpClient(new HttpClientTransportOverHTTP(connector));
      http.setFollowRedirects(false);
      http.getContentDecoderFactories().clear();
      http.start();
      s3 = S3Clients.create(config.s3());
      s3.createBucket(b -> b.bucket(BUCKET + "-baseline")).join();
    }

    void copyAll(List<TaskSnapshot> tasks) throws Exception {
      List<Future<?>> work = new ArrayList<>();
      for (TaskSnapshot t : tasks) {
        work.add(
            workers.submit(
                () -> {
                  copy(t);
                  return null;
                }));
      }
      for (Future<?> f : work) {
        f.get();
      }
    }

    private void copy(TaskSnapshot t) throws Exception {
      InputStreamResponseListener listener = new InputStreamResponseListener();
      http.newRequest(t.videoUrl().uri()).send(listener);
      Response response = listener.get(30, TimeUnit.SECONDS);
      if (response.getStatus() != 200) {
        throw new IllegalStateException("download answered " + response.getStatus());
      }
      long length = response.getHeaders().getLongField("Content-Length");
      try (InputStream in = listener.getInputStream()) {
        s3.putObject(
                b ->
                    b.bucket(BUCKET + "-baseline")
                        .key("baseline/" + t.taskId() + ".mp4")
                        .contentType("video/mp4")
                        .contentLength(length),
                AsyncRequestBody.fromInputStream(in, length, pool))
            .join();
      }
    }

    @Override
    public void close() {
      workers.shutdownNow();
      pool.shutdownNow();
      s3.close();
      try {
        http.stop();
      } catch (Exception e) {
        throw new IllegalStateException("cannot stop the baseline's HTTP client", e);
      }
    }
  }

  /**
   * The SUCCEEDED event the poller would have sent: its time is the query that saw the task end, so
   * the archiver's link query keeps the 3 s spacing from it as it would in the pipeline (here long
   * past: the tasks ended before the baseline ran).
   */
  private static TaskStatus succeeded(Workload.Task task, Observed observed) {
    TaskSnapshot snapshot = observed.snapshot();
    return TaskStatus.newBuilder(Workload.submitted(task))
        .setState(TaskState.SUCCEEDED)
        .setEventTime(observed.at())
        .setProviderEndTime(snapshot.endTime())
        .setRequestedResolution("480P")
        .setUsage(Usage.newBuilder().setVideoDurationMillis(5_000).setTier("480P").build())
        .build();
  }

  /** The s3proxy child of this JVM (started by {@link S3ProxyProcess}). */
  private static ProcessHandle s3proxyProcess() {
    return ProcessHandle.current()
        .children()
        .filter(
            p -> p.info().commandLine().map(c -> c.contains("org.gaul.s3proxy.Main")).orElse(false))
        .findFirst()
        .orElseThrow(() -> new IllegalStateException("no s3proxy child process found"));
  }

  /**
   * CPU time used so far by this JVM (simulator, broker, baseline client), s3proxy and the
   * archiver's JVM (zero when absent).
   */
  private record Cpu(Duration bench, Duration s3proxy, Duration archiver) {
    static final Cpu ZERO = new Cpu(Duration.ZERO, Duration.ZERO, Duration.ZERO);

    static Cpu now(ProcessHandle s3proxy, ProcessHandle archiver) {
      return new Cpu(
          cpuOf(ProcessHandle.current()),
          cpuOf(s3proxy),
          archiver == null ? Duration.ZERO : cpuOf(archiver));
    }

    private static Duration cpuOf(ProcessHandle p) {
      return p.info().totalCpuDuration().orElse(Duration.ZERO);
    }

    Cpu plus(Cpu other) {
      return new Cpu(
          bench.plus(other.bench), s3proxy.plus(other.s3proxy), archiver.plus(other.archiver));
    }

    Cpu minus(Cpu before) {
      return new Cpu(
          bench.minus(before.bench),
          s3proxy.minus(before.s3proxy),
          archiver.minus(before.archiver));
    }

    double total() {
      return (bench.toMillis() + s3proxy.toMillis() + archiver.toMillis()) / 1000.0;
    }

    String format() {
      return String.format(
          "%.1f = %.1f / %.1f / %.1f",
          total(),
          bench.toMillis() / 1000.0,
          s3proxy.toMillis() / 1000.0,
          archiver.toMillis() / 1000.0);
    }
  }

  private static String awaitDone(ChildJvm child, Path log, long count, long deadlineNanos)
      throws IOException, InterruptedException {
    String stats = lastStats(log);
    while (done(stats) < count) {
      if (System.nanoTime() > deadlineNanos || !child.isAlive()) {
        throw new IllegalStateException("the archiver did not finish (" + stats + "); see " + log);
      }
      TimeUnit.MILLISECONDS.sleep(20);
      stats = lastStats(log);
    }
    return stats;
  }

  /** This JVM's total compilation time so far (simulator, broker and the baseline's client). */
  private static long jitMillis() {
    return ManagementFactory.getCompilationMXBean().getTotalCompilationTime();
  }

  /** How far the child's counter {@code name} moved from {@code before} to {@code after}. */
  private static long counter(String after, String before, String name) {
    return Long.parseLong(field(after, name)) - Long.parseLong(field(before, name));
  }

  private static long done(String stats) {
    return Long.parseLong(field(stats, "archived")) + Long.parseLong(field(stats, "failed"));
  }

  /**
   * The child's last complete statistics line. Reads only the end of the log: the bench polls it
   * every 20 ms during the archiver's rounds, and its own CPU counts against the archiver.
   */
  private static String lastStats(Path log) throws IOException {
    String none =
        ArchiverBenchChild.PREFIX
            + " running=false archived=0 failed=0 gcCount=0 gcMillis=0 jitMillis=0";
    if (!Files.exists(log)) {
      return none;
    }
    byte[] tail;
    boolean fromStart;
    try (SeekableByteChannel channel = Files.newByteChannel(log)) {
      long size = channel.size();
      long from = Math.max(0, size - STATS_TAIL_BYTES);
      fromStart = from == 0;
      channel.position(from);
      ByteBuffer buffer = ByteBuffer.allocate((int) (size - from));
      while (buffer.hasRemaining() && channel.read(buffer) > 0) {
        // read the tail
      }
      tail = Arrays.copyOf(buffer.array(), buffer.position());
    }
    String text = new String(tail, StandardCharsets.UTF_8);
    int end = text.lastIndexOf('\n');
    if (end < 0) {
      return none;
    }
    String[] lines = text.substring(0, end).split("\n");
    // A tail not read from the start begins inside a line: skip that partial first line.
    for (int i = lines.length - 1; i >= (fromStart ? 0 : 1); i--) {
      if (lines[i].startsWith(ArchiverBenchChild.PREFIX)) {
        return lines[i];
      }
    }
    return none;
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
