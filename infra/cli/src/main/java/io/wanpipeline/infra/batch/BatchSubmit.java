package io.wanpipeline.infra.batch;

import io.wanpipeline.billing.estimate.CostEstimator;
import io.wanpipeline.billing.estimate.Estimate;
import io.wanpipeline.billing.estimate.EstimateRequest;
import io.wanpipeline.billing.price.AccountPricing;
import io.wanpipeline.billing.price.ListPriceLookup;
import io.wanpipeline.billing.price.PriceFile;
import io.wanpipeline.events.VideoRequest;
import io.wanpipeline.infra.cli.Money;
import io.wanpipeline.infra.cli.OfflineAccounts;
import io.wanpipeline.runtime.config.KafkaSettings;
import io.wanpipeline.runtime.config.Settings;
import io.wanpipeline.schemas.topics.Topics;
import io.wanpipeline.submitter.RequestChecks;
import io.wanpipeline.wan.account.ProviderAccounts;
import io.wanpipeline.wan.catalogue.ModelCatalogue;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import me.tongfei.progressbar.ProgressBar;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code batch submit FILE}. */
@Command(
    name = "submit",
    description =
        "Check every line of a JSONL file (one video-requests event per line, with a custom_id"
            + " and without request_id), show the cost and the provider-bound time, ask, then"
            + " produce the requests as BATCH with request ids <batch id>.<custom_id>, so that"
            + " running it again never submits a request twice; then follow the batch.")
final class BatchSubmit implements Callable<Integer> {
  @Parameters(index = "0", description = "The batch file (JSONL).")
  Path file;

  @Option(
      names = "--config",
      required = true,
      description =
          "Properties file with kafka.bootstrap.servers, schema-registry.url, topics.prefix"
              + " and provider.accounts (the submitter's settings); WAN_PIPELINE_* variables"
              + " override it.")
  Path config;

  @Option(
      names = "--batch-id",
      description =
          "The batch id (1-64 of [A-Za-z0-9._:-]; default: b- and 16 hex digits of the file's"
              + " SHA-256, the same for the same file).")
  String batchId;

  @Option(names = "--account", description = "account_id of lines that name none.")
  String account;

  @Option(
      names = "--rate",
      defaultValue = "50",
      description = "Requests produced per second at most (default: ${DEFAULT-VALUE}).")
  double rate;

  @Option(
      names = "--task-seconds",
      defaultValue = "120",
      description =
          "How long one task takes at the provider, for the time estimate (default:"
              + " ${DEFAULT-VALUE}).")
  long taskSeconds;

  @Option(names = "--yes", description = "Do not ask: produce at once (for scripts).")
  boolean yes;

  @Option(names = "--dry-run", description = "Check and estimate only; produce nothing.")
  boolean dryRun;

  @Option(names = "--no-wait", description = "Do not follow the batch after producing it.")
  boolean noWait;

  @Option(
      names = "--skip-invalid",
      description =
          "Report the lines that cannot be submitted and produce the others (default: one such"
              + " line stops the batch).")
  boolean skipInvalid;

  @Option(
      names = "--timeout",
      defaultValue = "24h",
      description = "How long to follow the batch (default: ${DEFAULT-VALUE}).")
  Duration timeout;

  @picocli.CommandLine.Mixin StatusViewOption view = new StatusViewOption();

  private final PrintStream out = System.out;
  private final PrintStream err = System.err;
  private final Clock clock = Clock.systemUTC();

  @Override
  public Integer call() throws Exception {
    if (!(rate > 0) || taskSeconds < 1) {
      err.println("batch submit: --rate and --task-seconds must be positive");
      return 2;
    }
    Settings settings;
    ProviderAccounts accounts;
    BatchFile batch;
    try {
      settings = Settings.load(config, System.getenv());
      accounts = OfflineAccounts.of(settings);
      String id = batchId != null ? batchId : BatchFile.defaultBatchId(file);
      batch =
          BatchFile.read(file, id, account, accounts, new RequestChecks(ModelCatalogue.standard()));
    } catch (IOException | RuntimeException e) {
      err.println("batch submit: " + e.getMessage());
      return 2;
    }
    if (!batch.errors().isEmpty()) {
      batch.errors().forEach(e -> err.println(file + ": " + e));
      err.printf(
          Locale.ROOT,
          "batch submit: %d of %d lines cannot be submitted; %s%n",
          batch.errors().size(),
          batch.errors().size() + batch.lines().size(),
          skipInvalid ? "they are left out (--skip-invalid)" : "nothing was produced");
      if (!skipInvalid) {
        return 1;
      }
    }
    if (batch.lines().isEmpty()) {
      err.println("batch submit: " + file + " holds no request");
      return 2;
    }
    printPlan(batch, settings);
    if (dryRun) {
      return 0;
    }
    if (!yes && !confirm(batch)) {
      out.println("nothing was produced");
      return 1;
    }
    KafkaSettings kafka = KafkaSettings.from(settings);
    StatusViewClient client = new StatusViewClient(view.url());
    List<BatchFile.Line> toProduce = notYetSeen(batch, client);
    int unproduced =
        produce(batch, toProduce, new Topics(kafka.topicNames(), kafka.registry().client()), kafka);
    if (unproduced > 0) {
      err.printf(
          Locale.ROOT,
          "batch submit: %d requests were not produced; run the same command again to produce"
              + " them%n",
          unproduced);
      return 1;
    }
    if (noWait) {
      return 0;
    }
    return follow(client, batch.batchId(), batch.lines().size());
  }

