package io.wanpipeline.infra.chaos;

import static org.awaitility.Awaitility.await;

import io.wanpipeline.archiver.ArchiverMain;
import io.wanpipeline.billing.BillingMain;
import io.wanpipeline.billing.price.PriceFile;
import io.wanpipeline.events.TaskState;
import io.wanpipeline.events.VideoRequest;
import io.wanpipeline.infra.process.ChildJvm;
import io.wanpipeline.infra.registry.LocalSchemaRegistry;
import io.wanpipeline.infra.simulator.Faults;
import io.wanpipeline.infra.simulator.Route;
import io.wanpipeline.infra.simulator.SimulatorConfig;
import io.wanpipeline.infra.simulator.SimulatorLedger;
import io.wanpipeline.infra.simulator.WanSimulator;
import io.wanpipeline.infra.testing.KafkaBroker;
import io.wanpipeline.infra.testing.S3Server;
import io.wanpipeline.poller.PollerMain;
import io.wanpipeline.schemas.config.Settings;
import io.wanpipeline.schemas.registry.SchemaRegistryClient;
import io.wanpipeline.schemas.topics.TopicNames;
import io.wanpipeline.schemas.topics.TopicProvisioner;
import io.wanpipeline.schemas.topics.TopicSpec;
import io.wanpipeline.schemas.topics.Topics;
import io.wanpipeline.submitter.SubmitterMain;
import java.io.IOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.Properties;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.assertj.core.api.SoftAssertions;
import org.awaitility.core.ConditionTimeoutException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * Issues 4 and 5's proof under crashes: two submitter, two poller, two archiver and two billing
 * processes (separate JVMs) over a real broker, s3proxy and the Wan simulator (create calls take
 * 100-400 ms, rate limits enforced, https result links), with at least a thousand requests over
 * five provider accounts and four models, while each service is killed with SIGKILL at random
 * moments and started again. Then the simulator's ledger and the status topic must show: no
 * request_id submitted twice, exactly one terminal state per request, at most one in-doubt ending
 * per submitter kill, no account over its query budget in any one-second window, no task polled
 * under 3 s after its previous poll, and no 429 on a query-type call. And once every success is
 * archived and billed: exactly one ARCHIVED (no ARCHIVE_FAILED) per succeeded request and none for
 * the others, each object in S3 with the bytes the simulator served, no multipart upload left,
 * exactly one charge per succeeded request and none for the others, and billing's totals equal to
 * the simulator's ledger priced with the bundled price file, to the micro-unit ({@link
 * LedgerBill}).
 *
 * <p>Knobs: {@link ChaosParameters} ({@code -Dchaos.requests}, {@code -Dchaos.kills}, {@code
 * -Dchaos.seed}, ...). Each run leaves the children's logs under {@code target/chaos/}.
 */
@ExtendWith({KafkaBroker.class, S3Server.class})
class ChaosIT {
  private static final Logger LOG = LoggerFactory.getLogger(ChaosIT.class);
  private static final int PARTITIONS = 6;
  private static final int CAPACITY = 200;
  private static final Duration MIN_POLL_GAP = Duration.ofSeconds(3);
  private static final Duration STOP_GRACE = Duration.ofSeconds(20);
  private static final List<String> CHILD_JVM_OPTIONS =
      List.of(
          "-Xmx256m",
          "-XX:+UseSerialGC",
          "-XX:TieredStopAtLevel=1",
          "-Djava.awt.headless=true",
          "-Dorg.slf4j.simpleLogger.showDateTime=true",
          "-Dorg.slf4j.simpleLogger.defaultLogLevel=info",
          "-Dorg.slf4j.simpleLogger.log.org.apache.kafka=warn");

  private final Clock clock = Clock.systemUTC();

