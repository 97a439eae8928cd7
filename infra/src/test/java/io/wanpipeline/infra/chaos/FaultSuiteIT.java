package io.wanpipeline.infra.chaos;

import static org.awaitility.Awaitility.await;

import io.wanpipeline.archiver.ArchiverMain;
import io.wanpipeline.billing.BillingMain;
import io.wanpipeline.billing.price.PriceFile;
import io.wanpipeline.events.TaskState;
import io.wanpipeline.events.VideoRequest;
import io.wanpipeline.infra.kafka.KafkaCluster;
import io.wanpipeline.infra.process.ChildJvm;
import io.wanpipeline.infra.process.FreePort;
import io.wanpipeline.infra.registry.LocalSchemaRegistry;
import io.wanpipeline.infra.s3.S3ProxyProcess;
import io.wanpipeline.infra.simulator.Faults;
import io.wanpipeline.infra.simulator.Route;
import io.wanpipeline.infra.simulator.SimulatorConfig;
import io.wanpipeline.infra.simulator.SimulatorLedger;
import io.wanpipeline.infra.simulator.WanSimulator;
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
import java.util.EnumSet;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartitionInfo;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.assertj.core.api.SoftAssertions;
import org.awaitility.core.ConditionTimeoutException;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * Issue 12's fault suite: one run of the whole pipeline (two submitters, two pollers, an archiver
 * and billing, each a child JVM) on a three-node KRaft cluster (replication factor 3, {@code
 * min.insync.replicas} 2), s3proxy, the schema registry and the Wan simulator behind three provider
 * accounts of three dialects, with overlapping faults on one timeline while a few hundred requests
 * flow:
 *
 * <ul>
 *   <li>a poller and a submitter frozen with SIGSTOP past their session timeout, then resumed: the
 *       zombies are fenced (no second submission, no second terminal event);
 *   <li>S3 down for a minute, the schema registry down for a minute, the provider answering 503 on
 *       every API route for two minutes;
 *   <li>one broker SIGKILLed and restarted, twice (another node the second time, once the first is
 *       back in every ISR).
 * </ul>
 *
 * <p>Then: every request ends exactly once (REJECTED for the invalid ones, SUCCEEDED for every
 * other: nothing fails that should have waited), no request_id created a task twice at the
 * simulator, every success is archived and charged once, billing's totals equal the simulator's
 * ledger priced with the bundled price file to the micro-unit, and the provider keys, the S3 secret
 * and any signed link's query string appear in no child's log, no record of any topic and no MBean
 * of any service: 0 hits.
 *
 * <p>Knobs: {@code -Dfaults.requests} (default 300), {@code -Dfaults.seed}, {@code
 * -Dfaults.timeout-s} (default 420). Each run leaves every log under {@code target/faults/}.
 */
class FaultSuiteIT {
  private static final Logger LOG = LoggerFactory.getLogger(FaultSuiteIT.class);
  private static final int PARTITIONS = 6;
  private static final int CAPACITY = 100;
  private static final double RATE_PER_SECOND = 2.0;
  private static final int INVALID_EVERY = 25;
  private static final int DUPLICATE_EVERY = 30;
  private static final int QUERY_BUDGET = 20;
  private static final Duration SESSION_TIMEOUT = Duration.ofSeconds(6);
  private static final Duration PAUSE = SESSION_TIMEOUT.multipliedBy(3).plusSeconds(4);
  private static final Duration STOP_GRACE = Duration.ofSeconds(20);
  private static final Duration START_TIMEOUT = Duration.ofSeconds(240);

  /** Secrets set to distinctive values so that a leak is found by a byte search. */
  private static final String PROVIDER_KEY_PREFIX = "sk-canary-7e1f0d9c-";

