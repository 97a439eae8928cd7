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
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.DescribeClusterOptions;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.metadata.storage.Formatter;
import org.apache.kafka.server.common.MetadataVersion;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A KRaft cluster of {@code n} combined broker-and-controller nodes, each a child JVM with its own
 * ports and data directory, for fault tests that kill one broker while the others keep serving.
 *
 * <p>Every replicated default is the production one: replication factor {@code n} (also for the
 * offsets and transaction-state topics), {@code min.insync.replicas = n - 1}, no unclean leader
 * election. A node killed with SIGKILL starts again on the same ports and data directory, so it
 * rejoins the quorum and catches up as a restarted production broker would. Each node writes its
 * output to {@code broker.log} in its own directory.
 */
public final class KafkaCluster implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(KafkaCluster.class);
  private static final String CONTROLLER_LISTENER = "CONTROLLER";

  /**
   * How to run the cluster.
   *
   * @param dataDir parent of the nodes' directories {@code node-<id>}; created if missing
   * @param nodes how many nodes (node ids 1 to {@code nodes}); at least 3 for a quorum that
   *     survives one loss
   * @param jvmOptions each node's JVM options
   * @param startTimeout how long a node's start or restart may take
   * @param brokerOverrides properties that replace or add to the defaults on every node
   */
  public record Settings(
      Path dataDir,
      int nodes,
      List<String> jvmOptions,
      Duration startTimeout,
      Map<String, String> brokerOverrides) {
    public Settings {
      Objects.requireNonNull(dataDir, "dataDir");
      if (nodes < 1) {
        throw new IllegalArgumentException("nodes must be at least 1");
      }
      jvmOptions = List.copyOf(jvmOptions);
      Objects.requireNonNull(startTimeout, "startTimeout");
      brokerOverrides = Map.copyOf(brokerOverrides);
    }

    /** Three nodes with 384 MiB heaps, serial GC and C1 only, a 90 s start timeout. */
    public static Settings of(Path dataDir) {
      return new Settings(
          dataDir,
          3,
          List.of("-Xmx384m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1"),
          Duration.ofSeconds(90),
          Map.of());
    }
  }

  /** One node: its id, ports and process. */
  private static final class Node {
    final int id;
    final int brokerPort;
    final int controllerPort;
    final Path dir;
    ChildJvm child;

    Node(int id, int brokerPort, int controllerPort, Path dir) {
      this.id = id;
      this.brokerPort = brokerPort;
      this.controllerPort = controllerPort;
      this.dir = dir;
    }
  }

  private final Settings settings;
  private final List<Node> nodes = new ArrayList<>();

  private KafkaCluster(Settings settings) {
    this.settings = settings;
  }

  /**
   * Formats every node's directory that holds no Kafka log yet (one cluster id for all), starts
   * every node and waits until each serves and the cluster shows all of them.
   *
   * @throws IllegalStateException if a node exits or is not ready within the start timeout
   */
  public static KafkaCluster start(Settings settings) throws IOException, InterruptedException {
    KafkaCluster cluster = new KafkaCluster(settings);
    Path root = settings.dataDir().toAbsolutePath();
    for (int id = 1; id <= settings.nodes(); id++) {
      cluster.nodes.add(new Node(id, FreePort.pick(), FreePort.pick(), root.resolve("node-" + id)));
    }
    String clusterId = Uuid.randomUuid().toString();
    try {
      for (Node node : cluster.nodes) {
        cluster.prepare(node, clusterId);
      }
      for (Node node : cluster.nodes) {
        cluster.spawn(node);
      }
      for (Node node : cluster.nodes) {
        cluster.awaitServing(node);
      }
    } catch (IOException | RuntimeException | InterruptedException e) {
      cluster.close();
      throw e;
    }
    return cluster;
  }

  /** The {@code bootstrap.servers} value naming every node. */
  public String bootstrapServers() {
    return nodes.stream().map(n -> "127.0.0.1:" + n.brokerPort).collect(Collectors.joining(","));
  }

  /** The node ids, 1 to n. */
  public List<Integer> nodeIds() {
    return nodes.stream().map(n -> n.id).toList();
  }

  /** Whether node {@code id} runs. */
  public synchronized boolean isRunning(int id) {
    Node n = node(id);
    return n.child != null && n.child.isAlive();
  }

  /** The output of node {@code id}, appended across restarts. */
  public Path logFile(int id) {
    return node(id).dir.resolve("broker.log");
  }

  /** Kills node {@code id} with SIGKILL (no controlled shutdown) and waits until it is gone. */
  public synchronized long kill(int id) throws InterruptedException {
    Node n = node(id);
    if (n.child == null) {
      throw new IllegalStateException("node " + id + " is not running");
    }
    long pid = n.child.pid();
    LOG.info("killing kafka node={} pid={}", id, pid);
    n.child.kill();
    n.child = null;
    return pid;
  }

  /** Starts node {@code id} again on its ports and data directory and waits until it serves. */
  public synchronized void restart(int id) throws IOException, InterruptedException {
    Node n = node(id);
    if (n.child != null && n.child.isAlive()) {
      throw new IllegalStateException("node " + id + " is running");
    }
    spawn(n);
    awaitServing(n);
  }

  /** Stops every node with SIGTERM, each within 30 s or killed. */
  @Override
  public synchronized void close() {
    for (Node n : nodes) {
      if (n.child != null) {
        n.child.close();
        n.child = null;
      }
    }
  }

  private Node node(int id) {
    return nodes.stream()
        .filter(n -> n.id == id)
        .findFirst()
        .orElseThrow(() -> new IllegalArgumentException("no node " + id));
  }

  private void prepare(Node node, String clusterId) throws IOException {
    Path logDir = node.dir.resolve("kraft-logs");
    Files.createDirectories(logDir);
    writeProperties(node.dir.resolve("server.properties"), properties(node, logDir));
    if (Files.exists(logDir.resolve("meta.properties"))) {
      return;
    }
    try (OutputStream log =
            Files.newOutputStream(
                node.dir.resolve("broker.log"),
                StandardOpenOption.CREATE,
                StandardOpenOption.APPEND);
        PrintStream out = new PrintStream(log, true, StandardCharsets.UTF_8)) {
      new Formatter()
          .setPrintStream(out)
          .setNodeId(node.id)
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
  }

  private void spawn(Node node) throws IOException {
    List<String> options = new ArrayList<>(settings.jvmOptions());
    options.add("-Djava.awt.headless=true");
    // The broker says what it does at INFO (logback.xml of the runtime module, when on the class
    // path).
    options.add("-Dlog.level.root=INFO");
    node.child =
        ChildJvm.start(
            new ChildJvm.Spec(
                "kafka-" + node.id,
                System.getProperty("java.class.path"),
                options,
                "kafka.Kafka",
                List.of(node.dir.resolve("server.properties").toString()),
                node.dir,
                node.dir.resolve("broker.log"),
                Map.of()));
  }

  private void awaitServing(Node node) throws InterruptedException {
    long started = System.nanoTime();
    try {
      node.child.awaitReady(settings.startTimeout(), () -> serves(node));
    } catch (RuntimeException | InterruptedException e) {
      node.child.kill();
      node.child = null;
      throw e;
    }
    LOG.info(
        "kafka node ready node={} pid={} tookMs={}",
        node.id,
        node.child.pid(),
        TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started));
  }

  private Map<String, String> properties(Node node, Path logDir) {
    String voters =
        nodes.stream()
            .map(n -> n.id + "@127.0.0.1:" + n.controllerPort)
            .collect(Collectors.joining(","));
    String replicas = Integer.toString(settings.nodes());
    String minIsr = Integer.toString(Math.max(1, settings.nodes() - 1));
    Map<String, String> props = new LinkedHashMap<>();
    props.put("process.roles", "broker,controller");
    props.put("node.id", Integer.toString(node.id));
    props.put("controller.quorum.voters", voters);
    props.put(
        "listeners",
        "PLAINTEXT://127.0.0.1:"
            + node.brokerPort
            + ",CONTROLLER://127.0.0.1:"
            + node.controllerPort);
    props.put("advertised.listeners", "PLAINTEXT://127.0.0.1:" + node.brokerPort);
    props.put("controller.listener.names", CONTROLLER_LISTENER);
    props.put("listener.security.protocol.map", "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT");
    props.put("inter.broker.listener.name", "PLAINTEXT");
    props.put("log.dirs", logDir.toString());
    props.put("num.partitions", "1");
    props.put("default.replication.factor", replicas);
    props.put("min.insync.replicas", minIsr);
    props.put("unclean.leader.election.enable", "false");
    props.put("offsets.topic.replication.factor", replicas);
    props.put("offsets.topic.num.partitions", "3");
    props.put("transaction.state.log.replication.factor", replicas);
    props.put("transaction.state.log.min.isr", minIsr);
    props.put("transaction.state.log.num.partitions", "3");
    props.put("share.coordinator.state.topic.replication.factor", replicas);
    props.put("share.coordinator.state.topic.min.isr", minIsr);
    props.put("group.initial.rebalance.delay.ms", "0");
    // A killed node's leaderships move after its broker session expires: short, as in
    // KafkaProcess, so a kill costs seconds, not the default 9 s plus election.
    props.put("broker.heartbeat.interval.ms", "500");
    props.put("broker.session.timeout.ms", "3000");
    // Followers that fall behind leave the ISR after 10 s (default 30 s).
    props.put("replica.lag.time.max.ms", "10000");
    props.putAll(settings.brokerOverrides());
    return props;
  }

  private static void writeProperties(Path file, Map<String, String> values) throws IOException {
    Properties properties = new Properties();
    properties.putAll(values);
    try (Writer out = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
      properties.store(out, "written by " + KafkaCluster.class.getName() + " at each start");
    }
  }

  private boolean serves(Node node) throws Exception {
    try (Socket socket = new Socket()) {
      socket.connect(new InetSocketAddress("127.0.0.1", node.brokerPort), 500);
    } catch (IOException e) {
      return false;
    }
    Map<String, Object> config =
        Map.of(
            AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, "127.0.0.1:" + node.brokerPort,
            AdminClientConfig.CLIENT_ID_CONFIG, "kafka-cluster-readiness",
            AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 2000,
            AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 2000,
            AdminClientConfig.RECONNECT_BACKOFF_MAX_MS_CONFIG, 200);
    try (Admin admin = Admin.create(config)) {
      // Serving means this node is registered: the cluster lists it among its live brokers.
      return admin
          .describeCluster(new DescribeClusterOptions().timeoutMs(2000))
          .nodes()
          .get()
          .stream()
          .anyMatch(n -> n.id() == node.id);
    }
  }
}