  @Test
  void submitsAtMostOnceEndsEveryRequestOnceArchivesAndBillsEachSuccessOnceWhileServicesAreKilled(
      KafkaBroker.Info kafka, S3Server.Info s3) throws Exception {
    ChaosParameters p = ChaosParameters.fromSystemProperties();
    Instant began = clock.instant();
    String runId = Long.toString(began.toEpochMilli(), 36);
    Path dir = p.workDir().resolve("run-" + runId).toAbsolutePath();
    Files.createDirectories(dir);
    LOG.info("chaos run={} dir={} parameters={}", runId, dir, p);
    String bootstrap = kafka.bootstrapServers();

    try (WanSimulator sim = WanSimulator.start(simulator(p));
        LocalSchemaRegistry registryServer =
            new LocalSchemaRegistry(bootstrap, kafka.uniqueName("chaos-schemas"), 0);
        S3Client s3Client = s3.newClient()) {
      String bucket = s3.uniqueBucket("chaos");
      // Created here, not by two archivers racing to create it at start.
      s3Client.createBucket(b -> b.bucket(bucket));
      String prefix = kafka.uniqueName("chaos") + ".";
      TopicNames names = TopicNames.withPrefix(prefix);
      try (Admin admin = Admin.create(Map.of("bootstrap.servers", bootstrap))) {
        TopicProvisioner.ensure(admin, TopicSpec.pipeline(names, PARTITIONS, (short) 1));
      }
      Topics topics = new Topics(names, SchemaRegistryClient.of(registryServer.url()));
      Map<String, String> common =
          commonSettings(bootstrap, registryServer.url(), prefix, sim, p.queryBudget());
      String group = kafka.uniqueName("chaos-submitter");
      String application = kafka.uniqueName("chaos-poller");
      String archiverGroup = kafka.uniqueName("chaos-archiver");
      String billingApplication = kafka.uniqueName("chaos-billing");
      List<ServiceProcess> services = new ArrayList<>();
      for (String instance : List.of("a", "b")) {
        services.add(submitter(dir, common, group, instance, p.reconcile()));
        services.add(poller(dir, common, application, instance, p.pollerQueryRate()));
        services.add(
            archiver(dir, common, archiverGroup, instance, bucket, sim, s3, p.archiverQueryRate()));
        services.add(billing(dir, common, billingApplication, instance));
      }

      Run run;
      try (StatusTally tally = new StatusTally(bootstrap, topics.taskStatus());
          BillingTally billing = new BillingTally(bootstrap, topics);
          KafkaProducer<byte[], byte[]> producer = producer(bootstrap);
          ChaosMonkey monkey =
              new ChaosMonkey(services, p.seed(), p.killsPerService(), timing(), clock)) {
        // Registers the request schema now, so a registry problem fails here, not in the workload.
        topics.videoRequests().valueBytes(new ChaosRequests(p.seed(), "warm-up", 0).next(0, began));
        for (ServiceProcess s : services) {
          s.start();
        }
        Workload workload = produce(p, runId, topics, producer);
        List<String> waitProblems = new ArrayList<>();
        String billingLag;
        try {
          awaitFlow(p, tally);
          monkey.start();
          awaitEnd(p, tally, monkey, workload, services);
          awaitArchivedAndBilled(p, tally, billing, waitProblems);
        } finally {
          workload.close();
          monkey.stop();
          billingLag = billingLag(bootstrap, billingApplication, topics.taskStatus().name());
          stopAll(services);
        }
        tally.refresh();
        billing.refresh();
        DownstreamCheck downstream =
            new DownstreamCheck(
                tally,
                billing,
                sim.ledger(),
                workload.callerAccounts(),
                PriceFile.bundled(),
                s3Client,
                bucket,
                billingLag);
        run =
            new Run(
                p,
                workload,
                tally,
                monkey,
                services,
                sim.ledger(),
                downstream,
                waitProblems,
                began,
                clock.instant());
      } finally {
        services.forEach(ServiceProcess::close);
      }
      LOG.info("chaos summary run={} (logs in {})\n{}", runId, dir, run.table());
      Files.writeString(dir.resolve("summary.txt"), run.table(), StandardCharsets.UTF_8);
      // Every call the simulator saw, for reading a failure afterwards.
      Files.write(dir.resolve("simulator-ledger.json"), sim.ledger().toJson());
      run.assertAll();
    }
  }

  // ------------------------------------------------------------------ set-up

  private static SimulatorConfig simulator(ChaosParameters p) {
    SimulatorConfig.Builder b =
        SimulatorConfig.builder()
            .seed(p.seed())
            .pendingTime(p.pendingTime())
            .runningTime(p.runningTime())
            .defaultConcurrencyCap(CAPACITY)
            .enforceRateLimits(true)
            .httpsLinks(true)
            .queryQpsPerAccount(p.queryBudget())
            .faults(
                Route.CREATE,
                Faults.NONE.withDelayBetween(1.0, p.submitLatencyMin(), p.submitLatencyMax()));
    ChaosRequests.MODELS.forEach(m -> b.concurrencyCap(m, CAPACITY));
    ChaosRequests.PROVIDER_ACCOUNTS.forEach(a -> b.apiKey(apiKey(a), a));
    return b.build();
  }

