package io.wanpipeline.infra.bench;

import io.wanpipeline.events.Charge;
import io.wanpipeline.events.TaskState;
import io.wanpipeline.events.VideoRequest;
import io.wanpipeline.infra.cli.WanPipelineCli;
import io.wanpipeline.infra.local.LocalStack;
import io.wanpipeline.infra.simulator.RunningTimes;
import io.wanpipeline.infra.simulator.SimulatorConfig;
import io.wanpipeline.infra.simulator.SimulatorLedger;
import io.wanpipeline.infra.simulator.WanSimulator;
import io.wanpipeline.runtime.config.Settings;
import io.wanpipeline.wan.account.ProviderAccounts;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * Benchmark (f), the whole pipeline at the provider's limit: the five services of the local stack
 * against the simulator enforcing the provider's per-model caps, submit rates and the 20 queries/s
 * account quota, with task running times drawn around per-class means ({@link RunningTimes}). The
 * batch tool hands the pipeline a backlog larger than every lane can drain in the run; LIVE
 * requests arrive while it waits. Reports, per lane and overall, how busy the provider's slots were
 * kept and how quickly ends were seen, archived and followed by the next task.
 */
final class PipelineBench {
  private static final List<String> ACCOUNTS = List.of("bench-a", "bench-b");
  private static final List<String> MODELS = List.of("wan2.6-t2v", "wan2.2-i2v-flash");
  private static final int LIVE_PER_LANE = 6;
  private static final Duration GRACE = Duration.ofSeconds(90);

  /**
   * How to run it.
   *
   * @param length how long the lanes are kept busy and measured
   * @param shortestMean the least class mean running time
   * @param longestMean the greatest
   * @param minVideoBytes the smallest video
   * @param maxVideoBytes the largest
   * @param seed seed of the workload and the simulator
   * @param settings service settings of this run, over the stack's own
   */
  record Options(
      Duration length,
      Duration shortestMean,
      Duration longestMean,
      long minVideoBytes,
      long maxVideoBytes,
      long seed,
      Map<String, String> settings) {
    Options {
      settings = Map.copyOf(settings);
    }

    /** How the simulator draws the tasks' running times. */
    RunningTimes runningTimes() {
      return RunningTimes.around(shortestMean, longestMean);
    }
  }

  private final BenchStack stack;
  private final Options options;
  private final PrintStream progress;

  PipelineBench(BenchStack stack, Options options, PrintStream progress) {
    this.stack = stack;
    this.options = options;
    this.progress = progress;
  }

  List<Table> run() throws Exception {
    Map<String, String> keys = new LinkedHashMap<>();
    SimulatorConfig.Builder config =
        SimulatorConfig.builder()
            .seed(options.seed())
            .enforceRateLimits(true)
            .queryQpsPerAccount(QuotaBench.QUERY_RATE)
            .runningTimes(options.runningTimes())
            .httpsLinks(true);
    for (String account : ACCOUNTS) {
      String secret = "sk-bench-" + account;
      keys.put(account, secret);
      config.apiKey(secret, account);
    }
    Path dir = stack.scratch("pipeline-" + System.nanoTime());
    try (WanSimulator sim = WanSimulator.start(config.build())) {
      Map<String, String> provider = new HashMap<>();
      provider.put("provider.accounts", String.join(",", ACCOUNTS));
      keys.forEach(
          (account, secret) -> {
            provider.put("provider." + account + ".base-url", sim.baseUrl());
            provider.put("provider." + account + ".api-key", secret);
          });
      String prefix = "bench-pipeline-" + dir.getFileName() + ".";
      LocalStack.Options stackOptions =
          new LocalStack.Options(
              dir,
              stack.bootstrap(),
              null,
              LocalStack.S3_ACCESS_KEY,
              LocalStack.S3_SECRET_KEY,
              prefix,
              BenchStack.PARTITIONS,
              SimulatorConfig.defaults(),
              Settings.of(provider),
              overrides(sim),
              Clock.systemUTC());
      progress.println("  (f) starting the five services on the local stack ...");
      try (LocalStack pipeline = LocalStack.start(stackOptions);
          PipelineWatch watch = new PipelineWatch(pipeline.bootstrapServers(), pipeline.topics())) {
        return measure(sim, pipeline, watch, provider, dir);
      }
    }
  }