  private static final String S3_SECRET = "s3-canary-secret-4b9a61d2c8f3";
  private static final String S3_ACCESS_KEY = "faults-access";

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
  void endsEveryRequestOnceBillsTheLedgerAndLeaksNoSecretThroughBrokerKillsPausesAndOutages()
      throws Exception {
    int requests = Integer.getInteger("faults.requests", 300);
    long seed = Long.getLong("faults.seed", 20261206L);
    Duration timeout = Duration.ofSeconds(Long.getLong("faults.timeout-s", 420));
    Instant began = clock.instant();
    String runId = Long.toString(began.toEpochMilli(), 36);
    Path dir =
        Path.of(System.getProperty("faults.dir", "target/faults"))
            .resolve("run-" + runId)
            .toAbsolutePath();
    Files.createDirectories(dir);
    LOG.info("fault suite run={} dir={} requests={} seed={}", runId, dir, requests, seed);

    S3ProxyProcess.Settings s3Defaults =
        S3ProxyProcess.Settings.of(dir.resolve("s3"), S3_ACCESS_KEY, S3_SECRET);
    // Starts on a loaded machine take minutes, not the defaults' 30 s.
    S3ProxyProcess.Settings s3Settings =
        new S3ProxyProcess.Settings(
            s3Defaults.dataDir(),
            S3_ACCESS_KEY,
            S3_SECRET,
            FreePort.pick(),
            s3Defaults.jvmOptions(),
            START_TIMEOUT,
            s3Defaults.jar());
    KafkaCluster.Settings kafkaDefaults = KafkaCluster.Settings.of(dir.resolve("kafka"));
    KafkaCluster.Settings kafkaSettings =
        new KafkaCluster.Settings(
            kafkaDefaults.dataDir(),
            kafkaDefaults.nodes(),
            kafkaDefaults.jvmOptions(),
            START_TIMEOUT,
            kafkaDefaults.brokerOverrides());
    int registryPort = FreePort.pick();
    AtomicReference<S3ProxyProcess> s3 = new AtomicReference<>();
    AtomicReference<LocalSchemaRegistry> registry = new AtomicReference<>();
    List<ServiceProcess> services = new ArrayList<>();
    try (KafkaCluster kafka = KafkaCluster.start(kafkaSettings);
        WanSimulator sim = WanSimulator.start(simulator(seed));
        FaultTimeline timeline = new FaultTimeline(clock)) {
      String bootstrap = kafka.bootstrapServers();
      s3.set(S3ProxyProcess.start(s3Settings));
      registry.set(new LocalSchemaRegistry(bootstrap, "faults-schemas", registryPort));
      String registryUrl = registry.get().url();
      String bucket = "faults-" + runId;
      try (S3Client s3Client = s3Client(s3.get())) {
        s3Client.createBucket(b -> b.bucket(bucket));
      }
      String prefix = "faults-" + runId + ".";
      TopicNames names = TopicNames.withPrefix(prefix);
      try (Admin admin = Admin.create(Map.of("bootstrap.servers", bootstrap))) {
        TopicProvisioner.ensure(admin, TopicSpec.pipeline(names, PARTITIONS, (short) 3));
      }
      Topics topics = new Topics(names, SchemaRegistryClient.of(registryUrl));
      Map<String, String> common = commonSettings(bootstrap, registryUrl, prefix, sim);
      String group = prefix + "submitter";
      String application = prefix + "poller";
      for (String instance : List.of("a", "b")) {
        services.add(submitter(dir, common, group, instance));
        services.add(poller(dir, common, application, instance));
      }
      services.add(archiver(dir, common, prefix + "archiver", bucket, sim, s3Settings));
      services.add(billing(dir, common, prefix + "billing"));
      ServiceProcess submitterA = find(services, "submitter-a");
      ServiceProcess pollerA = find(services, "poller-a");

      Map<String, String> canaries = new LinkedHashMap<>();
      FaultRequests.ACCOUNTS.forEach(
          a -> canaries.put("provider key " + a.name(), apiKey(a.name())));
      canaries.put("S3 secret", S3_SECRET);
      canaries.put("signed-link OSSAccessKeyId", sim.linkAccessKeyId());
      canaries.put("signed-link Signature=", "Signature=");
      SecretCanary canary = new SecretCanary(canaries);

      Verdict verdict = new Verdict(requests);
      try (StatusTally tally = new StatusTally(bootstrap, topics.taskStatus());
          BillingTally billing = new BillingTally(bootstrap, topics);
          KafkaProducer<byte[], byte[]> producer = producer(bootstrap);
          Workload workload = new Workload(clock, seed, runId, requests, topics, producer)) {
        // Registers the request schema now, so a registry problem fails here, not in the workload.
        topics.videoRequests().valueBytes(new FaultRequests(seed, "warm-up", 0).next(0, began));
        for (ServiceProcess s : services) {
          s.start();
        }
        workload.start(RATE_PER_SECOND);
        await("the first status event: the pipeline is working")
            .atMost(timeout)
            .pollInterval(Duration.ofMillis(500))
            .until(() -> tally.refresh().events() > 0);
        // The pace and the faults start together, once the services work: on a loaded machine
        // their start can take minutes.
        workload.release();
        timeline.start();
        timeline.at(Duration.ofSeconds(8), "SIGSTOP poller-a", pollerA::pause);
        timeline.at(Duration.ofSeconds(8).plus(PAUSE), "SIGCONT poller-a", pollerA::resume);
        timeline.at(Duration.ofSeconds(12), "SIGSTOP submitter-a", submitterA::pause);
        timeline.at(Duration.ofSeconds(12).plus(PAUSE), "SIGCONT submitter-a", submitterA::resume);
        timeline.at(Duration.ofSeconds(20), "S3 down", () -> s3.getAndSet(null).close());
        timeline.at(
            Duration.ofSeconds(80), "S3 up", () -> s3.set(S3ProxyProcess.start(s3Settings)));
        timeline.at(Duration.ofSeconds(30), "kill and restart broker 1", () -> bounce(kafka, 1));
        timeline.at(Duration.ofSeconds(40), "provider 503 on", () -> providerDown(sim, true));
        timeline.at(Duration.ofSeconds(160), "provider 503 off", () -> providerDown(sim, false));
        timeline.at(
            Duration.ofSeconds(90),
            "kill and restart broker 2 (once fully replicated)",
            () -> {
              awaitFullyReplicated(bootstrap);
              bounce(kafka, 2);
            });
        timeline.at(
            Duration.ofSeconds(100), "registry down", () -> registry.getAndSet(null).close());
        timeline.at(
            Duration.ofSeconds(160),
            "registry up",
            () -> registry.set(new LocalSchemaRegistry(bootstrap, "faults-schemas", registryPort)));

        try {
          awaitEnd(timeout, tally, timeline, workload);
          awaitArchivedAndBilled(timeout, tally, billing, verdict.waitProblems);
          // The MBeans of every service while it still runs: Kafka client and Streams metrics,
          // runtime properties and arguments.
          for (ServiceProcess s : services) {
            canary.scanJmx(s.name(), s.pid());
          }
        } finally {
          stopAll(services);
        }
        tally.refresh();
        billing.refresh();
        try (S3Client s3Client = s3Client(s3.get())) {
          verdict.observe(
              workload,
              tally,
              services,
              sim.ledger(),
              timeline,
              new DownstreamCheck(
                  tally,
                  billing,
                  sim.ledger(),
                  workload.callerAccounts(),
                  PriceFile.bundled(),
                  s3Client,
                  bucket,
                  "n/a"));
        }
      } finally {
        services.forEach(ServiceProcess::close);
      }
      canary.scanTopics(bootstrap);
      canary.scanLogs(dir);
      verdict.canary(canary, count(canary, s3Settings.dataDir().resolve("s3proxy.conf")));
      verdict.took(Duration.between(began, clock.instant()));
      LOG.info("fault suite summary run={} (logs in {})\n{}", runId, dir, verdict.table());
      Files.writeString(dir.resolve("summary.txt"), verdict.table(), StandardCharsets.UTF_8);
      Files.write(dir.resolve("simulator-ledger.json"), sim.ledger().toJson());
      verdict.assertAll();
    } finally {
      if (s3.get() != null) {
        s3.get().close();
      }
      if (registry.get() != null) {
        registry.get().close();
      }
    }
  }

