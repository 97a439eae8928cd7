package io.wanpipeline.infra.kafka;

import io.wanpipeline.infra.process.ChildJvm;
import io.wanpipeline.infra.process.FreePort;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.Writer;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.DescribeClusterOptions;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.metadata.storage.Formatter;
import org.apache.kafka.server.common.MetadataVersion;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A single-node KRaft Kafka broker (combined broker and controller) running in a child JVM, for the
 * local stack and for failure tests that kill or restart the broker.
 *
 * <p>The data directory is formatted only when it holds no Kafka log yet, so a stack started again
 * on the same directory keeps its topics and records. The broker writes its output to {@code
 * broker.log} in the data directory.
 */
public final class KafkaProcess implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(KafkaProcess.class);
  private static final int NODE_ID = 1;
  private static final String CONTROLLER_LISTENER = "CONTROLLER";

  /**
   * How to run the broker.
   *
   * @param dataDir directory for the Kafka log ({@code kraft-logs}), {@code server.properties} and
   *     {@code broker.log}; created if missing, reused if it already holds a formatted log
   * @param brokerPort client listener port on 127.0.0.1; 0 picks a free port at start
   * @param controllerPort KRaft controller listener port on 127.0.0.1; 0 picks a free port at start
   * @param jvmOptions the child JVM's options; the default caps the heap at 512 MiB and trades peak
   *     speed for a start that costs about 40% less CPU (serial GC, C1 compiler only)
   * @param startTimeout how long a start or restart may take before it fails
   * @param brokerOverrides broker properties that replace or add to the single-node defaults
   * @param classpath the child JVM's class path; it must hold {@code kafka_2.13} and its runtime
   *     dependencies
   */
  public record Settings(
      Path dataDir,
      int brokerPort,
      int controllerPort,
      List<String> jvmOptions,
      Duration startTimeout,
      Map<String, String> brokerOverrides,
      String classpath) {
    /** The default {@link #jvmOptions}. */
    public static final List<String> DEFAULT_JVM_OPTIONS =
        List.of("-Xmx512m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1");

    public Settings {
      Objects.requireNonNull(dataDir, "dataDir");
      jvmOptions = List.copyOf(jvmOptions);
      Objects.requireNonNull(startTimeout, "startTimeout");
      brokerOverrides = Map.copyOf(brokerOverrides);
      Objects.requireNonNull(classpath, "classpath");
    }

    /**
     * Defaults: free ports, {@link #DEFAULT_JVM_OPTIONS}, 60 s start timeout, no overrides, and
     * this JVM's class path.
     */
    public static Settings of(Path dataDir) {
      return new Settings(
          dataDir,
          0,
          0,
          DEFAULT_JVM_OPTIONS,
          Duration.ofSeconds(60),
          Map.of(),
          System.getProperty("java.class.path"));
    }

    /** These settings with fixed listener ports (0 for a free port). */
    public Settings withPorts(int brokerPort, int controllerPort) {
      return new Settings(
          dataDir,
          brokerPort,
          controllerPort,
          jvmOptions,
          startTimeout,
          brokerOverrides,
          classpath);
    }

    /** These settings with extra broker properties. */
    public Settings withBrokerOverrides(Map<String, String> brokerOverrides) {
      return new Settings(
          dataDir,
          brokerPort,
          controllerPort,
          jvmOptions,
          startTimeout,
          brokerOverrides,
          classpath);
    }

    /** These settings with other child JVM options. */
    public Settings withJvmOptions(List<String> jvmOptions) {
      return new Settings(
          dataDir,
          brokerPort,
          controllerPort,
          jvmOptions,
          startTimeout,
          brokerOverrides,
          classpath);
    }
  }

  private final Settings settings;
  private final int brokerPort;
  private final int controllerPort;
  private ChildJvm child;

  private KafkaProcess(Settings settings, int brokerPort, int controllerPort) {
    this.settings = settings;
    this.brokerPort = brokerPort;
    this.controllerPort = controllerPort;
  }

  /** Starts a broker with {@link Settings#of default settings} and waits until it serves. */
  public static KafkaProcess start(Path dataDir) throws IOException, InterruptedException {
    return start(Settings.of(dataDir));
  }

  /**
   * Formats the data directory if it holds no Kafka log, starts the broker and waits until it
   * answers {@code describeCluster}.
   *
   * @throws IllegalStateException if the broker exits or is not ready within the start timeout
   */
  public static KafkaProcess start(Settings settings) throws IOException, InterruptedException {
    int brokerPort = settings.brokerPort() == 0 ? FreePort.pick() : settings.brokerPort();
    int controllerPort =
        settings.controllerPort() == 0 ? FreePort.pick() : settings.controllerPort();
    KafkaProcess kafka = new KafkaProcess(settings, brokerPort, controllerPort);
    kafka.launch();
    return kafka;
  }

  /** {@code 127.0.0.1:<port>} of the client listener; stays the same across restarts. */
  public String bootstrapServers() {
    return "127.0.0.1:" + brokerPort;
  }

  /** The data directory. */
  public Path dataDir() {
    return settings.dataDir();
  }

  /** The broker's output, appended across restarts. */
  public Path logFile() {
    return settings.dataDir().resolve("broker.log");
  }

  /** Whether the broker process is running. */
  public synchronized boolean isRunning() {
    return child != null && child.isAlive();
  }

  /** The broker's process id, while it runs. */
  public synchronized long pid() {
    if (child == null) {
      throw new IllegalStateException("the broker is not running");
    }
    return child.pid();
  }

  /** Kills the broker with SIGKILL, without a controlled shutdown, and waits until it is gone. */
  public synchronized void kill() throws InterruptedException {
    if (child != null) {
      LOG.info("killing broker pid={}, bootstrap={}", child.pid(), bootstrapServers());
      child.kill();
      child = null;
    }
  }

  /** Stops the broker with SIGTERM (controlled shutdown) and waits until it is gone. */
  public synchronized void stop() throws InterruptedException {
    stop(Duration.ofSeconds(30));
  }

  /**
   * Stops the broker with SIGTERM (controlled shutdown), waits up to {@code grace} for it to exit,
   * then kills it.
   */
  public synchronized void stop(Duration grace) throws InterruptedException {
    if (child != null) {
      int exit = child.stop(grace);
      LOG.debug("broker stopped exit={}, bootstrap={}", exit, bootstrapServers());
      child = null;
    }
  }

  /**
   * Stops the broker if it runs, then starts it again on the same ports and data directory and
   * waits until it serves.
   */
  public synchronized void restart() throws IOException, InterruptedException {
    stop();
    launch();
  }

  /**
   * Stops the broker with SIGTERM and waits until it is gone; if interrupted meanwhile, kills it
   * and keeps the thread's interrupt status.
   */
  @Override
  public synchronized void close() {
    if (child != null) {
      child.close();
      child = null;
    }
  }

  private synchronized void launch() throws IOException, InterruptedException {
    long started = System.nanoTime();
    Path dataDir = settings.dataDir().toAbsolutePath();
    Path logDir = dataDir.resolve("kraft-logs");
    Files.createDirectories(logDir);
    Path properties = dataDir.resolve("server.properties");
    writeProperties(properties, brokerProperties(logDir));
    formatIfEmpty(logDir);
    ChildJvm.Spec spec =
        new ChildJvm.Spec(
            "kafka",
            settings.classpath(),
            jvmOptions(),
            "kafka.Kafka",
            List.of(properties.toString()),
            dataDir,
            logFile(),
            Map.of());
    child = ChildJvm.start(spec);
    try {
      child.awaitReady(settings.startTimeout(), this::serves);
    } catch (RuntimeException | InterruptedException e) {
      child.kill();
      child = null;
      throw e;
    }
    LOG.info(
        "broker ready bootstrap={}, pid={}, dataDir={}, tookMs={}",
        bootstrapServers(),
        child.pid(),
        dataDir,
        TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started));
  }

  private List<String> jvmOptions() {
    List<String> options = new ArrayList<>(settings.jvmOptions());
    options.add("-Djava.awt.headless=true");
    // The broker says what it does at INFO (logback.xml of the runtime module, when on the class
    // path).
    options.add("-Dlog.level.root=INFO");
    return options;
  }

  private Map<String, String> brokerProperties(Path logDir) {
    Map<String, String> props = new LinkedHashMap<>();
    props.put("process.roles", "broker,controller");
    props.put("node.id", Integer.toString(NODE_ID));
    props.put("controller.quorum.voters", NODE_ID + "@127.0.0.1:" + controllerPort);
    props.put(
        "listeners",
        "PLAINTEXT://127.0.0.1:" + brokerPort + ",CONTROLLER://127.0.0.1:" + controllerPort);
    props.put("advertised.listeners", "PLAINTEXT://127.0.0.1:" + brokerPort);
    props.put("controller.listener.names", CONTROLLER_LISTENER);
    props.put("listener.security.protocol.map", "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT");
    props.put("inter.broker.listener.name", "PLAINTEXT");
    props.put("log.dirs", logDir.toString());
    props.put("num.partitions", "1");
    props.put("default.replication.factor", "1");
    props.put("offsets.topic.replication.factor", "1");
    props.put("offsets.topic.num.partitions", "1");
    props.put("transaction.state.log.replication.factor", "1");
    props.put("transaction.state.log.min.isr", "1");
    props.put("transaction.state.log.num.partitions", "1");
    props.put("share.coordinator.state.topic.replication.factor", "1");
    props.put("share.coordinator.state.topic.min.isr", "1");
    props.put("min.insync.replicas", "1");
    props.put("group.initial.rebalance.delay.ms", "0");
    // After a SIGKILL the restarted controller keeps the old registration until its session
    // expires (default 9 s) and rejects the new one meanwhile: a short session restarts faster.
    props.put("broker.heartbeat.interval.ms", "500");
    props.put("broker.session.timeout.ms", "3000");
    props.putAll(settings.brokerOverrides());
    return props;
  }

  private static void writeProperties(Path file, Map<String, String> values) throws IOException {
    Properties properties = new Properties();
    properties.putAll(values);
    try (Writer out = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
      properties.store(out, "written by " + KafkaProcess.class.getName() + " at each start");
    }
  }

  private void formatIfEmpty(Path logDir) throws IOException {
    if (Files.exists(logDir.resolve("meta.properties"))) {
      return;
    }
    try (Stream<Path> entries = Files.list(logDir)) {
      if (entries.findAny().isPresent()) {
        throw new IllegalStateException(
            "refusing to format " + logDir + ": it is not empty but holds no meta.properties");
      }
    }
    String clusterId = Uuid.randomUuid().toString();
    try (OutputStream log =
            Files.newOutputStream(logFile(), StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        PrintStream out = new PrintStream(log, true, StandardCharsets.UTF_8)) {
      new Formatter()
          .setPrintStream(out)
          .setNodeId(NODE_ID)
          .setClusterId(clusterId)
          .setDirectories(List.of(logDir.toString()))
          .setMetadataLogDirectory(logDir.toString())
          .setReleaseVersion(MetadataVersion.latestProduction())
          .setControllerListenerName(CONTROLLER_LISTENER)
          .run();
    } catch (IOException | RuntimeException e) {
      throw e;
    } catch (Exception e) {
      throw new IllegalStateException("formatting " + logDir + " failed", e);
    }
    LOG.debug("formatted kafka log dir={}, clusterId={}", logDir, clusterId);
  }

  private boolean serves() throws Exception {
    // A plain connect first: the admin client would log every refused connection as a warning.
    try (Socket socket = new Socket()) {
      socket.connect(new InetSocketAddress("127.0.0.1", brokerPort), 500);
    } catch (IOException e) {
      return false;
    }
    Map<String, Object> config =
        Map.of(
            AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers(),
            AdminClientConfig.CLIENT_ID_CONFIG, "kafka-process-readiness",
            AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 2000,
            AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 2000,
            AdminClientConfig.RECONNECT_BACKOFF_MAX_MS_CONFIG, 200);
    try (Admin admin = Admin.create(config)) {
      return !admin
          .describeCluster(new DescribeClusterOptions().timeoutMs(2000))
          .nodes()
          .get()
          .isEmpty();
    }
  }
}
