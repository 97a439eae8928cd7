package io.wanpipeline.infra.local;

import io.wanpipeline.infra.kafka.KafkaProcess;
import io.wanpipeline.infra.registry.LocalSchemaRegistry;
import io.wanpipeline.infra.s3.S3ProxyProcess;
import io.wanpipeline.infra.simulator.SimulatorConfig;
import io.wanpipeline.infra.simulator.WanSimulator;
import io.wanpipeline.runtime.config.RegistrySettings;
import io.wanpipeline.runtime.config.Settings;
import io.wanpipeline.schemas.registry.SchemaRegistryClient;
import io.wanpipeline.schemas.topics.TopicNames;
import io.wanpipeline.schemas.topics.TopicProvisioner;
import io.wanpipeline.schemas.topics.TopicSpec;
import io.wanpipeline.schemas.topics.Topics;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The whole pipeline on one machine: a KRaft broker (a child JVM, or an existing cluster), the
 * schema registry, s3proxy on a local folder (or an existing S3 endpoint), the Wan simulator (or a
 * real provider), and the five services in this JVM, wired exactly as their own mains wire them.
 *
 * <p>Over 400 lines: the start of broker, registry, S3, simulator and services, and their stop in
 * reverse, read as one sequence.
 */
public final class LocalStack implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(LocalStack.class);

  /** Access key of the local s3proxy; not a secret, it guards only a folder on this machine. */
  public static final String S3_ACCESS_KEY = "local-access-key";

  /** Secret key of the local s3proxy. */
  public static final String S3_SECRET_KEY = "local-secret-key";

  /** API key the local simulator accepts. */
  public static final String SIMULATOR_API_KEY = "sk-local-simulator";

  /**
   * The longest a stop (SIGTERM, Ctrl-C, {@link #close()}) takes: {@link #SERVICES_STOP_GRACE},
   * then {@link #CHILD_STOP_GRACE} for s3proxy, then {@link #BROKER_STOP_GRACE}, with a margin.
   */
  public static final Duration STOP_BOUND = Duration.ofSeconds(30);

  /** How long the five services get to stop together before the rest of the stack stops anyway. */
  public static final Duration SERVICES_STOP_GRACE = Duration.ofSeconds(12);

  /** How long s3proxy gets after SIGTERM before it is killed. */
  public static final Duration CHILD_STOP_GRACE = Duration.ofSeconds(5);

  /** How long the broker gets after SIGTERM (controlled shutdown) before it is killed. */
  public static final Duration BROKER_STOP_GRACE = Duration.ofSeconds(10);

  /** How often the stack checks that its services and child processes still work. */
  public static final Duration WATCH_INTERVAL = Duration.ofSeconds(1);

  /** The instance id of every service of the stack: the data directory is the instance. */
  static final String INSTANCE_ID = "local";

  private final Deque<Started> started = new ArrayDeque<>();
  private final Settings settings;
  private final Topics topics;
  private final WanSimulator simulator;
  private final PipelineServices services;
  private final List<Child> children = new ArrayList<>();
  private final CompletableFuture<String> failure = new CompletableFuture<>();
  private volatile boolean stopping;

  private LocalStack(Options options) throws IOException, InterruptedException {
    Files.createDirectories(options.dataDir());
    try {
      String bootstrap = options.bootstrapServers();
      if (bootstrap == null) {
        KafkaProcess kafka = KafkaProcess.start(options.dataDir().resolve("kafka"));
        remember("kafka broker", () -> kafka.stop(BROKER_STOP_GRACE));
        children.add(new Child("kafka broker", kafka::isRunning));
        bootstrap = kafka.bootstrapServers();
        log.info("Kafka broker ready at {}", bootstrap);
      }
      // With schema-registry.basic-auth.user-info configured, the registry requires it, as a
      // managed registry does, and every service and client of the stack sends it.
      LocalSchemaRegistry registry =
          remember(
              new LocalSchemaRegistry(
                  bootstrap,
                  options.topicsPrefix() + LocalSchemaRegistry.DEFAULT_TOPIC,
                  "127.0.0.1",
                  0,
                  options.settings().secret(RegistrySettings.BASIC_AUTH).orElse(null)));
      log.info("schema registry ready at {}", registry.url());

      Map<String, String> values = new HashMap<>();
      values.put("kafka.bootstrap.servers", bootstrap);
      values.put("schema-registry.url", registry.url());
      values.put("topics.prefix", options.topicsPrefix());
      values.put("topics.partitions", String.valueOf(options.partitions()));
      values.put("topics.replication-factor", "1");
      Path state = options.dataDir().resolve("state");
      values.put("poller.state-dir", state.resolve("poller").toString());
      values.put("billing.state-dir", state.resolve("billing").toString());
      values.put("status.state-dir", state.resolve("status").toString());
      values.put("archiver.bucket", "wan-videos");
      // Archives in flight get 5 s at a stop (the rest are redone at the next start), so that the
      // services stop within SERVICES_STOP_GRACE.
      values.put("archiver.shutdown-grace", "5s");
      values.put("archiver.create-bucket", "true");

      Settings base = options.settings();
      // The environment wins over the stack's values (docs/configuration.md 7.1), S3 credentials
      // included: the local s3proxy accepts the credentials the archiver will actually use.
      Settings credentials =
          base.with(
              Map.of(
                  "s3.access-key-id", options.s3AccessKey(),
                  "s3.secret-access-key", options.s3SecretKey()));
      if (options.s3Endpoint() == null) {
        S3ProxyProcess s3 =
            S3ProxyProcess.start(
                S3ProxyProcess.Settings.of(
                    options.dataDir().resolve("s3"),
                    credentials.secret("s3.access-key-id").orElse(S3_ACCESS_KEY),
                    credentials.secret("s3.secret-access-key").orElse(S3_SECRET_KEY)));
        remember("s3proxy", () -> s3.stop(CHILD_STOP_GRACE));
        children.add(new Child("s3proxy", s3::isRunning));
        values.put("s3.endpoint", s3.endpoint().toString());
        log.info("s3proxy ready at {}", s3.endpoint());
      } else {
        values.put("s3.endpoint", options.s3Endpoint().toString());
      }
      values.put("s3.path-style", "true");
      values.put("s3.region", "us-east-1");
      values.put("s3.access-key-id", options.s3AccessKey());
      values.put("s3.secret-access-key", options.s3SecretKey());

      // One instance per data directory, with the same id at every start: a stack restarted after
      // a crash takes its consumer groups' partitions back at once (static membership) and fences
      // the transactions its predecessor left open (see docs/configuration.md, "Restarts").
      for (String key :
          List.of(
              "submitter.instance-id",
              "poller.instance-id",
              "archiver.instance-id",
              "billing.instance-id",
              "status.instance-id")) {
        if (base.find(key).isEmpty()) {
          values.put(key, INSTANCE_ID);
        }
      }
      if (base.find("management.port").isEmpty()) {
        // Each service's /healthz, /readyz and /metrics, on loopback, on free ports (printed by
        // the command line, and in PipelineServices#managementPorts()): two stacks on one machine
        // never collide.
        values.put("management.host", "127.0.0.1");
        values.put("management.port", "0");
      }
      if (base.find("billing.http.port").isEmpty()) {
        // The totals and estimate endpoints have no authentication: on the local stack they
        // listen on loopback only, on a free port (see BillingService#httpUrl()).
        values.put("billing.http.host", "127.0.0.1");
        values.put("billing.http.port", "0");
      }
      if (base.find("status.http.port").isEmpty()) {
        // The status view's API has no authentication either: loopback, a free port
        // (StatusService#httpUrl()).
        values.put("status.http.host", "127.0.0.1");
        values.put("status.http.port", "0");
      }
      if (base.find("provider.default.base-url").isEmpty()
          && base.find("provider.accounts").isEmpty()) {
        // Result links are https with the simulator's self-signed certificate, so the archiver
        // runs with its production link policy (https only), allowing just the simulator's host.
        this.simulator =
            remember(WanSimulator.start(options.simulator().toBuilder().httpsLinks(true).build()));
        values.putAll(simulator.archiverLinkSettings());
        values.put("provider.accounts", "default");
        values.put("provider.default.base-url", simulator.baseUrl());
        values.put("provider.default.api-key", SIMULATOR_API_KEY);
        log.info("Wan simulator ready at {}", simulator.baseUrl());
      } else {
        this.simulator = null;
        log.info("using the configured provider accounts instead of the simulator");
      }
      values.putAll(options.overrides());
      // The stack's values replace the --config file's, and WAN_PIPELINE_* variables win over
      // both, in every mode (docs/configuration.md 1.2 and 7.1): a provider key or S3 secret set
      // in the environment is the one the services use.
      this.settings = base.with(values);

      SchemaRegistryClient registryClient = RegistrySettings.from(settings).client();
      this.topics = new Topics(options.topicNames(), registryClient);
      provision(bootstrap, options);
      PipelineServices running = PipelineServices.start(settings, options.clock());
      remember("services", () -> running.stop(SERVICES_STOP_GRACE));
      this.services = running;
      ScheduledExecutorService watch =
          Executors.newSingleThreadScheduledExecutor(
              r -> {
                Thread t = new Thread(r, "local-stack-watch");
                t.setDaemon(true);
                return t;
              });
      remember("watch", watch::shutdownNow);
      watch.scheduleWithFixedDelay(
          this::check, WATCH_INTERVAL.toMillis(), WATCH_INTERVAL.toMillis(), TimeUnit.MILLISECONDS);
    } catch (IOException | InterruptedException | RuntimeException e) {
      close();
      throw e;
    }
  }

  /** Starts everything and returns once every service is running. */
  public static LocalStack start(Options options) throws IOException, InterruptedException {
    return new LocalStack(options);
  }

  /** The settings every service was started with (secrets included: never print them whole). */
  public Settings settings() {
    return settings;
  }

  /** The typed topics of this stack. */
  public Topics topics() {
    return topics;
  }

  /** The simulator, when the stack runs one. */
  public Optional<WanSimulator> simulator() {
    return Optional.ofNullable(simulator);
  }

  /** The running services. */
  public PipelineServices services() {
    return services;
  }

  /**
   * Completes, with what failed, when a service can no longer work ({@link
   * PipelineServices#failure()}) or the broker or s3proxy process has exited without the stack
   * stopping it; the failure is logged at ERROR (once) when found, within {@link #WATCH_INTERVAL}.
   * The stack does not restart anything: {@code wan-pipeline local} then stops the stack and exits
   * with status {@link io.wanpipeline.runtime.service.ServiceRunner#FAILED_STATUS}.
   */
  public CompletionStage<String> failure() {
    return failure.minimalCompletionStage();
  }

  /** Kafka bootstrap servers. */
  public String bootstrapServers() {
    return settings.string("kafka.bootstrap.servers");
  }

  /** Looks for a failed service or an exited child process, and reports the first found. */
  private void check() {
    if (stopping || failure.isDone()) {
      return;
    }
    try {
      Optional<PipelineServices.Failed> failed = services.failure();
      if (failed.isPresent()) {
        report("the " + failed.get().service() + " can no longer work", failed.get().cause());
        return;
      }
      for (Child child : children) {
        if (!child.running().getAsBoolean()) {
          report("the " + child.name() + " process exited", null);
          return;
        }
      }
    } catch (RuntimeException e) {
      log.warn("checking the local stack failed: {}", e.toString());
    }
  }

  private void report(String what, Throwable cause) {
    if (stopping) {
      return;
    }
    if (cause == null) {
      log.error("local stack half-dead: {}; stop the stack and start it again", what);
    } else {
      log.error("local stack half-dead: {}; stop the stack and start it again", what, cause);
    }
    failure.complete(what);
  }

  private static void provision(String bootstrap, Options options) {
    Map<String, Object> props = new HashMap<>();
    props.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    try (Admin admin = Admin.create(props)) {
      TopicProvisioner.ensure(
          admin, TopicSpec.pipeline(options.topicNames(), options.partitions(), (short) 1));
    }
  }

  private <T extends AutoCloseable> T remember(T component) {
    remember(component.getClass().getSimpleName(), component::close);
    return component;
  }

  private void remember(String name, Stop stop) {
    started.push(new Started(name, stop));
  }

  /**
   * Stops, in reverse order of start and within {@link #STOP_BOUND}: the services first (together,
   * within {@link #SERVICES_STOP_GRACE}), then the simulator, s3proxy and the schema registry, then
   * the broker last, so every service commits or aborts its work while the broker still answers.
   */
  @Override
  public synchronized void close() {
    stopping = true;
    if (started.isEmpty()) {
      return;
    }
    long begin = System.nanoTime();
    while (!started.isEmpty()) {
      Started component = started.pop();
      long t = System.nanoTime();
      try {
        component.stop().run();
        log.info(
            "stopped {} tookMs={}",
            component.name(),
            TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        log.warn("interrupted while stopping {}", component.name());
      } catch (Exception e) {
        log.warn("error stopping {}: {}", component.name(), e.toString());
      }
    }
    log.info(
        "local stack stopped tookMs={}", TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - begin));
  }

  /** How to stop one thing the stack started. */
  @FunctionalInterface
  private interface Stop {
    void run() throws Exception;
  }

  private record Started(String name, Stop stop) {}

  /** A child process of the stack, watched for an exit the stack did not ask for. */
  private record Child(String name, BooleanSupplier running) {}

  /**
   * How to start a local stack.
   *
   * @param dataDir where the broker, s3proxy and the Streams state keep their files
   * @param bootstrapServers an existing Kafka cluster, or null to start a broker
   * @param s3Endpoint an existing S3-compatible endpoint, or null to start s3proxy
   * @param s3AccessKey access key for S3
   * @param s3SecretKey secret key for S3
   * @param topicsPrefix prefix of every topic name (empty for the standard names)
   * @param partitions partitions of the keyed topics
   * @param simulator the simulator's configuration, used when no provider is configured
   * @param settings base settings (normally the --config file and the environment); a configured
   *     provider account replaces the simulator, and the environment wins over every value the
   *     stack sets
   * @param overrides settings that win over the stack's own defaults (the environment still wins)
   * @param clock the services' clock
   */
  public record Options(
      Path dataDir,
      String bootstrapServers,
      URI s3Endpoint,
      String s3AccessKey,
      String s3SecretKey,
      String topicsPrefix,
      int partitions,
      SimulatorConfig simulator,
      Settings settings,
      Map<String, String> overrides,
      Clock clock) {
    public Options {
      overrides = Map.copyOf(overrides);
    }

    /** A self-contained stack in {@code dataDir}, configured by {@code settings}. */
    public static Options of(Path dataDir, Settings settings) {
      return new Options(
          dataDir,
          null,
          null,
          S3_ACCESS_KEY,
          S3_SECRET_KEY,
          "",
          6,
          SimulatorConfig.builder().apiKey(SIMULATOR_API_KEY, "default").build(),
          settings,
          Map.of(),
          Clock.systemUTC());
    }

    /** The topic names of this stack. */
    public TopicNames topicNames() {
      return TopicNames.withPrefix(topicsPrefix);
    }
  }
}