  private void printPlan(BatchFile batch, Settings settings) {
    out.printf(
        Locale.ROOT,
        "batch %s: %d requests from %s, request ids %s.<custom_id>%n",
        batch.batchId(),
        batch.lines().size(),
        file,
        batch.batchId());
    List<EstimateRequest> priced = new ArrayList<>();
    for (BatchFile.Line line : batch.lines()) {
      VideoRequest r = line.request();
      priced.add(
          new EstimateRequest(
              r.getRequestId(),
              r.getModel(),
              line.account().name(),
              r.getParameters().getResolution(),
              r.getParameters().getSize(),
              r.getParameters().getDuration(),
              r.getParameters().getAudio(),
              r.getParameters().getMode()));
    }
    CostEstimator estimator =
        new CostEstimator(
            new ListPriceLookup(PriceFile.bundled()),
            AccountPricing.from(settings),
            ModelCatalogue.standard());
    Map<String, Map<String, Long>> byModel = new TreeMap<>();
    Map<String, Integer> counts = new TreeMap<>();
    Map<String, Long> totals = new TreeMap<>();
    int unpriced = 0;
    for (Estimate e : estimator.estimate(priced, null, clock.instant())) {
      counts.merge(e.model(), 1, Integer::sum);
      if (e instanceof Estimate.Priced p) {
        byModel
            .computeIfAbsent(p.model(), m -> new TreeMap<>())
            .merge(p.currency(), p.amountMicros(), Math::addExact);
        totals.merge(p.currency(), p.amountMicros(), Math::addExact);
      } else {
        unpriced++;
      }
    }
    for (Map.Entry<String, Integer> m : counts.entrySet()) {
      List<String> amounts = new ArrayList<>();
      byModel.getOrDefault(m.getKey(), Map.of()).forEach((c, a) -> amounts.add(Money.of(a, c)));
      out.printf(
          Locale.ROOT,
          "  %-28s %6d  %s%n",
          m.getKey(),
          m.getValue(),
          amounts.isEmpty() ? "UNPRICED" : String.join(" + ", amounts));
    }
    List<String> total = new ArrayList<>();
    totals.forEach((c, a) -> total.add(Money.of(a, c)));
    out.printf(
        Locale.ROOT,
        "  estimated cost: %s%s (at most: a duration left out is the model's longest)%n",
        total.isEmpty() ? "nothing priced" : String.join(" + ", total),
        unpriced == 0 ? "" : ", " + unpriced + " request(s) unpriced");
    out.println("  provider-bound time: at least " + providerBoundTime(batch));
  }

  /**
   * The shortest time the provider's caps allow: per lane (provider account, model), its requests
   * run at most {@code max-in-progress} at a time, {@code --task-seconds} each, and are created at
   * most {@code submit-rate} a second; the batch takes its slowest lane's time.
   */
  private String providerBoundTime(BatchFile batch) {
    Map<String, Integer> lanes = new HashMap<>();
    Map<String, BatchFile.Line> example = new HashMap<>();
    for (BatchFile.Line line : batch.lines()) {
      String lane = line.account().name() + "|" + line.request().getModel();
      lanes.merge(lane, 1, Integer::sum);
      example.putIfAbsent(lane, line);
    }
    long longest = 0;
    String slowest = "";
    for (Map.Entry<String, Integer> lane : lanes.entrySet()) {
      BatchFile.Line line = example.get(lane.getKey());
      String model = line.request().getModel();
      int cap = Math.max(1, line.account().limits().maxInProgress(model));
      double submitRate = line.account().limits().submitRate(model);
      int n = lane.getValue();
      long waves = (n + cap - 1) / cap;
      long seconds = Math.max(waves * taskSeconds, (long) Math.ceil(n / submitRate));
      if (seconds > longest) {
        longest = seconds;
        slowest =
            String.format(
                Locale.ROOT,
                "lane %s: %d requests, %d in progress at a time, %d s a task assumed",
                lane.getKey(),
                n,
                cap,
                taskSeconds);
      }
    }
    return Duration.ofSeconds(longest).toString().substring(2).toLowerCase(Locale.ROOT)
        + " ("
        + slowest
        + ")";
  }