  private static int count(SecretCanary canary, Path knownToHoldTheSecret) throws IOException {
    return canary.count(knownToHoldTheSecret);
  }

  // ------------------------------------------------------------------ faults

  private static void bounce(KafkaCluster kafka, int node) throws Exception {
    kafka.kill(node);
    kafka.restart(node);
  }

  /** Every API route of every dialect answers 503 while {@code down}; create calls keep latency. */
  private static void providerDown(WanSimulator sim, boolean down) {
    Faults create =
        Faults.NONE.withDelayBetween(1.0, Duration.ofMillis(100), Duration.ofMillis(300));
    for (Route route : List.of(Route.CREATE, Route.QUERY, Route.LIST, Route.CANCEL)) {
      Faults base = route == Route.CREATE ? create : Faults.NONE;
      sim.setFaults(route, down ? base.withUnavailableRate(1.0) : base);
    }
  }

  /** Waits until every partition of the cluster has all its replicas in sync again. */
  private static void awaitFullyReplicated(String bootstrap) {
    try (Admin admin = Admin.create(Map.of("bootstrap.servers", bootstrap))) {
      await("every partition fully replicated")
          .atMost(Duration.ofSeconds(90))
          .pollInterval(Duration.ofSeconds(1))
          .until(
              () -> {
                Set<String> names = admin.listTopics().names().get();
                Map<String, TopicDescription> all =
                    admin.describeTopics(names).allTopicNames().get();
                return all.values().stream()
                    .flatMap(t -> t.partitions().stream())
                    .allMatch(FaultSuiteIT::inSync);
              });
    }
  }