  private static String apiKey(String account) {
    return "sk-chaos-" + account;
  }

  private static Map<String, String> commonSettings(
      String bootstrap, String registryUrl, String prefix, WanSimulator sim, int queryBudget) {
    Map<String, String> s = new LinkedHashMap<>();
    s.put("kafka.bootstrap.servers", bootstrap);
    // A killed member's partitions move after 6 s instead of 45 s.
    s.put("kafka.session.timeout.ms", "6000");
    s.put("kafka.heartbeat.interval.ms", "1500");
    s.put("schema-registry.url", registryUrl);
    s.put("topics.prefix", prefix);
    s.put("topics.partitions", Integer.toString(PARTITIONS));
    s.put("provider.accounts", String.join(",", ChaosRequests.PROVIDER_ACCOUNTS));
    for (String account : ChaosRequests.PROVIDER_ACCOUNTS) {
      s.put("provider." + account + ".base-url", sim.baseUrl());
      s.put("provider." + account + ".query-rate", Integer.toString(queryBudget));
      for (String model : ChaosRequests.MODELS) {
        s.put(
            "provider." + account + ".model." + model + ".max-in-progress",
            Integer.toString(CAPACITY));
      }
    }
    return s;
  }

  private static ServiceProcess submitter(
      Path dir, Map<String, String> common, String group, String instance, String reconcile)
      throws IOException {
    Map<String, String> s = new LinkedHashMap<>(common);
    s.put("submitter.group-id", group);
    s.put("submitter.instance-id", "submitter-" + instance);
    s.put("submitter.reconcile", reconcile);
    return service(dir, "submitter-" + instance, SubmitterMain.class.getName(), s);
  }

  private static ServiceProcess poller(
      Path dir,
      Map<String, String> common,
      String application,
      String instance,
      OptionalDouble rate)
      throws IOException {
    Map<String, String> s = new LinkedHashMap<>(common);
    s.put("poller.application-id", application);
    // Without a cap the pollers share their part of the account's budget (16 of 20), leaving the
    // submitters' reconciliation and the archivers' link queries their reserves (2 each).
    rate.ifPresent(r -> s.put("poller.query-rate", Double.toString(r)));
    // A stable state directory keeps the Streams process id, so a restart fences its zombie.
    s.put("poller.state-dir", dir.resolve("poller-" + instance + "-state").toString());
    return service(dir, "poller-" + instance, PollerMain.class.getName(), s);
  }

  private static ServiceProcess archiver(
      Path dir,
      Map<String, String> common,
      String group,
      String instance,
      String bucket,
      WanSimulator sim,
      S3Server.Info s3,
      OptionalDouble queryRate)
      throws IOException {
    Map<String, String> s = new LinkedHashMap<>(common);
    Map<String, String> secrets = new HashMap<>();
    s.put("archiver.group-id", group);
    // A stable transactional id per instance: a restart fences its killed predecessor and aborts
    // the transaction it left open at once. With the default (a random id per start) that
    // transaction stays open until transaction.timeout.ms (60 s) and holds back every
    // read_committed reader of task-status: pollers, billing and the other archiver.
    s.put("archiver.transactional-id", group + "-" + instance);
    queryRate.ifPresent(r -> s.put("archiver.query-rate", Double.toString(r)));
    s.put("archiver.bucket", bucket);
    s.put("archiver.shutdown-grace", "5s");
    s.put("s3.endpoint", s3.endpoint().toString());
    s.put("s3.path-style", "true");
    secrets.put("s3.access-key-id", s3.accessKey());
    secrets.put("s3.secret-access-key", s3.secretKey());
    // https links on 127.0.0.1 with the simulator's self-signed certificate; the password is a
    // secret, so it goes to the environment.
    sim.archiverLinkSettings().forEach((k, v) -> (k.endsWith("password") ? secrets : s).put(k, v));
    return service(dir, "archiver-" + instance, ArchiverMain.class.getName(), s, secrets);
  }

