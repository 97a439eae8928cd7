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
import io.wanpipeline.schemas.config.Settings;
import io.wanpipeline.wan.ApiKey;
import io.wanpipeline.wan.ProviderStatus;
import io.wanpipeline.wan.QueryOutcome;
import io.wanpipeline.wan.TaskSnapshot;
import io.wanpipeline.wan.dashscope.DashScopeClient;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
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
 * hashing, checksum object or Kafka. Both handle one untimed round of videos first. Reports MB/s of
 * both, their ratio, the CPU time every process used in each timed window, and the archiver's peak
 * heap.
 */
final class ArchiverBench {
  private static final String ACCOUNT = "bench";
  private static final String SECRET = "sk-bench-archiver";
  private static final String S3_KEY = "bench-access";
  private static final String S3_SECRET = "bench-secret-key";
  private static final String BUCKET = "bench-videos";
  private static final int WORKERS = 4;

  /**
   * Untimed videos each path handles first, all at once: one round of {@link #WORKERS}, so
   * connections, TLS sessions and the JIT are warm on every concurrent path before the clock
   * starts.
   */
  private static final int WARMUP = WORKERS;

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
      settings.put("archiver.group-id", "bench-archiver");
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
          "  (d) creating %d tasks of %s%n", 2 * (WARMUP + videos), Table.mib(videoBytes));
      List<Workload.Task> baselineTasks = create(client, key, "base", WARMUP + videos);
      List<Workload.Task> archiveTasks = create(client, key, "arch", WARMUP + videos);
      List<Observed> baselineDone = awaitSucceeded(client, key, baselineTasks);
      List<Observed> archiveDone = awaitSucceeded(client, key, archiveTasks);

      ArchiverConfig config = ArchiverConfig.from(Settings.of(settings, secrets));
      progress.println("  (d) baseline: streaming the links into S3");
      ProcessHandle s3proxyProcess = s3proxyProcess();
      Cpu[] baselineCpu = new Cpu[2];
      double baselineSeconds =
          baseline(
              config,
              baselineDone.stream().map(Observed::snapshot).toList(),
              trustPassword,
              sim,
              () -> baselineCpu[0] = Cpu.now(s3proxyProcess, null),
              () -> baselineCpu[1] = Cpu.now(s3proxyProcess, null));
      double baselineRate = videos * videoBytes / baselineSeconds / 1e6;
      Cpu baselineUsed = baselineCpu[1].minus(baselineCpu[0]);
      double baselinePerCpu = videos * videoBytes / 1e6 / baselineUsed.total();
      table.row(
          "baseline (GET -> PUT)",
          Table.mib(videos * (double) videoBytes),
          String.format("%.1f s", baselineSeconds),
          String.format("%.1f", baselineRate),
          "100%",
          baselineUsed.format(),
          String.format("%.1f (100%%)", baselinePerCpu),
          "-");

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
                  List.of("-Xmx256m", "-XX:ActiveProcessorCount=2"),
                  ArchiverBenchChild.class.getName(),
                  List.of(file.toString()),
                  dir,
                  log,
                  secrets))) {
        child.awaitReady(
            Duration.ofMinutes(2), () -> field(lastStats(log), "running").equals("true"));
        // One round of videos first, so the consumer group has formed and the clients are warm.
        for (int i = 0; i < WARMUP; i++) {
          producer.send(succeeded(archiveTasks.get(i), archiveDone.get(i)));
        }
        producer.flush();
        awaitDone(child, log, WARMUP, System.nanoTime() + timeout.toNanos());
        ProcessHandle archiverProcess = ProcessHandle.of(child.pid()).orElseThrow();
        Cpu cpuBefore = Cpu.now(s3proxyProcess, archiverProcess);
        long start = System.nanoTime();
        long startMillis = System.currentTimeMillis();
        for (int i = WARMUP; i < archiveDone.size(); i++) {
          producer.send(succeeded(archiveTasks.get(i), archiveDone.get(i)));
        }
        producer.flush();
        String stats = awaitDone(child, log, WARMUP + videos, start + timeout.toNanos());
        Cpu archiverUsed = Cpu.now(s3proxyProcess, archiverProcess).minus(cpuBefore);
        double seconds = (Long.parseLong(field(stats, "millis")) - startMillis) / 1000.0;
        long archived = Long.parseLong(field(stats, "archived")) - WARMUP;
        double rate = archived * videoBytes / seconds / 1e6;
        double perCpu = archived * videoBytes / 1e6 / archiverUsed.total();
        table.row(
            "archiver (" + archived + " ARCHIVED, " + field(stats, "failed") + " failed)",
            Table.mib(archived * (double) videoBytes),
            String.format("%.1f s", seconds),
            String.format("%.1f", rate),
            Table.percent(rate / baselineRate),
            archiverUsed.format(),
            String.format("%.1f (%s)", perCpu, Table.percent(perCpu / baselinePerCpu)),
            Table.mib(Long.parseLong(field(stats, "heapPeak"))));
        progress.printf(
            "  (d) baseline %.1f MB/s, archiver %.1f MB/s (%s)%n",
            baselineRate, rate, Table.percent(rate / baselineRate));
      }
    }
    table.note(
        "archiver: the real service in a child JVM (-Xmx256m -XX:ActiveProcessorCount=2),"
            + " archiver.workers="
            + WORKERS
            + "; after "
            + WARMUP
            + " warm-up videos at once, time from the first SUCCEEDED event sent to the last"
            + " ARCHIVED committed (the"
            + " child reports its counts every 100 ms); it queries the task for a fresh link,"
            + " downloads over https, hashes (SHA-256), uploads multipart and writes the hash to"
            + " the checksum object <key>.sha256; each SUCCEEDED event carries the time of the"
            + " query that saw the task end (long past), as the poller's would");
    table.note(
        "baseline: in the benchmark JVM, the same links fetched with a Jetty client (same trust"
            + " store) and streamed into the same s3proxy by an S3 client built from the same"
            + " settings (S3Clients), "
            + WORKERS
            + " at a time after the same warm-up; no hashing, no checksum object, no Kafka");
    table.note(
        "peak heap: highest heap in use sampled every 100 ms (garbage included); target ratio"
            + " >= 80%; MB = 10^6 bytes");
    table.note(
        "CPU: CPU time each process used over the timed window (ProcessHandle totalCpuDuration),"
            + " summed; the bench JVM runs the simulator and the broker for both rows and the"
            + " baseline's client; MB per CPU s compares work per CPU, which moves less than wall"
            + " time when other work shares the cores");
    return table;
  }

  private List<Workload.Task> create(DashScopeClient client, ApiKey key, String tag, int n) {
    List<Workload.Task> tasks = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      Workload.Task task = null;
      while (task == null) {
        task =
            Workload.create(
                client,
                ACCOUNT,
                key,
                Workload.MODELS.get(i % Workload.MODELS.size()),
                "[sim:video-bytes=" + videoBytes + "] bench " + tag + " " + i,
                "bench-" + tag + "-" + i,
                Instant.now());
      }
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

  private double baseline(
      ArchiverConfig config,
      List<TaskSnapshot> tasks,
      String trustPassword,
      WanSimulator sim,
      Runnable onStart,
      Runnable onEnd)
      throws Exception {
    SslContextFactory.Client tls = new SslContextFactory.Client();
    tls.setEndpointIdentificationAlgorithm("HTTPS");
    tls.setTrustStorePath(sim.linkTrustStore().orElseThrow().path().toString());
    tls.setTrustStorePassword(trustPassword);
    tls.setTrustStoreType("PKCS12");
    ClientConnector connector = new ClientConnector();
    connector.setSslContextFactory(tls);
    HttpClient http = new HttpClient(new HttpClientTransportOverHTTP(connector));
    http.setFollowRedirects(false);
    http.getContentDecoderFactories().clear();
    http.start();
    ExecutorService pool = Executors.newFixedThreadPool(WORKERS * 2);
    try (S3AsyncClient s3 = S3Clients.create(config.s3())) {
      s3.createBucket(b -> b.bucket(BUCKET + "-baseline")).join();
      ExecutorService workers = Executors.newFixedThreadPool(WORKERS);
      try {
        // One round first, untimed, as for the archiver: TLS, JIT and connections warm.
        copyAll(http, s3, pool, workers, tasks.subList(0, WARMUP));
        onStart.run();
        long start = System.nanoTime();
        copyAll(http, s3, pool, workers, tasks.subList(WARMUP, tasks.size()));
        double seconds = (System.nanoTime() - start) / 1e9;
        onEnd.run();
        return seconds;
      } finally {
        workers.shutdownNow();
      }
    } finally {
      pool.shutdownNow();
      http.stop();
    }
  }

  private static void copyAll(
      HttpClient http,
      S3AsyncClient s3,
      ExecutorService pool,
      ExecutorService workers,
      List<TaskSnapshot> tasks)
      throws Exception {
    List<Future<?>> work = new ArrayList<>();
    for (TaskSnapshot t : tasks) {
      work.add(
          workers.submit(
              () -> {
                copy(http, s3, pool, t);
                return null;
              }));
    }
    for (Future<?> f : work) {
      f.get();
    }
  }

  private static void copy(HttpClient http, S3AsyncClient s3, ExecutorService pool, TaskSnapshot t)
      throws Exception {
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
    static Cpu now(ProcessHandle s3proxy, ProcessHandle archiver) {
      return new Cpu(
          cpuOf(ProcessHandle.current()),
          cpuOf(s3proxy),
          archiver == null ? Duration.ZERO : cpuOf(archiver));
    }

    private static Duration cpuOf(ProcessHandle p) {
      return p.info().totalCpuDuration().orElse(Duration.ZERO);
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
      TimeUnit.MILLISECONDS.sleep(50);
      stats = lastStats(log);
    }
    return stats;
  }

  private static long done(String stats) {
    return Long.parseLong(field(stats, "archived")) + Long.parseLong(field(stats, "failed"));
  }

  private static String lastStats(Path log) throws IOException {
    if (!Files.exists(log)) {
      return ArchiverBenchChild.PREFIX + " running=false archived=0 failed=0";
    }
    List<String> lines = Files.readAllLines(log, StandardCharsets.UTF_8);
    for (int i = lines.size() - 1; i >= 0; i--) {
      if (lines.get(i).startsWith(ArchiverBenchChild.PREFIX)) {
        return lines.get(i);
      }
    }
    return ArchiverBenchChild.PREFIX + " running=false archived=0 failed=0";
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