  private static boolean inSync(TopicPartitionInfo p) {
    return p.isr().size() == p.replicas().size();
  }

  // ------------------------------------------------------------------ set-up

  private static SimulatorConfig simulator(long seed) {
    SimulatorConfig.Builder b =
        SimulatorConfig.builder()
            .seed(seed)
            .pendingTime(Duration.ofSeconds(2))
            .runningTime(Duration.ofSeconds(4))
            .defaultConcurrencyCap(CAPACITY)
            .enforceRateLimits(true)
            .httpsLinks(true)
            .queryQpsPerAccount(QUERY_BUDGET)
            .faults(
                Route.CREATE,
                Faults.NONE.withDelayBetween(1.0, Duration.ofMillis(100), Duration.ofMillis(300)));
    FaultRequests.MODELS.forEach(m -> b.concurrencyCap(m, CAPACITY));
    FaultRequests.ACCOUNTS.forEach(a -> b.apiKey(apiKey(a.name()), a.name()));
    return b.build();
  }

  private static String apiKey(String account) {
    return PROVIDER_KEY_PREFIX + account;
  }

  private static S3Client s3Client(S3ProxyProcess s3) {
    return S3Client.builder()
        .endpointOverride(s3.endpoint())
        .forcePathStyle(true)
        .region(Region.US_EAST_1)
        .credentialsProvider(
            StaticCredentialsProvider.create(AwsBasicCredentials.create(S3_ACCESS_KEY, S3_SECRET)))
        .build();
  }

  private static Map<String, String> commonSettings(
      String bootstrap, String registryUrl, String prefix, WanSimulator sim) {
    Map<String, String> s = new LinkedHashMap<>();
    s.put("kafka.bootstrap.servers", bootstrap);
    s.put("kafka.session.timeout.ms", Long.toString(SESSION_TIMEOUT.toMillis()));
    s.put("kafka.heartbeat.interval.ms", "1500");
    s.put("schema-registry.url", registryUrl);
    s.put("topics.prefix", prefix);
    s.put("topics.partitions", Integer.toString(PARTITIONS));
    s.put("topics.replication-factor", "3");
    s.put(
        "provider.accounts",
        FaultRequests.ACCOUNTS.stream()
            .map(FaultRequests.Account::name)
            .collect(Collectors.joining(",")));
    for (FaultRequests.Account account : FaultRequests.ACCOUNTS) {
      String p = "provider." + account.name() + ".";
      s.put(p + "dialect", account.dialect());
      s.put(p + "base-url", sim.baseUrl());
      s.put(p + "query-rate", Integer.toString(QUERY_BUDGET));
      for (String model : account.models()) {
        s.put(p + "model." + model + ".max-in-progress", Integer.toString(CAPACITY));
      }
    }
    return s;
  }