  /** The simulator's link settings and the run's own settings, which win. */
  private Map<String, String> overrides(WanSimulator sim) {
    Map<String, String> overrides = new HashMap<>(sim.archiverLinkSettings());
    overrides.putAll(options.settings());
    return overrides;
  }

  private List<Table> measure(
      WanSimulator sim,
      LocalStack pipeline,
      PipelineWatch watch,
      Map<String, String> provider,
      Path dir)
      throws Exception {
    ProviderAccounts accounts =
        ProviderAccounts.parse(pipeline.settings()::find, k -> Optional.of("not-read"));
    List<PipelineWorkload.Lane> lanes = new ArrayList<>();
    for (String account : ACCOUNTS) {
      for (String model : MODELS) {
        int slots = accounts.resolve(account).orElseThrow().limits().maxInProgress(model);
        lanes.add(new PipelineWorkload.Lane(account, model, slots));
      }
    }
    PipelineWorkload workload =
        new PipelineWorkload(
            lanes, options.minVideoBytes(), options.maxVideoBytes(), options.seed());
    List<PipelineWorkload.Planned> backlog =
        workload.backlog(options.length(), options.shortestMean(), 1.3);
    List<PipelineWorkload.Arrival> live =
        workload.liveArrivals(
            LIVE_PER_LANE,
            options.length().dividedBy(10),
            options.length().multipliedBy(7).dividedBy(10));

    Instant start = Instant.now();
    String batchId = "bench-" + start.getEpochSecond();
    submitBacklog(pipeline, provider, dir, backlog, batchId);
    Map<String, Instant> produced = produceLive(pipeline, live, start, sim.ledger());
    Instant runEnd = start.plus(options.length());
    waitReporting(sim.ledger(), pipeline, runEnd);
    progress.println("  (f) run over; waiting for the last ends to be announced and archived ...");
    waitForArchives(sim.ledger(), watch, runEnd);
    watch.close();

    List<LaneFigures> figures = new ArrayList<>();
    PredictableTasks predictable =
        new PredictableTasks(sim.ledger().tasks(), options.runningTimes(), options.seed());
    for (PipelineWorkload.Lane lane : lanes) {
      Map<String, Instant> liveOfLane = new HashMap<>();
      for (PipelineWorkload.Arrival a : live) {
        Instant at = produced.get(a.request().getRequestId());
        if (a.lane().equals(lane) && at != null) {
          liveOfLane.put(a.request().getRequestId(), at);
        }
      }
      figures.add(new LaneFigures(lane, sim.ledger(), watch, predictable, liveOfLane, runEnd));
    }
    return PipelineTables.of(figures, sim.ledger(), watch, options, backlog.size(), live.size());
  }

  /** Hands the backlog to the batch tool, as a backfill job would. */
  private void submitBacklog(
      LocalStack pipeline,
      Map<String, String> provider,
      Path dir,
      List<PipelineWorkload.Planned> backlog,
      String batchId)
      throws IOException {
    Path file = dir.resolve("backlog.jsonl");
    Files.write(file, PipelineWorkload.batchLines(backlog), StandardCharsets.UTF_8);
    Path config = dir.resolve("batch.properties");
    List<String> lines = new ArrayList<>();
    for (String key :
        List.of(
            "kafka.bootstrap.servers",
            "schema-registry.url",
            "topics.prefix",
            "topics.partitions",
            "topics.replication-factor")) {
      lines.add(key + "=" + pipeline.settings().find(key).orElseThrow());
    }
    provider.forEach(
        (k, v) -> {
          if (!k.endsWith(".api-key")) {
            lines.add(k + "=" + v);
          }
        });
    Files.write(config, lines, StandardCharsets.UTF_8);
    progress.printf(
        "  (f) batch submit: %d BATCH requests over %d lanes%n",
        backlog.size(), backlog.stream().map(PipelineWorkload.Planned::lane).distinct().count());
    int exit =
        WanPipelineCli.commandLine()
            .execute(
                "batch",
                "submit",
                file.toString(),
                "--config",
                config.toString(),
                "--batch-id",
                batchId,
                "--account",
                PipelineWorkload.CALLER,
                "--rate",
                "1000",
                "--yes",
                "--no-wait",
                "--status-url",
                pipeline.services().status().httpUrl().toString());
    if (exit != 0) {
      throw new IllegalStateException("batch submit exited " + exit);
    }
  }