  private static ServiceProcess billing(
      Path dir, Map<String, String> common, String application, String instance)
      throws IOException {
    Map<String, String> s = new LinkedHashMap<>(common);
    s.put("billing.application-id", application);
    // Exactly-once (billing's only mode) with the bundled price file; a stable state directory
    // keeps the Streams process id across restarts, as for the pollers.
    s.put("billing.state-dir", dir.resolve("billing-" + instance + "-state").toString());
    return service(dir, "billing-" + instance, BillingMain.class.getName(), s, Map.of());
  }

  private static ServiceProcess service(
      Path dir, String name, String mainClass, Map<String, String> settings) throws IOException {
    return service(dir, name, mainClass, settings, Map.of());
  }

  /** A child service: settings in a properties file, API keys and secrets in the environment. */
  private static ServiceProcess service(
      Path dir,
      String name,
      String mainClass,
      Map<String, String> settings,
      Map<String, String> secrets)
      throws IOException {
    Path file = dir.resolve(name + ".properties");
    Properties properties = new Properties();
    properties.putAll(settings);
    try (Writer w = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
      properties.store(w, "chaos test " + name);
    }
    Map<String, String> env = new HashMap<>();
    for (String account : ChaosRequests.PROVIDER_ACCOUNTS) {
      env.put(Settings.envName("provider." + account + ".api-key"), apiKey(account));
    }
    secrets.forEach((k, v) -> env.put(Settings.envName(k), v));
    return new ServiceProcess(
        new ChildJvm.Spec(
            name,
            System.getProperty("java.class.path"),
            CHILD_JVM_OPTIONS,
            mainClass,
            List.of(file.toString()),
            dir,
            dir.resolve(name + ".log"),
            env));
  }

  private static ChaosMonkey.Timing timing() {
    return new ChaosMonkey.Timing(
        Duration.ofSeconds(15),
        Duration.ofSeconds(30),
        Duration.ofSeconds(12),
        Duration.ofSeconds(25),
        Duration.ofMillis(500),
        Duration.ofSeconds(3));
  }

  private static KafkaProducer<byte[], byte[]> producer(String bootstrap) {
    Map<String, Object> props = new HashMap<>();
    props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    props.put(ProducerConfig.ACKS_CONFIG, "all");
    props.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
    props.put(ProducerConfig.LINGER_MS_CONFIG, 5);
    return new KafkaProducer<>(props, new ByteArraySerializer(), new ByteArraySerializer());
  }

  // ------------------------------------------------------------------ workload