  private static ServiceProcess submitter(
      Path dir, Map<String, String> common, String group, String instance) throws IOException {
    Map<String, String> s = new LinkedHashMap<>(common);
    s.put("submitter.group-id", group);
    s.put("submitter.instance-id", "submitter-" + instance);
    return service(dir, "submitter-" + instance, SubmitterMain.class.getName(), s, Map.of());
  }

  private static ServiceProcess poller(
      Path dir, Map<String, String> common, String application, String instance)
      throws IOException {
    Map<String, String> s = new LinkedHashMap<>(common);
    s.put("poller.application-id", application);
    s.put("poller.state-dir", dir.resolve("poller-" + instance + "-state").toString());
    return service(dir, "poller-" + instance, PollerMain.class.getName(), s, Map.of());
  }

  private static ServiceProcess archiver(
      Path dir,
      Map<String, String> common,
      String group,
      String bucket,
      WanSimulator sim,
      S3ProxyProcess.Settings s3)
      throws IOException {
    Map<String, String> s = new LinkedHashMap<>(common);
    Map<String, String> secrets = new HashMap<>();
    s.put("archiver.group-id", group);
    s.put("archiver.transactional-id", group + "-a");
    s.put("archiver.bucket", bucket);
    s.put("archiver.shutdown-grace", "5s");
    s.put("s3.endpoint", "http://127.0.0.1:" + s3.port());
    s.put("s3.path-style", "true");
    secrets.put("s3.access-key-id", S3_ACCESS_KEY);
    secrets.put("s3.secret-access-key", S3_SECRET);
    sim.archiverLinkSettings().forEach((k, v) -> (k.endsWith("password") ? secrets : s).put(k, v));
    return service(dir, "archiver-a", ArchiverMain.class.getName(), s, secrets);
  }