  /** Produces each LIVE request at its moment; returns when each was produced, by request_id. */
  private Map<String, Instant> produceLive(
      LocalStack pipeline,
      List<PipelineWorkload.Arrival> live,
      Instant start,
      SimulatorLedger ledger)
      throws InterruptedException {
    Map<String, Object> props = new HashMap<>();
    props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, pipeline.bootstrapServers());
    props.put(ProducerConfig.ACKS_CONFIG, "all");
    props.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
    Map<String, Instant> produced = new HashMap<>();
    var topic = pipeline.topics().videoRequests();
    try (KafkaProducer<String, byte[]> producer =
        new KafkaProducer<>(props, new StringSerializer(), new ByteArraySerializer())) {
      for (PipelineWorkload.Arrival a : live) {
        PacedTasks.sleepUntil(a.due(start));
        VideoRequest r = a.request();
        r.setRequestedAt(Instant.now());
        try {
          producer
              .send(new ProducerRecord<>(topic.name(), r.getRequestId(), topic.valueBytes(r)))
              .get(30, TimeUnit.SECONDS);
          produced.put(r.getRequestId(), Instant.now());
        } catch (java.util.concurrent.ExecutionException
            | java.util.concurrent.TimeoutException e) {
          progress.println("  (f) a LIVE request was not produced: " + e.getMessage());
        }
        report(ledger);
      }
    }
    return produced;
  }

  private Instant lastReport = Instant.MIN;

  private void report(SimulatorLedger ledger) {
    Instant now = Instant.now();
    if (now.isBefore(lastReport.plusSeconds(30))) {
      return;
    }
    lastReport = now;
    long created = 0;
    long ended = 0;
    for (SimulatorLedger.TaskRecord t : ledger.tasks()) {
      created++;
      if (t.ended() != null) {
        ended++;
      }
    }
    progress.printf("  (f) %s: %d tasks created, %d ended%n", now, created, ended);
  }

  private void waitReporting(SimulatorLedger ledger, LocalStack pipeline, Instant until)
      throws InterruptedException {
    while (Instant.now().isBefore(until)) {
      var failed = pipeline.failure().toCompletableFuture().getNow(null);
      if (failed != null) {
        throw new IllegalStateException("the pipeline stopped working: " + failed);
      }
      report(ledger);
      TimeUnit.MILLISECONDS.sleep(Math.min(1000, Math.max(1, until.toEpochMilli() - now())));
    }
  }

  private static long now() {
    return System.currentTimeMillis();
  }

  /**
   * Waits, at most {@link #GRACE}, until every task that succeeded by {@code runEnd} has been
   * announced ARCHIVED (or ARCHIVE_FAILED) and charged.
   */
  private void waitForArchives(SimulatorLedger ledger, PipelineWatch watch, Instant runEnd)
      throws InterruptedException {
    Instant deadline = Instant.now().plus(GRACE);
    while (Instant.now().isBefore(deadline)) {
      Map<String, List<Charge>> charges = watch.charges();
      boolean all = true;
      for (SimulatorLedger.TaskRecord t : ledger.tasks()) {
        String id = t.pipelineRequestId();
        if ("SUCCEEDED".equals(t.state()) && !t.ended().isAfter(runEnd) && id != null) {
          boolean archived =
              watch.first(id, TaskState.ARCHIVED) != null
                  || watch.first(id, TaskState.ARCHIVE_FAILED) != null;
          if (!archived || !charges.containsKey(id)) {
            all = false;
            break;
          }
        }
      }
      if (all) {
        return;
      }
      TimeUnit.MILLISECONDS.sleep(500);
    }
  }
}