  private boolean confirm(BatchFile batch) throws IOException {
    out.printf(Locale.ROOT, "Submit %d requests as BATCH? [y/N] ", batch.lines().size());
    out.flush();
    String answer =
        new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8)).readLine();
    return answer != null && answer.trim().toLowerCase(Locale.ROOT).startsWith("y");
  }

  /**
   * The lines the status view has not seen yet: a batch run again after a crash continues where it
   * stopped. Without the view, every line (the submitter drops the ones it already has).
   */
  private List<BatchFile.Line> notYetSeen(BatchFile batch, StatusViewClient client)
      throws InterruptedException {
    java.util.Set<String> seen;
    try {
      seen = client.seenRequestIds(batch.batchId());
    } catch (IOException e) {
      err.println(
          "batch submit: "
              + e.getMessage()
              + "; producing every line (the submitter drops"
              + " the requests it already has)");
      return batch.lines();
    }
    List<BatchFile.Line> rest =
        batch.lines().stream().filter(l -> !seen.contains(l.request().getRequestId())).toList();
    if (rest.size() < batch.lines().size()) {
      out.printf(
          Locale.ROOT,
          "%d of the batch's requests are already in the pipeline; producing the other %d%n",
          batch.lines().size() - rest.size(),
          rest.size());
    }
    return rest;
  }

  /** Produces {@code lines}; returns how many the broker did not take. */
  private int produce(
      BatchFile batch, List<BatchFile.Line> lines, Topics topics, KafkaSettings kafka)
      throws InterruptedException {
    AtomicInteger failed = new AtomicInteger();
    Map<String, Object> props = kafka.clientConfig();
    props.put(ProducerConfig.ACKS_CONFIG, "all");
    props.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
    long gapNanos = (long) (TimeUnit.SECONDS.toNanos(1) / rate);
    long next = System.nanoTime();
    try (KafkaProducer<byte[], byte[]> producer =
            new KafkaProducer<>(props, new ByteArraySerializer(), new ByteArraySerializer());
        ProgressBar bar = BatchCommand.bar("produce " + batch.batchId(), lines.size())) {
      for (BatchFile.Line line : lines) {
        long wait = next - System.nanoTime();
        if (wait > 0) {
          TimeUnit.NANOSECONDS.sleep(wait);
        }
        next = Math.max(next, System.nanoTime() - gapNanos) + gapNanos;
        VideoRequest request = line.request();
        producer.send(
            new ProducerRecord<>(
                topics.videoRequests().name(),
                topics.videoRequests().keyBytes(request.getRequestId()),
                topics.videoRequests().valueBytes(request)),
            (metadata, e) -> {
              if (e != null) {
                failed.incrementAndGet();
                err.println(
                    "batch submit: line " + line.line() + " was not produced: " + e.getMessage());
              }
            });
        bar.step();
      }
      producer.flush();
    }
    out.printf(
        Locale.ROOT,
        "produced %d requests to %s%n",
        lines.size() - failed.get(),
        topics.videoRequests().name());
    return failed.get();
  }

  /** Follows the batch in the status view until every request has ended or the timeout. */
  private int follow(StatusViewClient view, String batchId, int size) throws InterruptedException {
    Instant until = clock.instant().plus(timeout);
    try (ProgressBar bar = BatchCommand.bar("batch " + batchId, size)) {
      while (true) {
        Map<String, Long> counts;
        try {
          counts = view.batchCounts(batchId);
        } catch (IOException e) {
          bar.setExtraMessage(" status view: " + e.getMessage());
          counts = null;
        }
        if (counts != null) {
          long ended =
              counts.entrySet().stream()
                  .filter(e -> StatusViewClient.TERMINAL.contains(e.getKey()))
                  .mapToLong(Map.Entry::getValue)
                  .sum();
          bar.stepTo(ended);
          bar.setExtraMessage(" " + counts);
          if (ended >= size) {
            break;
          }
        }
        if (clock.instant().isAfter(until)) {
          err.println("batch submit: not every request ended within " + timeout);
          return 1;
        }
        TimeUnit.SECONDS.sleep(2);
      }
    }
    out.println("every request of batch " + batchId + " has ended: batch status " + batchId);
    return 0;
  }
}