  private static ServiceProcess billing(Path dir, Map<String, String> common, String application)
      throws IOException {
    Map<String, String> s = new LinkedHashMap<>(common);
    s.put("billing.application-id", application);
    s.put("billing.state-dir", dir.resolve("billing-a-state").toString());
    return service(dir, "billing-a", BillingMain.class.getName(), s, Map.of());
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
      properties.store(w, "fault suite " + name);
    }
    Map<String, String> env = new HashMap<>();
    for (FaultRequests.Account account : FaultRequests.ACCOUNTS) {
      env.put(Settings.envName("provider." + account.name() + ".api-key"), apiKey(account.name()));
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

  private static ServiceProcess find(List<ServiceProcess> services, String name) {
    return services.stream().filter(s -> s.name().equals(name)).findFirst().orElseThrow();
  }

  private static KafkaProducer<byte[], byte[]> producer(String bootstrap) {
    Map<String, Object> props = new HashMap<>();
    props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    props.put(ProducerConfig.ACKS_CONFIG, "all");
    props.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
    props.put(ProducerConfig.LINGER_MS_CONFIG, 5);
    return new KafkaProducer<>(props, new ByteArraySerializer(), new ByteArraySerializer());
  }

  private static void stopAll(List<ServiceProcess> services) throws InterruptedException {
    for (ServiceProcess s : services) {
      if (s.name().startsWith("submitter")) {
        s.stop(STOP_GRACE);
      }
    }
    for (ServiceProcess s : services) {
      s.stop(STOP_GRACE);
    }
  }

  // ------------------------------------------------------------------ workload

  /**
   * The requests, produced at a steady pace by a scheduled task; a send that fails (the registry
   * down, a broker gone) is retried with the same request at the next tick.
   */
  private static final class Workload implements AutoCloseable {
    private final java.util.concurrent.ScheduledExecutorService scheduler =
        java.util.concurrent.Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, "fault-producer");
              t.setDaemon(true);
              return t;
            });
    private final Clock clock;
    private final int requests;
    private final Topics topics;
    private final KafkaProducer<byte[], byte[]> producer;
    private final FaultRequests made;
    private final List<VideoRequest> sentRequests = new ArrayList<>();
    private final Map<String, Boolean> invalidById = new ConcurrentHashMap<>();
    private final Map<String, String> callerAccounts = new ConcurrentHashMap<>();
    private final java.util.concurrent.atomic.AtomicInteger failedSends =
        new java.util.concurrent.atomic.AtomicInteger();
    private final java.util.concurrent.atomic.AtomicInteger produceErrors =
        new java.util.concurrent.atomic.AtomicInteger();
    private final java.util.concurrent.atomic.AtomicInteger duplicates =
        new java.util.concurrent.atomic.AtomicInteger();
    private volatile int sent;
    private volatile boolean released;
    private VideoRequest unsent;

    Workload(
        Clock clock,
        long seed,
        String runId,
        int requests,
        Topics topics,
        KafkaProducer<byte[], byte[]> producer) {
      this.clock = clock;
      this.requests = requests;
      this.topics = topics;
      this.producer = producer;
      this.made = new FaultRequests(seed, runId, INVALID_EVERY);
    }

    void start(double perSecond) {
      long periodMicros = Math.round(1_000_000 / perSecond);
      scheduler.scheduleAtFixedRate(
          this::tick, 0, periodMicros, java.util.concurrent.TimeUnit.MICROSECONDS);
    }

    /** Lets the workload go on past its first request, which it sends at once. */
    void release() {
      released = true;
    }

    private void tick() {
      int n = sent;
      if (n >= requests || (n > 0 && !released)) {
        return;
      }
      try {
        VideoRequest r = unsent != null ? unsent : made.next(n, clock.instant());
        unsent = r;
        send(r);
        unsent = null;
        sentRequests.add(r);
        invalidById.put(r.getRequestId(), FaultRequests.invalid(r));
        callerAccounts.put(r.getRequestId(), r.getAccountId());
        if (n % DUPLICATE_EVERY == DUPLICATE_EVERY - 1) {
          // The same record again: dedupe must keep it from a second submission.
          send(sentRequests.get(n / 2));
          duplicates.incrementAndGet();
        }
        sent = n + 1;
      } catch (RuntimeException e) {
        produceErrors.incrementAndGet();
        LOG.warn("fault suite produce error request={}: {}", n, e.toString());
      }
    }

    private void send(VideoRequest r) {
      producer.send(
          new ProducerRecord<>(
              topics.videoRequests().name(),
              r.getRequestId().getBytes(StandardCharsets.UTF_8),
              topics.videoRequests().valueBytes(r)),
          (metadata, e) -> {
            if (e != null) {
              failedSends.incrementAndGet();
              LOG.warn(
                  "fault suite produce failed requestId={}: {}", r.getRequestId(), e.toString());
            }
          });
    }

    boolean done() {
      return sent >= requests;
    }

    Set<String> requestIds() {
      return Set.copyOf(invalidById.keySet());
    }

    Set<String> invalidIds() {
      return invalidById.entrySet().stream()
          .filter(Map.Entry::getValue)
          .map(Map.Entry::getKey)
          .collect(Collectors.toSet());
    }

    Map<String, String> callerAccounts() {
      return Map.copyOf(callerAccounts);
    }

    @Override
    public void close() {
      scheduler.shutdownNow();
    }
  }

  // ------------------------------------------------------------------ waiting

  private void awaitEnd(
      Duration timeout, StatusTally tally, FaultTimeline timeline, Workload workload) {
    Instant start = clock.instant();
    Instant[] lastReport = {start};
    try {
      await("every request ends and every fault step has run")
          .atMost(timeout)
          .pollInterval(Duration.ofSeconds(2))
          .until(
              () -> {
                Set<String> ids = workload.requestIds();
                long ended = tally.refresh().ended(ids);
                Instant now = clock.instant();
                if (Duration.between(lastReport[0], now).compareTo(Duration.ofSeconds(15)) >= 0) {
                  lastReport[0] = now;
                  LOG.info(
                      "fault suite progress atS={} produced={} ended={} events={} steps={}",
                      Duration.between(start, now).toSeconds(),
                      ids.size(),
                      ended,
                      tally.events(),
                      timeline.done().size());
                }
                return workload.done() && ended == ids.size() && timeline.finished();
              });
    } catch (ConditionTimeoutException e) {
      Set<String> ids = workload.requestIds();
      throw new AssertionError(
          "after "
              + timeout
              + ": produced "
              + ids.size()
              + " (produce errors "
              + workload.produceErrors.get()
              + "); without a terminal state: "
              + tally.refresh().notEnded(ids).stream().limit(20).toList()
              + "; fault steps done "
              + timeline.done()
              + "; problems "
              + timeline.problems(),
          e);
    }
  }

  private void awaitArchivedAndBilled(
      Duration timeout, StatusTally tally, BillingTally billing, List<String> problems) {
    try {
      await("every success archived and billed")
          .atMost(timeout)
          .pollInterval(Duration.ofSeconds(1))
          .until(
              () -> {
                Set<String> ok = tally.refresh().succeeded();
                return tally.archivedOrFailed() == ok.size()
                    && billing.refresh().charges().keySet().containsAll(ok)
                    && billing.countedTasks() >= ok.size();
              });
    } catch (ConditionTimeoutException e) {
      problems.add("archives and billing not done after " + timeout + ": " + e.getMessage());
    }
  }

  // ------------------------------------------------------------------ verdict

  /** What the run produced and observed; prints the summary and asserts the guarantees. */
  private static final class Verdict {
    private static final Set<TaskState> FAILURES =
        EnumSet.of(TaskState.FAILED, TaskState.CANCELED, TaskState.TIMED_OUT, TaskState.UNKNOWN);

    private final int requested;
    private final List<String> waitProblems = new ArrayList<>();
    private Set<String> requestIds = Set.of();
    private Set<String> invalid = Set.of();
    private int failedSends;
    private int duplicatesSent;
    private Map<TaskState, Integer> terminalStates = Map.of();
    private List<String> notEnded = List.of();
    private Map<String, List<TaskState>> endedMoreThanOnce = Map.of();
    private List<String> unknownRequests = List.of();
    private Map<String, String> wronglyEnded = new TreeMap<>();
    private Map<String, Long> tasksCreatedTwice = Map.of();
    private int createCalls;
    private long createCalls503;
    private long queryCalls503;
    private Map<String, String> pausesAndKills = new TreeMap<>();
    private List<FaultTimeline.Done> steps = List.of();
    private List<String> stepProblems = List.of();
    private DownstreamCheck downstream;
    private SecretCanary canary;
    private int canaryControl;
    private Duration took = Duration.ZERO;

    Verdict(int requested) {
      this.requested = requested;
    }

    void observe(
        Workload workload,
        StatusTally tally,
        List<ServiceProcess> services,
        SimulatorLedger ledger,
        FaultTimeline timeline,
        DownstreamCheck downstream) {
      requestIds = workload.requestIds();
      invalid = workload.invalidIds();
      failedSends = workload.failedSends.get();
      duplicatesSent = workload.duplicates.get();
      terminalStates = tally.byState();
      notEnded = tally.notEnded(requestIds);
      endedMoreThanOnce = tally.endedMoreThanOnce();
      unknownRequests = tally.unknownRequests(requestIds);
      Map<String, List<TaskState>> states = tally.terminalStates();
      for (String id : requestIds) {
        List<TaskState> s = states.getOrDefault(id, List.of());
        TaskState expected = invalid.contains(id) ? TaskState.REJECTED : TaskState.SUCCEEDED;
        if (!s.isEmpty() && (s.get(0) != expected || FAILURES.contains(s.get(0)))) {
          wronglyEnded.put(id, s + " (expected " + expected + ")");
        }
      }
      List<SimulatorLedger.Submission> submissions = ledger.submissions();
      createCalls = submissions.size();
      createCalls503 = submissions.stream().filter(x -> x.httpStatus() == 503).count();
      queryCalls503 = ledger.polls().stream().filter(x -> x.httpStatus() == 503).count();
      // A create call that created a task names it; a request_id must name at most one.
      tasksCreatedTwice =
          submissions.stream()
              .filter(x -> x.pipelineRequestId() != null && x.taskId() != null)
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
      services.forEach(
          s ->
              pausesAndKills.put(
                  s.name(), "pauses " + s.pauses() + ", unexpected exits " + s.unexpectedExits()));
      steps = timeline.done();
      stepProblems = timeline.problems();
      this.downstream = downstream;
    }

    void canary(SecretCanary canary, int control) {
      this.canary = canary;
      this.canaryControl = control;
    }

    void took(Duration took) {
      this.took = took;
    }

    String table() {
      StringBuilder t = new StringBuilder();
      row(t, "wall time", took.toSeconds() + " s");
      row(t, "requests (distinct)", requestIds.size() + " (invalid " + invalid.size() + ")");
      row(t, "duplicates re-sent", duplicatesSent);
      row(t, "failed sends", failedSends);
      row(t, "terminal states", terminalStates);
      row(t, "requests without one", notEnded.size());
      row(t, "requests with several", endedMoreThanOnce.size() + " " + endedMoreThanOnce);
      row(t, "wrongly ended", wronglyEnded.size() + " " + first(wronglyEnded));
      row(t, "create calls", createCalls + " (503: " + createCalls503 + ")");
      row(t, "polls answered 503", queryCalls503);
      row(t, "ids with 2+ tasks", tasksCreatedTwice);
      row(t, "services", pausesAndKills);
      if (downstream != null) {
        downstream.rows((name, value) -> row(t, name, value));
      }
      if (canary != null) {
        row(t, "canary scanned", canary.scanned());
        row(t, "canary hits", canary.hits() + " " + canary.where());
        row(t, "canary control", canaryControl + " hits in s3proxy.conf (must be > 0)");
      }
      t.append("fault steps (s after the first status event):\n");
      steps.forEach(
          d ->
              t.append(
                  String.format(
                      "  planned %5.1f  began %5.1f  ended %5.1f  %s%s%n",
                      d.planned().toMillis() / 1000.0,
                      d.began().toMillis() / 1000.0,
                      d.ended().toMillis() / 1000.0,
                      d.name(),
                      d.error() == null ? "" : "  FAILED " + d.error())));
      waitProblems.forEach(x -> t.append("  ").append(x).append('\n'));
      return t.toString();
    }

    private static Map<String, String> first(Map<String, String> m) {
      return m.entrySet().stream()
          .limit(10)
          .collect(
              Collectors.toMap(Map.Entry::getKey, Map.Entry::getValue, (a, b) -> a, TreeMap::new));
    }

    private static void row(StringBuilder t, String name, Object value) {
      t.append(String.format("%-26s %s%n", name, value));
    }

    void assertAll() {
      SoftAssertions softly = new SoftAssertions();
      softly.assertThat(requestIds).as("requests produced").hasSize(requested);
      softly.assertThat(failedSends).as("requests the test failed to produce").isZero();
      softly.assertThat(stepProblems).as("fault steps that failed").isEmpty();
      softly.assertThat(steps).as("fault steps run").hasSize(12);
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
          .assertThat(wronglyEnded)
          .as(
              "requests that ended otherwise than REJECTED (invalid) or SUCCEEDED (valid): a fault"
                  + " made them fail instead of wait")
          .isEmpty();
      softly
          .assertThat(tasksCreatedTwice)
          .as("request_ids whose create calls made more than one task at the simulator")
          .isEmpty();
      softly
          .assertThat(createCalls503)
          .as("create calls answered 503: the outage was felt")
          .isPositive();
      softly.assertThat(waitProblems).as("waits that timed out").isEmpty();
      downstream.assertInto(softly);
      softly.assertThat(canaryControl).as("canary positive control (s3proxy.conf)").isPositive();
      softly.assertThat(canary.filesScanned()).as("log files scanned").isGreaterThanOrEqualTo(10);
      softly.assertThat(canary.recordsScanned()).as("records scanned").isPositive();
      softly.assertThat(canary.mbeansScanned()).as("MBeans scanned").isPositive();
      softly.assertThat(canary.hits()).as("secret canary hits: %s", canary.where()).isEmpty();
      softly.assertAll();
    }
  }
}