  /** The requests being produced at a steady pace by a scheduled task. */
  private static final class Workload implements AutoCloseable {
    private final ScheduledExecutorService scheduler =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, "chaos-producer");
              t.setDaemon(true);
              return t;
            });
    private final Set<String> requestIds = Collections.synchronizedSet(new LinkedHashSet<>());
    private final Map<String, String> callerAccounts =
        new java.util.concurrent.ConcurrentHashMap<>();
    private final AtomicInteger duplicates = new AtomicInteger();
    private final AtomicInteger invalid = new AtomicInteger();
    private final AtomicInteger failedSends = new AtomicInteger();
    private final AtomicInteger produceErrors = new AtomicInteger();
    private final AtomicInteger sent = new AtomicInteger();
    private volatile String lastProduceError = "none";

    Set<String> requestIds() {
      synchronized (requestIds) {
        return Set.copyOf(requestIds);
      }
    }

    /** The account_id of every request produced, by request_id. */
    Map<String, String> callerAccounts() {
      return Map.copyOf(callerAccounts);
    }

    @Override
    public void close() {
      scheduler.shutdownNow();
    }
  }

  private Workload produce(
      ChaosParameters p, String runId, Topics topics, KafkaProducer<byte[], byte[]> producer) {
    Workload w = new Workload();
    ChaosRequests requests = new ChaosRequests(p.seed(), runId, p.invalidEvery());
    Random duplicatePicker = new Random(p.seed() + 1);
    List<VideoRequest> made = new ArrayList<>();
    VideoRequest[] unsent = {null};
    long periodMicros = Math.max(1, Math.round(1_000_000 / p.ratePerSecond()));
    w.scheduler.scheduleAtFixedRate(
        () -> {
          int n = w.sent.get();
          if (n >= p.requests()) {
            return;
          }
          // A failed send is retried with the same request at the next tick; an exception must
          // not escape, or the executor would silently cancel the whole workload.
          try {
            VideoRequest r = unsent[0] != null ? unsent[0] : requests.next(n, clock.instant());
            unsent[0] = r;
            send(topics, producer, r, w);
            unsent[0] = null;
            made.add(r);
            w.callerAccounts.put(r.getRequestId(), r.getAccountId());
            w.requestIds.add(r.getRequestId());
            if ("true".equals(r.getMetadata().get("invalid"))) {
              w.invalid.incrementAndGet();
            }
            if (p.duplicateEvery() > 0 && n % p.duplicateEvery() == p.duplicateEvery() - 1) {
              // The same record content again: dedupe must keep it from a second submission.
              send(topics, producer, made.get(duplicatePicker.nextInt(made.size())), w);
              w.duplicates.incrementAndGet();
            }
            w.sent.incrementAndGet();
          } catch (RuntimeException e) {
            w.produceErrors.incrementAndGet();
            w.lastProduceError = e.toString();
            LOG.warn("chaos produce error request={}", n, e);
          }
        },
        0,
        periodMicros,
        TimeUnit.MICROSECONDS);
    return w;
  }

  private static void send(
      Topics topics, KafkaProducer<byte[], byte[]> producer, VideoRequest r, Workload w) {
    producer.send(
        new ProducerRecord<>(
            topics.videoRequests().name(),
            r.getRequestId().getBytes(StandardCharsets.UTF_8),
            topics.videoRequests().valueBytes(r)),
        (metadata, e) -> {
          if (e != null) {
            w.failedSends.incrementAndGet();
            LOG.warn("chaos produce failed requestId={}: {}", r.getRequestId(), e.toString());
          }
        });
  }

  // ------------------------------------------------------------------ waiting

  private void awaitEnd(
      ChaosParameters p,
      StatusTally tally,
      ChaosMonkey monkey,
      Workload workload,
      List<ServiceProcess> services) {
    Instant start = clock.instant();
    Instant[] lastReport = {start};
    try {
      await("every request ends and every service has been killed " + p.killsPerService() + "x")
          .atMost(p.timeout())
          .pollDelay(Duration.ofSeconds(2))
          .pollInterval(Duration.ofSeconds(2))
          .until(
              () -> {
                Set<String> ids = workload.requestIds();
                long ended = tally.refresh().ended(ids);
                Instant now = clock.instant();
                if (Duration.between(lastReport[0], now).compareTo(Duration.ofSeconds(15)) >= 0) {
                  lastReport[0] = now;
                  LOG.info(
                      "chaos progress atS={} produced={} ended={} events={} kills={}",
                      Duration.between(start, now).toSeconds(),
                      ids.size(),
                      ended,
                      tally.events(),
                      monkey.kills().size());
                }
                return workload.sent.get() >= p.requests()
                    && ended == ids.size()
                    && monkey.finished();
              });
    } catch (ConditionTimeoutException e) {
      Set<String> ids = workload.requestIds();
      List<String> missing = tally.refresh().notEnded(ids);
      throw new AssertionError(
          "after "
              + p.timeout()
              + ": produced "
              + workload.sent.get()
              + " of "
              + p.requests()
              + " requests (produce errors "
              + workload.produceErrors.get()
              + ", last "
              + workload.lastProduceError
              + "); "
              + missing.size()
              + " of "
              + ids.size()
              + " produced requests have no terminal state (first: "
              + missing.stream().limit(10).toList()
              + "); kills "
              + services.stream()
                  .map(s -> s.name() + "=" + s.kills())
                  .collect(Collectors.joining(", "))
              + " of "
              + p.killsPerService()
              + " each; chaos problems "
              + monkey.problems(),
          e);
    }
  }

  /**
   * Waits until every succeeded request has an archive end, and billing has charged every one and
   * counted at least as many tasks in its totals; the assertions then say whether it did so exactly
   * once. A timeout is recorded, not thrown, so that the summary still shows what was missing.
   */
  private void awaitArchivedAndBilled(
      ChaosParameters p, StatusTally tally, BillingTally billing, List<String> problems) {
    Instant start = clock.instant();
    Instant[] lastReport = {start};
    try {
      await("every success archived and billed")
          .atMost(p.timeout())
          .pollInterval(Duration.ofSeconds(1))
          .until(
              () -> {
                Set<String> ok = tally.refresh().succeeded();
                long archived = tally.archivedOrFailed();
                Set<String> charged = billing.refresh().charges().keySet();
                long counted = billing.countedTasks();
                Instant now = clock.instant();
                if (Duration.between(lastReport[0], now).compareTo(Duration.ofSeconds(15)) >= 0) {
                  lastReport[0] = now;
                  LOG.info(
                      "chaos downstream atS={} succeeded={} archiveEnds={} charged={} counted={}",
                      Duration.between(start, now).toSeconds(),
                      ok.size(),
                      archived,
                      charged.size(),
                      counted);
                }
                return archived == ok.size() && charged.containsAll(ok) && counted >= ok.size();
              });
      LOG.info(
          "chaos downstream quiet after {} ms",
          Duration.between(start, clock.instant()).toMillis());
    } catch (ConditionTimeoutException e) {
      problems.add("archives and billing not done after " + p.timeout() + ": " + e.getMessage());
    }
  }

  /** Billing's committed offsets on task-status against the end offsets, for the summary. */
  private static String billingLag(String bootstrap, String application, String topic) {
    try (Admin admin = Admin.create(Map.of("bootstrap.servers", bootstrap))) {
      Map<TopicPartition, OffsetAndMetadata> committed =
          admin.listConsumerGroupOffsets(application).partitionsToOffsetAndMetadata().get();
      Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
      for (int i = 0; i < PARTITIONS; i++) {
        latest.put(new TopicPartition(topic, i), OffsetSpec.latest());
      }
      long lag = 0;
      for (var e : admin.listOffsets(latest).all().get().entrySet()) {
        OffsetAndMetadata c = committed.get(e.getKey());
        lag += e.getValue().offset() - (c == null ? 0 : c.offset());
      }
      return lag + " records (end offsets minus billing's committed offsets, markers included)";
    } catch (Exception e) {
      return "unknown: " + e;
    }
  }

  /**
   * Waits for the first status event, so that the kills land while requests are being submitted and
   * polled rather than while the services are still starting (on a loaded machine that can take a
   * minute).
   */
  private void awaitFlow(ChaosParameters p, StatusTally tally) {
    Instant start = clock.instant();
    await("the first status event: the pipeline is working")
        .atMost(p.timeout())
        .pollInterval(Duration.ofMillis(500))
        .until(() -> tally.refresh().events() > 0);
    LOG.info(
        "chaos starts: the pipeline works after {} ms",
        Duration.between(start, clock.instant()).toMillis());
  }

  private static void stopAll(List<ServiceProcess> services) throws InterruptedException {
    // Submitters first, so nothing new is submitted while the pollers stop.
    for (ServiceProcess s : services) {
      if (s.name().startsWith("submitter")) {
        s.stop(STOP_GRACE);
      }
    }
    for (ServiceProcess s : services) {
      s.stop(STOP_GRACE);
    }
  }

  // ------------------------------------------------------------------ verdict

  /** What one run produced, observed and counted; prints the summary and asserts the proof. */
  private static final class Run {
    private final ChaosParameters p;
    private final Set<String> requestIds;
    private final int duplicates;
    private final int invalid;
    private final int failedSends;
    private final int produceErrors;
    private final Map<TaskState, Integer> terminalStates;
    private final Map<String, List<TaskState>> endedMoreThanOnce;
    private final List<String> notEnded;
    private final List<String> unknownRequests;
    private final int inDoubt;
    private final List<ChaosMonkey.Kill> kills;
    private final List<String> problems;
    private final Map<String, Integer> killsByService = new TreeMap<>();
    private final Map<String, Integer> unexpectedExits = new TreeMap<>();
    private final int submitterKills;
    private final int maxCreateCalls;
    private final Map<String, Long> requestsCreatedTwice;
    private final int maxTasksPerRequest;
    private final long throttledCreates;
    private final Map<String, Integer> maxQueriesPerSecond;
    private final Optional<Duration> minPollGap;
    private final long pollGapsUnderFloor;
    private final long throttledQueries;
    private final int polls;
    private final int lists;
    private final int cancels;
    private final int createCalls;
    private final DownstreamCheck downstream;
    private final List<String> waitProblems;
    private final Duration duration;

    Run(
        ChaosParameters p,
        Workload workload,
        StatusTally tally,
        ChaosMonkey monkey,
        List<ServiceProcess> services,
        SimulatorLedger ledger,
        DownstreamCheck downstream,
        List<String> waitProblems,
        Instant began,
        Instant ended) {
      this.p = p;
      this.downstream = downstream;
      this.waitProblems = List.copyOf(waitProblems);
      this.requestIds = workload.requestIds();
      this.duplicates = workload.duplicates.get();
      this.invalid = workload.invalid.get();
      this.failedSends = workload.failedSends.get();
      this.produceErrors = workload.produceErrors.get();
      this.terminalStates = tally.byState();
      this.endedMoreThanOnce = tally.endedMoreThanOnce();
      this.notEnded = tally.notEnded(requestIds);
      this.unknownRequests = tally.unknownRequests(requestIds);
      this.inDoubt = tally.inDoubtRequests();
      this.kills = monkey.kills();
      this.problems = monkey.problems();
      services.forEach(
          s -> {
            killsByService.put(s.name(), s.kills());
            unexpectedExits.put(s.name(), s.unexpectedExits());
          });
      this.submitterKills =
          killsByService.entrySet().stream()
              .filter(e -> e.getKey().startsWith("submitter"))
              .mapToInt(Map.Entry::getValue)
              .sum();
      List<SimulatorLedger.Submission> submissions = ledger.submissions();
      this.createCalls = submissions.size();
      this.maxCreateCalls = ledger.maxSubmissionsPerRequestId();
      // A create call answered 429 created nothing (the provider did not take the task); every
      // other answer, and every call left unanswered, may have created one.
      this.requestsCreatedTwice =
          submissions.stream()
              .filter(s -> s.pipelineRequestId() != null && s.httpStatus() != 429)
              .collect(
                  Collectors.groupingBy(
                      SimulatorLedger.Submission::pipelineRequestId,
                      TreeMap::new,
                      Collectors.counting()))
              .entrySet()
              .stream()
              .filter(e -> e.getValue() > 1)
              .collect(
                  Collectors.toMap(
                      Map.Entry::getKey, Map.Entry::getValue, (a, b) -> a, TreeMap::new));
      this.maxTasksPerRequest = ledger.maxTasksPerRequestId();
      this.throttledCreates = submissions.stream().filter(s -> s.httpStatus() == 429).count();
      this.maxQueriesPerSecond = ledger.maxPollsPerSecondByAccount();
      this.minPollGap = ledger.minPollGap();
      List<SimulatorLedger.Poll> allPolls = ledger.polls();
      this.polls = allPolls.size();
      this.pollGapsUnderFloor = gapsUnder(allPolls, MIN_POLL_GAP);
      this.lists = ledger.lists().size();
      this.cancels = ledger.cancels().size();
      this.throttledQueries =
          allPolls.stream().filter(x -> x.httpStatus() == 429).count()
              + ledger.lists().stream().filter(x -> x.httpStatus() == 429).count()
              + ledger.cancels().stream().filter(x -> x.httpStatus() == 429).count();
      this.duration = Duration.between(began, ended);
    }

    private static long gapsUnder(List<SimulatorLedger.Poll> polls, Duration floor) {
      Map<String, List<Instant>> byTask = new HashMap<>();
      polls.forEach(x -> byTask.computeIfAbsent(x.taskId(), k -> new ArrayList<>()).add(x.at()));
      long under = 0;
      for (List<Instant> times : byTask.values()) {
        Collections.sort(times);
        for (int i = 1; i < times.size(); i++) {
          if (Duration.between(times.get(i - 1), times.get(i)).compareTo(floor) < 0) {
            under++;
          }
        }
      }
      return under;
    }

    String table() {
      StringBuilder t = new StringBuilder();
      row(t, "seed", p.seed());
      row(t, "duration", duration.toSeconds() + " s");
      row(t, "requests (distinct)", requestIds.size());
      row(t, "  of which invalid", invalid);
      row(t, "duplicates re-sent", duplicates);
      row(t, "failed sends", failedSends + " (retried produce errors: " + produceErrors + ")");
      row(t, "terminal states", terminalStates);
      row(t, "requests without one", notEnded.size());
      row(t, "requests with several", endedMoreThanOnce.size());
      row(t, "kills by service", killsByService);
      row(t, "kills in all", kills.size());
      row(t, "unexpected exits", unexpectedExits);
      row(t, "in-doubt endings", inDoubt + " (submitter kills " + submitterKills + ")");
      row(t, "create calls", createCalls + " (429: " + throttledCreates + ")");
      row(t, "max create calls per id", maxCreateCalls + " (429 excluded: " + maxNon429() + ")");
      row(t, "max tasks per id", maxTasksPerRequest);
      row(t, "polls / lists / cancels", polls + " / " + lists + " / " + cancels);
      row(t, "max query calls per 1 s", maxQueriesPerSecond + " (budget " + p.queryBudget() + ")");
      row(t, "min poll gap", minPollGap.map(d -> d.toMillis() + " ms").orElse("none"));
      row(t, "poll gaps under 3 s", pollGapsUnderFloor);
      row(t, "query calls answered 429", throttledQueries);
      downstream.rows((name, value) -> row(t, name, value));
      t.append("kills (time after the first status event):\n");
      kills.forEach(
          k ->
              t.append(
                  String.format(
                      "  %6.1f s  %-12s #%d pid=%d restart after %d ms%n",
                      k.at().toMillis() / 1000.0,
                      k.service(),
                      k.number(),
                      k.pid(),
                      k.pause().toMillis())));
      if (!problems.isEmpty() || !waitProblems.isEmpty()) {
        t.append("chaos problems:\n");
        problems.forEach(x -> t.append("  ").append(x).append('\n'));
        waitProblems.forEach(x -> t.append("  ").append(x).append('\n'));
      }
      return t.toString();
    }

    private long maxNon429() {
      return requestsCreatedTwice.values().stream().mapToLong(Long::longValue).max().orElse(1);
    }

    private static void row(StringBuilder t, String name, Object value) {
      t.append(String.format("%-26s %s%n", name, value));
    }

    void assertAll() {
      SoftAssertions softly = new SoftAssertions();
      softly
          .assertThat(requestIds)
          .as("requests produced")
          .hasSizeGreaterThanOrEqualTo(p.requests());
      softly.assertThat(failedSends).as("requests the test failed to produce").isZero();
      killsByService.forEach(
          (name, n) ->
              softly
                  .assertThat(n)
                  .as("SIGKILLs of %s", name)
                  .isGreaterThanOrEqualTo(p.killsPerService()));
      softly
          .assertThat(requestsCreatedTwice)
          .as(
              "request_ids whose create call reached the simulator more than once (429 answers"
                  + " excluded); raw maxSubmissionsPerRequestId=%d",
              maxCreateCalls)
          .isEmpty();
      softly.assertThat(maxTasksPerRequest).as("tasks created for one request_id").isLessThan(2);
      softly.assertThat(notEnded).as("requests that never reached a terminal state").isEmpty();
      softly
          .assertThat(endedMoreThanOnce)
          .as("requests that reached more than one terminal state")
          .isEmpty();
      softly
          .assertThat(unknownRequests)
          .as("terminal states of request_ids the test never produced")
          .isEmpty();
      softly
          .assertThat(inDoubt)
          .as("FAILED SUBMIT_IN_DOUBT endings, at most one per submitter kill")
          .isLessThanOrEqualTo(submitterKills);
      maxQueriesPerSecond.forEach(
          (account, max) ->
              softly
                  .assertThat(max)
                  .as(
                      "most query+list+cancel calls of account %s within one second (budget %d)",
                      account, p.queryBudget())
                  .isLessThanOrEqualTo(p.queryBudget()));
      softly
          .assertThat(pollGapsUnderFloor)
          .as(
              "polls of a task under %d s after its previous poll (shortest %s)",
              MIN_POLL_GAP.toSeconds(), minPollGap.map(Duration::toString).orElse("none"))
          .isZero();
      softly
          .assertThat(throttledQueries)
          .as("query, list and cancel calls the simulator's rate limiter answered 429")
          .isZero();
      unexpectedExits.forEach(
          (name, n) ->
              softly
                  .assertThat(n)
                  .as("times %s was found dead without being killed", name)
                  .isZero());
      softly.assertThat(problems).as("chaos problems").isEmpty();
      softly.assertThat(waitProblems).as("waits that timed out").isEmpty();
      downstream.assertInto(softly);
      softly.assertAll();
    }
  }
}
